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

/**
 * A way copied weighs this many units against the work ceiling: copying one costs about twice a rule looked at (a
 * 27-rule ruleset of undecided jumps copied 2.5 M ways in 2.6-4.5 s).
 */
export const WAY_COPY_UNITS = 2;

/** Work past which the evaluation running now is given up (withWorkCeiling); none outside one. */
let ceiling = Number.POSITIVE_INFINITY;
let overCeiling: () => Error = () => new Error('work ceiling');

/** Work counted so far, in units: rules visited, exposure work, and ways copied by their weight. */
export function workUnits(): number {
  return visited + exposureWork + WAY_COPY_UNITS * copied;
}

function checkCeiling(): void {
  if (workUnits() > ceiling) {
    ceiling = Number.POSITIVE_INFINITY;
    throw overCeiling();
  }
}

/**
 * Runs `work`, stopping it with `error()` as soon as the counted work passes `at` (in workUnits): a bound checked
 * between port pieces let one piece's walk run for seconds first.
 */
export function withWorkCeiling<T>(at: number, error: () => Error, work: () => T): T {
  const outer = { ceiling, overCeiling };
  ceiling = at;
  overCeiling = error;
  try {
    return work();
  } finally {
    ({ ceiling, overCeiling } = outer);
  }
}

export function countRule(): void {
  visited++;
  if (visited + exposureWork > ceiling) checkCeiling();
}

export function rulesVisited(): number {
  return visited;
}

export function countWaysCopied(count: number): void {
  copied += count;
  checkCeiling();
}

export function waysCopied(): number {
  return copied;
}

export function countExposureWork(units: number): void {
  exposureWork += units;
  if (visited + exposureWork > ceiling) checkCeiling();
}

export function exposureWorkDone(): number {
  return exposureWork;
}

export function resetRulesVisited(): void {
  visited = 0;
  copied = 0;
  exposureWork = 0;
}
