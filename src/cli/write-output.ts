import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { type AtomicWriteOptions, writeFileAtomic as writeAtomic } from '../fs/atomic-write.js';
import { UsageError } from './usage-error.js';

export type { AtomicWriteOptions } from '../fs/atomic-write.js';

/**
 * Writes a whole file or nothing: a temp file beside it, fsync, then rename over the target.
 * `modeOrOptions` is the file mode (default 0644) or the full options of src/fs/atomic-write.ts (owner, noClobber).
 * An existing character device or FIFO is written directly (`existing: 'stream'`), unless the options say otherwise.
 */
export function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  modeOrOptions: number | AtomicWriteOptions = 0o644,
): void {
  // Checked up front: a missing directory is a mistake in the command line (exit 2), said in its own words.
  const directory = dirname(path);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    throw new UsageError(`${path}: its directory ${directory} does not exist`);
  }
  if (!isDirectory) throw new UsageError(`${path}: ${directory} is not a directory`);
  // A path the user named: /dev/stdout, /dev/null or a FIFO (`>(…)`) is written as it is, never replaced.
  const options = typeof modeOrOptions === 'number' ? { mode: modeOrOptions } : modeOrOptions;
  writeAtomic(path, content, { existing: 'stream', ...options });
}
