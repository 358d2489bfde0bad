// Runs a recursive walk on the heap instead of the JS stack. A walk step is a generator that yields the sub-walk it
// needs and is resumed with that sub-walk's result, so a chain of 200k rules (each one a step deeper: a `continue`,
// an undecided rule followed both ways) is a 200k-long array here, not 200k frames of a ~10k-frame stack.

/** One step of a walk: yields the steps whose results it needs, returns its own result. */
export interface Step<T> extends Generator<Step<T>, T, T> {}

/** The result of `root`, computing every step it yields (and theirs) in the same order plain recursion would. */
export function runSteps<T>(root: Step<T>): T {
  const stack: Step<T>[] = [root];
  let value: T | undefined;
  for (;;) {
    const next = stack[stack.length - 1]!.next(value as T);
    if (next.done) {
      stack.pop();
      if (stack.length === 0) return next.value;
      value = next.value;
    } else {
      stack.push(next.value);
      value = undefined;
    }
  }
}
