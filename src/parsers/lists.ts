// List helpers that take no list as call arguments. `target.push(...items)` and `Math.max(...items)` pass every
// element on the stack: past ~120k elements (lines of a unit, rules of a ruleset, signers of a set) V8 throws
// "Maximum call stack size exceeded". test/lint/spread-into-calls.test.ts keeps such spreads out of src/.

/** Appends every element of each list to target, in order (target.push(...list) without the stack limit). */
export function appendAll<T>(target: T[], ...lists: readonly (readonly T[])[]): void {
  for (const list of lists) for (const item of list) target.push(item);
}

/** The largest number, or `empty` for no numbers (Math.max(...values) without the stack limit). */
export function maxOf(values: Iterable<number>, empty = Number.NEGATIVE_INFINITY): number {
  let max = empty;
  let any = false;
  for (const value of values) {
    max = any ? Math.max(max, value) : value;
    any = true;
  }
  return max;
}
