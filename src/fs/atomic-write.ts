// Whole-file-or-nothing writes for reports, configs and key material (rename(2) is atomic within one filesystem).
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
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
}

/**
 * Writes `content` to `path` atomically: a temp file beside it (created 0600, exclusive), mode and owner applied while
 * it is still empty, content written and fsynced, then renamed over `path` (or hard-linked, with noClobber) and the
 * directory fsynced. On any failure the temp file is removed and `path` is untouched.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array, options: AtomicWriteOptions = {}): void {
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
