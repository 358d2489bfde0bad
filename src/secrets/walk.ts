// Walks directory trees and scans each regular file. The tree comes from a TreeSource, so the CLI (the local
// filesystem) and the audit (a Target: live host, directory or tar) share one walker.

import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join as hostJoin, posix } from 'node:path';
import { errnoWords } from '../fs/errno-words.js';
import { appendAll } from '../parsers/lists.js';
import type { FileType, Target } from '../target/types.js';
import { emptyStats, readLocalFile, scanReadFile, TOO_LARGE } from './local-file.js';
import { type PendingFinding, withFingerprints } from './scan-content.js';
import { LocalTreeScan, scanThreads } from './tree-threads.js';
import { DEFAULT_MAX_FILE_BYTES, type ScanOptions, type ScanResult } from './types.js';

export { TOO_LARGE };

export interface TreeSource {
  /** The type of the path itself; `follow` resolves a symlink (used for the roots the user named). */
  typeOf(path: string, follow: boolean): Promise<FileType | undefined>;
  /** Entries with their own (unfollowed) type, sorted. */
  list(dir: string): Promise<{ name: string; type: FileType }[]>;
  /** The file's bytes, or TOO_LARGE when it has more than maxBytes; `follow` for a root the user named. */
  read(path: string, maxBytes: number, follow?: boolean): Promise<Buffer | typeof TOO_LARGE>;
  join(dir: string, name: string): string;
  /** A search where the files are (a remote host): the files that may hold a needle, and how many were searched. */
  findContaining?(
    roots: readonly string[],
    needles: readonly string[],
    limits: { maxDepth: number; maxFileBytes: number; includeGitDir: boolean },
  ): Promise<{ files: string[]; searched: number }>;
}

export interface WalkOptions {
  maxFileBytes?: number;
  /** Descend into `.git` directories (their objects are compressed: use --history for git content). */
  includeGitDir?: boolean;
  includeBinary?: boolean;
  /** Directory levels below a root to descend; unlimited when absent. */
  maxDepth?: number;
  /** Paths (files or directories) to leave out, e.g. /proc or the signer config itself. */
  skip?: (path: string) => boolean;
  /**
   * A root that is missing or cannot be read throws a ScanRootError (the user named it: scanning nothing must not
   * pass). Otherwise it is a warning, as for the fixed locations an audit tries. Unreadable paths below a root are
   * always warnings, counted in stats.skippedUnreadable.
   */
  requireRoots?: boolean;
  /**
   * Local trees only: threads to scan on, this one included (default one per core); workers start once this thread
   * has scanned `threadsAfterBytes` (default THREADS_AFTER_BYTES), so a small tree never pays for them.
   */
  threads?: number;
  threadsAfterBytes?: number;
  /** Local trees on threads: bytes this thread scans between looks at the workers' messages (tests set it low). */
  threadsYieldBytes?: number;
}

/** A root the user named does not exist or cannot be read: where and why, in one line. */
export class ScanRootError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScanRootError';
  }
}

function describeError(error: unknown): string {
  return errnoWords(error);
}

/** Where the walk puts what it finds, in walk order; finish() turns it into the result. */
interface Sink {
  /** A file below a root; a returned promise is awaited before the walk goes on. */
  file(path: string): Promise<void> | undefined;
  /** A root the user named that is a file: followed if a symlink, and a ScanRootError if unreadable and required. */
  root(path: string): Promise<void>;
  warning(text: string): void;
  unreadable(): void;
  finish(): Promise<ScanResult>;
  /** The walk failed: stop what runs beside it. */
  abort(): Promise<void>;
}

/** Any tree source: each file read in turn, awaited. */
function sourceSink(source: TreeSource, options: ScanOptions & WalkOptions, maxFileBytes: number): Sink {
  // Fingerprints are computed once the walk is done, all at once: the slow ones run side by side on libuv's pool.
  const pending: PendingFinding[] = [];
  const warnings: string[] = [];
  const stats = emptyStats();
  const scan = async (path: string, isRoot: boolean) => {
    let content: Buffer | typeof TOO_LARGE | { error: unknown };
    try {
      content = await source.read(path, maxFileBytes, isRoot);
    } catch (error) {
      if (isRoot && options.requireRoots) throw new ScanRootError(`${path}: cannot be read (${describeError(error)})`);
      content = { error };
    }
    const result = scanReadFile(path, content, options, maxFileBytes, stats);
    if (result.warning !== undefined) warnings.push(result.warning);
    appendAll(pending, result.pending);
  };
  return {
    file: (path) => scan(path, false),
    root: (path) => scan(path, true),
    warning: (text) => warnings.push(text),
    unreadable: () => stats.skippedUnreadable++,
    finish: async () => ({ findings: await withFingerprints(pending), stats, warnings }),
    abort: async () => {},
  };
}

/** The local filesystem: read synchronously into one reused buffer, and on every core (tree-threads.ts). */
function localSink(options: ScanOptions & WalkOptions, maxFileBytes: number): Sink {
  const { keyFrom, detectors, includeBinary } = options;
  const fileOptions = {
    maxFileBytes,
    ...(keyFrom ? { keyFrom } : {}),
    ...(detectors ? { detectors } : {}),
    ...(includeBinary ? { includeBinary } : {}),
  };
  const scan = new LocalTreeScan(fileOptions, maxFileBytes, scanThreads(options.threads), {
    ...(options.threadsAfterBytes !== undefined ? { threadsAfterBytes: options.threadsAfterBytes } : {}),
    ...(options.threadsYieldBytes !== undefined ? { yieldBytes: options.threadsYieldBytes } : {}),
  });
  return {
    file: (path) => scan.file(path),
    async root(path) {
      let content: Buffer | typeof TOO_LARGE | { error: unknown };
      try {
        content = readLocalFile(path, maxFileBytes, true);
      } catch (error) {
        if (options.requireRoots) throw new ScanRootError(`${path}: cannot be read (${describeError(error)})`);
        content = { error };
      }
      scan.record(scanReadFile(path, content, fileOptions, maxFileBytes, scan.stats));
    },
    warning: (text) => scan.warning(text),
    unreadable: () => scan.stats.skippedUnreadable++,
    finish: () => scan.finish(),
    abort: () => scan.abort(),
  };
}

