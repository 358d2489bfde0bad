/** Computes a value once, on first use; concurrent callers share the same promise. */
export function lazy<T>(compute: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    promise ??= compute();
    return promise;
  };
}
