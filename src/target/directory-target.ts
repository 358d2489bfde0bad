import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { resolve as resolveHostPath } from 'node:path';
import { runCommand } from './command.js';
import { fromNodeError, TargetError } from './errors.js';
import { listProcesses } from './processes.js';
import { hostPath, type RawNode, RootedTarget } from './rooted.js';
import { listListeningSockets } from './sockets.js';
import type { CommandResult, FileType, ListeningSocket, ProcessInfo, TargetKind } from './types.js';

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
    let fd: number;
    try {
      // O_NOFOLLOW: the last component was resolved by us; refuse if it became a symlink since.
      fd = openSync(
        hostPath(this.root, canonicalPath),
        constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
      );
    } catch (error) {
      throw fromNodeError(error, canonicalPath);
    }
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile()) throw new TargetError('EIO', canonicalPath, 'not a regular file');
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        const chunk = Buffer.allocUnsafe(Math.min(65536, maxBytes + 1 - total));
        const read = readSync(fd, chunk, 0, chunk.length, null);
        if (read === 0) break;
        chunks.push(chunk.subarray(0, read));
        total += read;
        if (total > maxBytes) throw new TargetError('ETOOBIG', canonicalPath, `limit ${maxBytes} bytes`);
      }
      return Buffer.concat(chunks, total);
    } catch (error) {
      throw error instanceof TargetError ? error : fromNodeError(error, canonicalPath);
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

  override async run(
    command: string,
    args: readonly string[],
    options?: { timeoutMs?: number },
  ): Promise<CommandResult> {
    if (!this.live) return super.run(command, args);
    return runCommand(command, args, options);
  }
}
