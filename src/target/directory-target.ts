import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  statSync,
} from 'node:fs';
import { resolve as resolveHostPath } from 'node:path';
import { runCommand } from './command.js';
import { fromNodeError, TargetError } from './errors.js';
import { listProcesses } from './processes.js';
import { DEFAULT_MAX_HASH_BYTES, hostPath, type RawNode, RootedTarget } from './rooted.js';
import { listListeningSockets } from './sockets.js';
import type { CommandResult, FileType, ListeningSocket, ProcessInfo, RunOptions, TargetKind } from './types.js';

function typeOf(mode: number): RawNode['type'] {
  const format = mode & constants.S_IFMT;
  if (format === constants.S_IFREG) return 'file';
  if (format === constants.S_IFDIR) return 'dir';
  if (format === constants.S_IFLNK) return 'symlink';
  return 'other';
}

/** A directory holding a system's root (`--root DIR`), or the live host itself when the directory is `/`. */
export class DirectoryTarget extends RootedTarget {
  readonly kind: TargetKind;
  readonly source: string;
  override readonly live: boolean;
  private readonly root: string;
  private readonly lstatCache = new Map<string, RawNode | undefined>();
  private readonly direntTypes = new Map<string, Map<string, FileType>>();

  constructor(root: string, options: { live?: boolean } = {}) {
    super();
    this.root = resolveHostPath(root);
    this.source = this.root;
    this.live = options.live ?? this.root === '/';
    this.kind = this.live ? 'live' : 'directory';
  }

  protected lstatRaw(canonicalPath: string): RawNode | undefined {
    if (this.lstatCache.has(canonicalPath)) return this.lstatCache.get(canonicalPath);
    const path = hostPath(this.root, canonicalPath);
    let node: RawNode | undefined;
    try {
      const stats = lstatSync(path, { throwIfNoEntry: false });
      if (stats) {
        node = {
          type: typeOf(stats.mode),
          mode: stats.mode & 0o7777,
          uid: stats.uid,
          gid: stats.gid,
          size: stats.size,
        };
        if (node.type === 'symlink') node.linkTarget = readlinkSync(path);
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fromNodeError(error, canonicalPath);
    }
    this.lstatCache.set(canonicalPath, node);
    return node;
  }

  protected readRaw(canonicalPath: string, maxBytes: number): Buffer {
    const chunks: Buffer[] = [];
    let total = 0;
    this.readChunks(hostPath(this.root, canonicalPath), canonicalPath, maxBytes, true, (chunk) => {
      chunks.push(chunk);
      total += chunk.length;
    });
    return Buffer.concat(chunks, total);
  }

  /** Streams the file through SHA-256 in 64 KiB chunks: binaries are hashed without holding them in memory. */
  override async sha256(path: string, options: { maxBytes?: number } = {}): Promise<string> {
    const canonical = this.resolve(path, true);
    const node = this.lstatRaw(canonical);
    if (!node) throw new TargetError('ENOENT', path);
    if (node.type === 'dir') throw new TargetError('EISDIR', path);
    const hash = createHash('sha256');
    this.readChunks(
      hostPath(this.root, canonical),
      canonical,
      options.maxBytes ?? DEFAULT_MAX_HASH_BYTES,
      true,
      (chunk) => hash.update(chunk),
    );
    return hash.digest('hex');
  }

  /** Opens /proc/<pid>/exe through the kernel's magic link: the inode the process runs, even if deleted on disk. */
  override async processExecutableSha256(pid: number, options: { maxBytes?: number } = {}): Promise<string> {
    if (!this.live) return super.processExecutableSha256(pid);
    if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`not a process id: ${pid}`);
    const path = `/proc/${pid}/exe`;
    const hash = createHash('sha256');
    this.readChunks(path, path, options.maxBytes ?? DEFAULT_MAX_HASH_BYTES, false, (chunk) => hash.update(chunk));
    return hash.digest('hex');
  }

  /**
   * Reads a regular file in chunks up to maxBytes (ETOOBIG beyond). With noFollow, O_NOFOLLOW: the last component
   * was resolved by us and must not have become a symlink since; /proc/<pid>/exe is opened following the link.
   */
  private readChunks(
    host: string,
    shownPath: string,
    maxBytes: number,
    noFollow: boolean,
    onChunk: (chunk: Buffer) => void,
  ): void {
    // The type first, from the path: a device or FIFO is never opened (opening one can act on it). The fstat below
    // then judges what was actually opened, in case the path changed in between.
    let before: ReturnType<typeof lstatSync>;
    try {
      before = noFollow ? lstatSync(host) : statSync(host);
    } catch (error) {
      throw fromNodeError(error, shownPath);
    }
    if (!before.isFile()) throw new TargetError('EIO', shownPath, 'not a regular file');
    let fd: number;
    try {
      fd = openSync(
        host,
        constants.O_RDONLY | (noFollow ? constants.O_NOFOLLOW : 0) | constants.O_NONBLOCK | constants.O_NOCTTY,
      );
    } catch (error) {
      throw fromNodeError(error, shownPath);
    }
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile()) throw new TargetError('EIO', shownPath, 'not a regular file');
      let total = 0;
      const buffer = Buffer.allocUnsafe(65536);
      for (;;) {
        const read = readSync(fd, buffer, 0, Math.min(buffer.length, maxBytes + 1 - total), null);
        if (read === 0) break;
        total += read;
        if (total > maxBytes) throw new TargetError('ETOOBIG', shownPath, `limit ${maxBytes} bytes`);
        // A copy: the buffer is reused for the next read.
        onChunk(Buffer.from(buffer.subarray(0, read)));
      }
    } catch (error) {
      throw error instanceof TargetError ? error : fromNodeError(error, shownPath);
    } finally {
      closeSync(fd);
    }
  }

  protected readDirRaw(canonicalPath: string): string[] {
    try {
      const entries = readdirSync(hostPath(this.root, canonicalPath), { withFileTypes: true });
      // Keep readdir's d_type so a tree walk needs no stat per entry.
      this.direntTypes.set(
        canonicalPath,
        new Map(
          entries.map((entry) => [
            entry.name,
            entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : entry.isSymbolicLink() ? 'symlink' : 'other',
          ]),
        ),
      );
      return entries.map((entry) => entry.name);
    } catch (error) {
      throw fromNodeError(error, canonicalPath);
    }
  }

  protected override entryType(canonicalDir: string, name: string): FileType | undefined {
    return this.direntTypes.get(canonicalDir)?.get(name);
  }

  override async processes(): Promise<ProcessInfo[]> {
    if (!this.live) return super.processes();
    return listProcesses();
  }

  override async listeningSockets(): Promise<ListeningSocket[]> {
    if (!this.live) return super.listeningSockets();
    return listListeningSockets();
  }

  override async run(command: string, args: readonly string[], options?: RunOptions): Promise<CommandResult> {
    if (!this.live) return super.run(command, args, options);
    return runCommand(command, args, options);
  }
}
