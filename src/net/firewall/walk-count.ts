// How many rules the firewall walks looked at since the count was last reset. The tests of issue #18 assert that a
// walk is linear in the rules by this count, not by a clock: the machines that run them are shared.

let visited = 0;

export function countRule(): void {
  visited++;
}

export function rulesVisited(): number {
  return visited;
}

export function resetRulesVisited(): void {
  visited = 0;
}
