import { type AtomicWriteOptions, writeFileAtomic as writeAtomic } from '../fs/atomic-write.js';

export type { AtomicWriteOptions } from '../fs/atomic-write.js';

/**
 * Writes a whole file or nothing: a temp file beside it, fsync, then rename over the target.
 * `modeOrOptions` is the file mode (default 0644) or the full options of src/fs/atomic-write.ts (owner, noClobber).
 */
export function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  modeOrOptions: number | AtomicWriteOptions = 0o644,
): void {
  writeAtomic(path, content, typeof modeOrOptions === 'number' ? { mode: modeOrOptions } : modeOrOptions);
}
