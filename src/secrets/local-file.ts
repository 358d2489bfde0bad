// One local file read and scanned, the same way on the walk's own thread and on its worker threads
// (tree-threads.ts): what it adds to the stats, its warning and its findings.

import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync } from 'node:fs';
import { errnoWords } from '../fs/errno-words.js';
import { type PendingFinding, scanContentPending, textToScan } from './scan-content.js';
import type { ScanOptions, ScanStats } from './types.js';

export const TOO_LARGE = Symbol('too large');

/** The scan options a file's scan needs; plain data, so they cross to a worker thread as they are. */
export type FileScanOptions = ScanOptions & { includeBinary?: boolean };

export function emptyStats(): ScanStats {
  return { filesScanned: 0, bytesScanned: 0, skippedBinary: 0, skippedTooLarge: 0, skippedUnreadable: 0 };
}

/**
 * One buffer a thread reads every file into, grown to the largest file read so far (never past the size cap): a tree
 * of 200 MB costs one allocation, not one per file, and the collector has nothing to sweep. A file's bytes live there
 * only while it is scanned: what a scan keeps (values, lines) is copied out as strings.
 */
export class ReadBuffer {
  #buffer: Buffer = Buffer.allocUnsafeSlow(64 * 1024);

  /** The buffer, at least `size` bytes long; grown by doubling, but never past `limit` (the size cap). */
  atLeast(size: number, limit: number): Buffer {
    if (this.#buffer.length < size)
      this.#buffer = Buffer.allocUnsafeSlow(Math.max(size, Math.min(this.#buffer.length * 2, limit)));
    return this.#buffer;
  }
}

/**
 * The file's bytes (in `into` when given: valid until the next read into it), or TOO_LARGE over maxBytes. Never
 * opens what is not a regular file; `follow` only for a root the user named.
 */
export function readLocalFile(
  path: string,
  maxBytes: number,
  follow = false,
  into?: ReadBuffer,
): Buffer | typeof TOO_LARGE {
  // O_NOFOLLOW: the entry was a file when listed; refuse if it became a symlink since. O_NONBLOCK: nor hang on a FIFO.
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (follow ? 0 : constants.O_NOFOLLOW);
  // Never open what is not a regular file (opening a device can act on it); fstat then judges what was opened.
  const before = follow ? statSync(path) : lstatSync(path);
  if (!before.isFile()) throw Object.assign(new Error(`${path}: not a regular file`), { code: 'ENOTFILE' });
  const fd = openSync(path, flags);
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw Object.assign(new Error(`${path}: not a regular file`), { code: 'ENOTFILE' });
    const size = opened.size;
    if (size > maxBytes) return TOO_LARGE;
    const buffer = into ? into.atLeast(size, maxBytes) : Buffer.allocUnsafe(size);
    let total = 0;
    while (total < size) {
      const read = readSync(fd, buffer, total, size - total, null);
      if (read === 0) break;
      total += read;
    }
    return buffer.subarray(0, total);
  } finally {
    closeSync(fd);
  }
}

/** What one file added: its warning (unreadable, over the cap) and its findings, fingerprints still to compute. */
export interface FileResult {
  warning?: string;
  pending: readonly PendingFinding[];
}

const NOTHING: FileResult = { pending: [] };

/**
 * Scans bytes already read (or the reason they could not be): counts them in `stats` and returns what the report
 * holds for the file. `content` is consumed here: nothing returned refers to it.
 */
export function scanReadFile(
  path: string,
  content: Buffer | typeof TOO_LARGE | { error: unknown },
  options: FileScanOptions,
  maxFileBytes: number,
  stats: ScanStats,
): FileResult {
  if (content === TOO_LARGE) {
    stats.skippedTooLarge++;
    return {
      warning: `${path}: not scanned, larger than ${maxFileBytes} bytes (raise --max-file-size to include it)`,
      pending: [],
    };
  }
  if (!Buffer.isBuffer(content)) {
    stats.skippedUnreadable++;
    return { warning: `${path}: not scanned (${errnoWords(content.error)})`, pending: [] };
  }
  const text = textToScan(content);
  if (text === undefined && !options.includeBinary) {
    stats.skippedBinary++;
    return NOTHING;
  }
  stats.filesScanned++;
  stats.bytesScanned += content.length;
  const pending = scanContentPending(text ?? content, path, options);
  return pending.length === 0 ? NOTHING : { pending };
}

/** Reads (into `buffer`) and scans one local file below a root: scanReadFile of readLocalFile. */
export function scanLocalFile(
  path: string,
  options: FileScanOptions,
  maxFileBytes: number,
  stats: ScanStats,
  buffer: ReadBuffer,
): FileResult {
  let content: Buffer | typeof TOO_LARGE | { error: unknown };
  try {
    content = readLocalFile(path, maxFileBytes, false, buffer);
  } catch (error) {
    content = { error };
  }
  return scanReadFile(path, content, options, maxFileBytes, stats);
}
