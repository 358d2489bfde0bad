// Whole-file-or-nothing writes for reports, configs and key material (rename(2) is atomic within one filesystem).
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
  type Stats,
  statSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Permission bits of the new file, set on the empty temp file before any content is written. Default 0644. */
  mode?: number;
  /** Owner of the new file, set (fchown) before any content is written. Default: the caller's. */
  uid?: number;
  gid?: number;
  /** Fail with EEXIST instead of replacing an existing file (for backups that must never overwrite). */
  noClobber?: boolean;
  /** fsync the directory after the rename so the new name survives a crash. Default true. */
  syncDirectory?: boolean;
  /**
   * The temp file's path (same directory as `path`), for a caller that records it beforehand so a crash's leftover
   * can be found and removed. Default: a random name beside `path`.
   */
  tempPath?: string;
  /** Called with the temp file complete and fsynced, just before the rename (a test's crash point). */
  beforeRename?: () => void;
  /**
   * What an existing `path` that is a character device, a FIFO or a symlink means.
   * - 'stream' (a path the user named, `--output`): a character device or FIFO is opened and written directly (that
   *   is what /dev/stdout, /dev/null and `>(…)` mean), also through a symlink of root's or ours.
   * - 'replace' (a file inside a target root, harden's changes, key material): a device or FIFO is refused.
   * In both, any other symlink is itself replaced (never written through), as a regular file is.
   * Default 'replace'. In both, a directory, socket or block device is refused: never renamed over.
   */
  existing?: 'stream' | 'replace';
}

/** A path that may not be written: a directory, a device, a socket… Its message is one line in words. */
export class WriteRefusedError extends Error {
  readonly code = 'ENOTFILE';
  constructor(message: string) {
    super(message);
    this.name = 'WriteRefusedError';
  }
}

