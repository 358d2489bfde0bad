import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { appendAll } from '../parsers/lists.js';
import { NotEvaluableError, TargetError } from './errors.js';
import type {
  CommandResult,
  FileStat,
  FileType,
  ListeningSocket,
  ProcessInfo,
  RunOptions,
  Target,
  TargetKind,
} from './types.js';

/** Linux gives up after 40 symlinks in one lookup; so do we. */
export const MAX_SYMLINKS = 40;
/** Deeper paths are refused rather than walked. */
export const MAX_COMPONENTS = 256;
/** Configs are small; a larger read is a mistake or an attack. */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
/** Hashing reads binaries: stacks-node is a few hundred MB at most. */
export const DEFAULT_MAX_HASH_BYTES = 1024 * 1024 * 1024;

export interface RawNode extends FileStat {
  /** Set for symlinks. */
  linkTarget?: string;
}

/**
 * Path resolution shared by every filesystem-backed target. Symlinks are followed by hand, component by
 * component, as a chroot would: an absolute link restarts at the target's root and `..` stops at the root,
 * so no path can leave the target, and loops end with ELOOP.
 */
export abstract class RootedTarget implements Target {
  abstract readonly kind: TargetKind;
  abstract readonly source: string;
  readonly live: boolean = false;

  /** lstat of a canonical in-target path (no symlink in its parents). Undefined when absent. */
  protected abstract lstatRaw(canonicalPath: string): RawNode | undefined;
  /** May answer later: a file of a compressed archive is inflated again when read. */
  protected abstract readRaw(canonicalPath: string, maxBytes: number): Buffer | Promise<Buffer>;
  protected abstract readDirRaw(canonicalPath: string): string[];

  async stat(path: string): Promise<FileStat | undefined> {
    return this.statNode(path, true);
  }

  async lstat(path: string): Promise<FileStat | undefined> {
    return this.statNode(path, false);
  }

  async readlink(path: string): Promise<string | undefined> {
    const canonical = this.resolve(path, false);
    const node = this.lstatRaw(canonical);
    if (!node) throw new TargetError('ENOENT', path);
    return node.type === 'symlink' ? node.linkTarget : undefined;
  }

  async realpath(path: string): Promise<string> {
    return this.resolve(path, true);
  }

  async readFile(path: string, options: { maxBytes?: number } = {}): Promise<Buffer> {
    const canonical = this.resolve(path, true);
    const node = this.lstatRaw(canonical);
    if (!node) throw new TargetError('ENOENT', path);
    if (node.type === 'dir') throw new TargetError('EISDIR', path);
    // Judged before any open: opening a device acts on it (a watchdog arms, a tape rewinds), a FIFO may block.
    if (node.type !== 'file') throw new TargetError('EIO', path, 'not a regular file');
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (node.type === 'file' && node.size > maxBytes) {
      throw new TargetError('ETOOBIG', path, `${node.size} bytes, limit ${maxBytes}`);
    }
    return await this.readRaw(canonical, maxBytes);
  }

  async readText(path: string, options?: { maxBytes?: number }): Promise<string> {
    return (await this.readFile(path, options)).toString('utf8');
  }

  /** Whole-file read then hash; DirectoryTarget overrides this with a streamed read. */
  async sha256(path: string, options: { maxBytes?: number } = {}): Promise<string> {
    const content = await this.readFile(path, { maxBytes: options.maxBytes ?? DEFAULT_MAX_HASH_BYTES });
    return createHash('sha256').update(content).digest('hex');
  }

  async readDir(path: string): Promise<string[]> {
    const canonical = this.resolve(path, true);
    const node = this.lstatRaw(canonical);
    if (!node) throw new TargetError('ENOENT', path);
    if (node.type !== 'dir') throw new TargetError('ENOTDIR', path);
    return this.readDirRaw(canonical).sort();
  }

  async readDirEntries(path: string): Promise<{ name: string; type: FileType }[]> {
    const canonical = this.resolve(path, true);
    const prefix = canonical === '/' ? '' : canonical;
    return (await this.readDir(path)).map((name) => ({
      name,
      type: this.entryType(canonical, name) ?? this.lstatRaw(`${prefix}/${name}`)?.type ?? 'other',
    }));
  }

  /** The type of a directory entry when the backing store knows it without a stat (readdir's d_type). */
  protected entryType(_canonicalDir: string, _name: string): FileType | undefined {
    return undefined;
  }

  async processes(): Promise<ProcessInfo[]> {
    throw new NotEvaluableError(`running processes are not visible in an offline ${this.kind} target`);
  }

  async listeningSockets(): Promise<ListeningSocket[]> {
    throw new NotEvaluableError(`listening sockets are not visible in an offline ${this.kind} target`);
  }

  async processExecutableSha256(pid: number): Promise<string> {
    throw new NotEvaluableError(`process ${pid}: running processes are not visible in an offline ${this.kind} target`);
  }

  async run(command: string, _args: readonly string[], _options?: RunOptions): Promise<CommandResult> {
    throw new NotEvaluableError(`"${command}" can only run on the live host, not in an offline ${this.kind} target`);
  }

  private statNode(path: string, followLast: boolean): FileStat | undefined {
    let canonical: string;
    try {
      canonical = this.resolve(path, followLast);
    } catch (error) {
      if (error instanceof TargetError && error.code === 'ENOENT') return undefined;
      throw error;
    }
    const node = this.lstatRaw(canonical);
    if (!node) return undefined;
    const { type, mode, uid, gid, size } = node;
    return { type, mode, uid, gid, size };
  }

  /** Canonical in-target path of `path`. Throws ENOENT when a component is missing. */
  protected resolve(path: string, followLast: boolean): string {
    if (!path.startsWith('/')) throw new Error(`target paths are absolute, got "${path}"`);
    // No file name holds a NUL byte (a path read from the target may: a passwd home field); fs would throw on it.
    if (path.includes('\0')) throw new TargetError('ENOENT', path);
    // Components still to walk, last one first so pop() yields the next.
    const pending = splitReversed(path);
    if (pending.length > MAX_COMPONENTS) throw new TargetError('ENAMETOOLONG', path);
    const resolved: string[] = [];
    let symlinksFollowed = 0;
    while (pending.length > 0) {
      const part = pending.pop()!;
      if (part === '..') {
        resolved.pop(); // at the root, ".." stays at the root
        continue;
      }
      const candidate = `/${[...resolved, part].join('/')}`;
      const node = this.lstatRaw(candidate);
      if (!node) throw new TargetError('ENOENT', path);
      const isLast = pending.length === 0;
      if (node.type === 'symlink' && (followLast || !isLast)) {
        symlinksFollowed += 1;
        if (symlinksFollowed > MAX_SYMLINKS) throw new TargetError('ELOOP', path);
        const link = node.linkTarget ?? '';
        if (link.startsWith('/')) resolved.length = 0;
        appendAll(pending, splitReversed(link));
        if (pending.length + resolved.length > MAX_COMPONENTS) throw new TargetError('ENAMETOOLONG', path);
        continue;
      }
      if (!isLast && node.type !== 'dir') throw new TargetError('ENOTDIR', path);
      resolved.push(part);
    }
    return `/${resolved.join('/')}`;
  }
}

function splitReversed(path: string): string[] {
  return path
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .reverse();
}

/** Joins an in-target path onto a host directory; the path is already canonical, so no escape is possible. */
export function hostPath(root: string, canonicalPath: string): string {
  return root === '/' ? canonicalPath : posix.join(root, canonicalPath);
}
