// How many rules the firewall walks looked at since the count was last reset. The tests of issue #18 assert that a
// walk is linear in the rules by this count, not by a clock: the machines that run them are shared.

let visited = 0;
/** Ways copied to put them after another way (see after in evaluate.ts): 257 per rule made n rules 257 x n. */
let copied = 0;
/**
 * Work exposure does per port piece besides walking: rules and dport matches looked at to build a piece's view,
 * sources and origins gathered. 8,000 rules naming 8,000 ports each specialised every rule for every piece.
 */
let exposureWork = 0;

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

export function countExposureWork(units: number): void {
  exposureWork += units;
}

export function exposureWorkDone(): number {
  return exposureWork;
}

export function resetRulesVisited(): void {
  visited = 0;
  copied = 0;
  exposureWork = 0;
}