function kindWords(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function statOrUndefined(read: () => Stats): Stats | undefined {
  try {
    return read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

type WritePlan = { kind: 'atomic'; path: string } | { kind: 'stream'; stats: Stats };

/** Where the bytes go, decided before anything is created: the one place that says what may be written over. */
function planWrite(path: string, existing: 'stream' | 'replace'): WritePlan {
  const link = statOrUndefined(() => lstatSync(path));
  if (!link) return { kind: 'atomic', path };
  if (link.isFile()) return { kind: 'atomic', path };
  if (link.isSymbolicLink()) {
    // Followed only to a device or FIFO (/dev/stdout, /dev/fd/63), and only a link of root's or ours: a link someone
    // else planted (in /tmp, say) is replaced like any other, never written through to what it names.
    const trusted = link.uid === 0 || link.uid === process.getuid?.();
    const target = existing === 'stream' && trusted ? statOrUndefined(() => statSync(path)) : undefined;
    if (target && (target.isCharacterDevice() || target.isFIFO())) return { kind: 'stream', stats: target };
    return { kind: 'atomic', path };
  }
  if (existing === 'stream' && (link.isCharacterDevice() || link.isFIFO())) return { kind: 'stream', stats: link };
  throw new WriteRefusedError(`${path}: is ${kindWords(link)}, not a regular file; not written`);
}

/** How long a write to a pipe or terminal may make no progress (a reader that stopped reading). */
const STREAM_PATIENCE_MS = 120_000;

/**
 * Writes into a character device or FIFO as it is: opened without blocking (a FIFO nobody reads is an error, not a
 * hang), checked on the descriptor to be what was stat'ed, never truncated, renamed or chmod'ed.
 */
function writeStream(path: string, expected: Stats, bytes: Uint8Array): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENXIO')
      throw new WriteRefusedError(`${path}: is a FIFO that no process is reading; not written`);
    throw error;
  }
  try {
    const opened = fstatSync(fd);
    if (opened.ino !== expected.ino || opened.dev !== expected.dev || !(opened.isCharacterDevice() || opened.isFIFO()))
      throw new WriteRefusedError(`${path}: changed while it was being opened; not written`);
    let idle = 0;
    for (let offset = 0; offset < bytes.length; ) {
      try {
        offset += writeSync(fd, bytes, offset, bytes.length - offset);
        idle = 0;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        // The pipe is full: its reader is behind. Wait for it, within a bound.
        if (idle >= STREAM_PATIENCE_MS)
          throw new WriteRefusedError(
            `${path}: its reader took nothing for ${STREAM_PATIENCE_MS / 1000} s; output incomplete`,
          );
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        idle += 10;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `content` to `path` atomically: a temp file beside it (created 0600, exclusive), mode and owner applied while
 * it is still empty, content written and fsynced, then renamed over `path` (or hard-linked, with noClobber) and the
 * directory fsynced. On any failure the temp file is removed and `path` is untouched.
 */
export function writeFileAtomic(
  requested: string,
  content: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  const plan = planWrite(requested, options.existing ?? 'replace');
  if (plan.kind === 'stream') {
    writeStream(requested, plan.stats, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    return;
  }
  const path = plan.path;
  const mode = options.mode ?? 0o644;
  const temp =
    options.tempPath ?? join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // 0600 at creation whatever the final mode: nobody else can open the file in the window before fchmod.
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o600);
  } catch (error) {
    throw namingTarget(error, path, temp);
  }
  try {
    try {
      if (options.uid !== undefined || options.gid !== undefined)
        fchownSync(fd, options.uid ?? process.getuid?.() ?? 0, options.gid ?? process.getgid?.() ?? 0);
      // After fchown: chown(2) clears setuid/setgid bits, and the umask must not decide the final mode.
      fchmodSync(fd, mode);
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      // write(2) may write less than asked (a file size limit, a full disk): loop until all of it is down.
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    options.beforeRename?.();
    // Judged again at the last moment: a device or directory put there meanwhile is still never renamed over.
    if (planWrite(path, 'replace').kind !== 'atomic') throw new WriteRefusedError(`${path}: changed; not written`);
    if (options.noClobber) {
      linkSync(temp, path);
      unlinkSync(temp);
    } else {
      renameSync(temp, path);
    }
  } catch (error) {
    // e.g. a short write, an unknown owner, or the target is a directory: leave no temp file behind.
    unlinkQuietly(temp);
    throw namingTarget(error, path, temp);
  }
  if (options.syncDirectory ?? true) syncDirectory(dirname(path));
}

/** The temp file's name is ours, not the caller's: errors name the path asked for (code and errno kept). */
function namingTarget(error: unknown, path: string, temp: string): unknown {
  if (!(error instanceof Error) || !error.message.includes(temp)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? `its directory ${dirname(path)} does not exist`
      : code === 'ENOTDIR'
        ? `${dirname(path)} is not a directory`
        : (code ?? 'cannot be written');
  return Object.assign(new Error(`${path}: ${reason}`), { code, errno: (error as NodeJS.ErrnoException).errno });
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Makes a rename durable. Some filesystems refuse fsync on a directory (EINVAL): the rename itself has happened. */
export function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
  } finally {
    closeSync(fd);
  }
}

/** `20260812T101502Z`: sortable, no characters a shell or a filename would trip on. */
export function backupTimestamp(date = new Date()): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * Copies `path` to `<path>.<timestamp>.bak` (then `.1.bak`, `.2.bak`, … if taken), byte for byte, with the original's
 * owner and the given mode (default 0600: a backup of a config holds its secrets). Returns the backup's path.
 */
export function backupFile(path: string, options: { mode?: number; date?: Date } = {}): string {
  const stats = lstatSync(path);
  if (!stats.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTFILE' });
  const bytes = readFileSync(path);
  const stamp = backupTimestamp(options.date);
  try {
    for (let attempt = 0; ; attempt++) {
      const backup = attempt === 0 ? `${path}.${stamp}.bak` : `${path}.${stamp}.${attempt}.bak`;
      try {
        writeFileAtomic(backup, bytes, {
          mode: options.mode ?? 0o600,
          uid: stats.uid,
          gid: stats.gid,
          noClobber: true,
        });
        return backup;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 99) throw error;
      }
    }
  } finally {
    bytes.fill(0);
  }
}

/**
 * Creates a new file that must not exist yet (O_EXCL: never follows a symlink, never replaces anything), for files in
 * directories of our own (a validation tree, a lock's temp name). Not atomic: its directory is ours alone.
 */
export function writeFreshFile(
  path: string,
  content: string | Uint8Array,
  mode = 0o600,
  { overwriteOurs = false } = {},
): void {
  // overwriteOurs: a file this run wrote earlier in its own directory may be replaced; a symlink still never followed.
  const flags = overwriteOurs
    ? constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW
    : constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const fd = openSync(path, flags, mode);
  try {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
  } finally {
    closeSync(fd);
  }
}

/**
 * A new link under a temp name renamed over the path: the path is never missing. The same rule as writeFileAtomic's
 * 'replace': a symlink or regular file is replaced, anything else (a directory, a device, a FIFO) refused.
 */
export function replaceWithSymlink(
  hostPath: string,
  linkTarget: string,
  options: { tempPath?: string; beforeRename?: () => void } = {},
): void {
  planWrite(hostPath, 'replace');
  const temp =
    options.tempPath ??
    join(dirname(hostPath), `.${basename(hostPath)}.${process.pid}.${randomBytes(4).toString('hex')}.lnk`);
  symlinkSync(linkTarget, temp);
  try {
    options.beforeRename?.();
    renameSync(temp, hostPath);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
  syncDirectory(dirname(hostPath));
}
