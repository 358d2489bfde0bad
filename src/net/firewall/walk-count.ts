// How many rules the firewall walks looked at since the count was last reset. The tests of issue #18 assert that a
// walk is linear in the rules by this count, not by a clock: the machines that run them are shared.

let visited = 0;
/** Ways copied to put them after another way (see after in evaluate.ts): 257 per rule made n rules 257 x n. */
let copied = 0;

export function countRule(): void {
  visited++;
}

export function rulesVisited(): number {
  return visited;
}

export function countWaysCopied(count: number): void {
  copied += count;
}

export function waysCopied(): number {
  return copied;
}

export function resetRulesVisited(): void {
  visited = 0;
  copied = 0;
}