/**
 * Scans every regular file under the roots. Symlinks below a root are never followed: a link inside the roots
 * points at a file that is scanned where it lives, and a link out of them leads somewhere the user did not ask for.
 */
export async function scanTree(
  source: TreeSource,
  roots: readonly string[],
  options: ScanOptions & WalkOptions = {},
): Promise<ScanResult> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const sink = source === localTree ? localSink(options, maxFileBytes) : sourceSink(source, options, maxFileBytes);

  const walkDir = async (dir: string, depth: number) => {
    let entries: { name: string; type: FileType }[];
    try {
      entries = await source.list(dir);
    } catch (error) {
      if (depth === 0 && options.requireRoots) {
        throw new ScanRootError(`${dir}: directory cannot be read (${describeError(error)})`);
      }
      sink.unreadable();
      sink.warning(`${dir}: directory not read (${describeError(error)})`);
      return;
    }
    for (const entry of entries) {
      const path = source.join(dir, entry.name);
      if (options.skip?.(path)) continue;
      if (entry.type === 'file') {
        const wait = sink.file(path);
        if (wait !== undefined) await wait;
      } else if (entry.type === 'dir') {
        if (entry.name === '.git' && !options.includeGitDir) continue;
        if (options.maxDepth === undefined || depth < options.maxDepth) await walkDir(path, depth + 1);
      }
    }
  };

  if (options.keyFrom && source.findContaining && options.maxDepth !== undefined) {
    // The source narrows the walk to the files that may hold the key; each is then read and scanned here, exactly
    // as the walk would have (same skips, same depth), so the findings are the walk's.
    const wanted = roots.filter((root) => !options.skip?.(root));
    const { files, searched } = await source.findContaining(wanted, options.keyFrom.encodings, {
      maxDepth: options.maxDepth,
      maxFileBytes,
      includeGitDir: options.includeGitDir === true,
    });
    for (const file of files) {
      const root = wanted
        .filter((candidate) => file.startsWith(`${candidate.replace(/\/$/, '')}/`))
        .sort((a, b) => b.length - a.length)[0];
      if (root === undefined) continue;
      const below = file.slice(root.replace(/\/$/, '').length + 1).split('/');
      if (below.length > options.maxDepth + 1) continue;
      const skipped = below.some((_, i) => options.skip?.(source.join(root, below.slice(0, i + 1).join('/'))));
      if (!skipped) await sink.file(file);
    }
    const result = await sink.finish();
    result.stats.filesScanned = Math.max(result.stats.filesScanned, searched);
    return result;
  }

  try {
    await walkRoots(source, roots, options, sink, walkDir);
  } catch (error) {
    await sink.abort();
    throw error;
  }
  return sink.finish();
}

/** Each root in turn: a file is scanned, a directory walked; one that is missing or neither is refused or noted. */
async function walkRoots(
  source: TreeSource,
  roots: readonly string[],
  options: ScanOptions & WalkOptions,
  sink: Sink,
  walkDir: (dir: string, depth: number) => Promise<void>,
): Promise<void> {
  for (const root of roots) {
    if (options.skip?.(root)) continue;
    let type: FileType | undefined;
    try {
      type = await source.typeOf(root, true);
    } catch (error) {
      if (options.requireRoots) throw new ScanRootError(`${root}: cannot be read (${describeError(error)})`);
      sink.warning(`${root}: not scanned (${describeError(error)})`);
      continue;
    }
    if (type === undefined) {
      if (options.requireRoots) throw new ScanRootError(`${root}: does not exist`);
      sink.warning(`${root}: does not exist`);
    } else if (type === 'file') await sink.root(root);
    else if (type === 'dir') await walkDir(root, 0);
    else if (options.requireRoots) throw new ScanRootError(`${root}: not a regular file or directory`);
  }
}

function hostType(stats: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): FileType {
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'dir';
  return 'other';
}

/** The local filesystem, read with synchronous calls: one open/fstat/read per file and no thread-pool round trips. */
export const localTree: TreeSource = {
  async typeOf(path, follow) {
    try {
      return hostType(follow ? statSync(path) : lstatSync(path));
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return undefined;
      throw error;
    }
  },
  async list(dir) {
    return readdirSync(dir, { withFileTypes: true })
      .map((entry) => ({ name: entry.name, type: hostType(entry) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  },
  async read(path, maxBytes, follow) {
    return readLocalFile(path, maxBytes, follow);
  },
  join: hostJoin,
};

/** A Target (live host, directory or tar) as a tree source: paths are absolute inside the target. */
export function targetTree(target: Target): TreeSource {
  return {
    async typeOf(path, follow) {
      return (follow ? await target.stat(path) : await target.lstat(path))?.type;
    },
    list: (dir) => target.readDirEntries(dir),
    async read(path, maxBytes) {
      try {
        return await target.readFile(path, { maxBytes });
      } catch (error) {
        if ((error as { code?: string }).code === 'ETOOBIG') return TOO_LARGE;
        throw error;
      }
    },
    join: posix.join,
    ...(target.findFilesContaining
      ? { findContaining: (roots, needles, limits) => target.findFilesContaining!(roots, needles, limits) }
      : {}),
  };
}
