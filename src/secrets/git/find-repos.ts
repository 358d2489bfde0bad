// Finds git repositories inside a target through its Target view (live host, directory or tar alike).
// https://git-scm.com/docs/gitrepository-layout
import { posix } from 'node:path';
import type { FileType, Target } from '../../target/types.js';

export interface RepositorySearch {
  /** In-target git directories: `<work tree>/.git` or a bare repository. */
  gitDirs: string[];
  /** Directories that could not be listed, or a note that a bound was reached: one line each. */
  notes: string[];
}

export interface RepositorySearchLimits {
  /** Levels below each root that are listed (a repo at /home/alice/src/project/.git is 3 below /home). */
  maxDepth: number;
  /** Directories listed in total, so a huge tree can't stall an audit. */
  maxDirectories: number;
}

export const DEFAULT_SEARCH_LIMITS: RepositorySearchLimits = { maxDepth: 5, maxDirectories: 20_000 };

/** Trees that hold other systems or bulk data, never an operator's repositories. */
const SKIPPED_NAMES = new Set([
  'node_modules',
  'proc',
  'sys',
  'docker',
  'containerd',
  'containers',
  'snapd',
  'flatpak',
]);

export function isBare(entries: ReadonlyMap<string, FileType>): boolean {
  return entries.get('HEAD') === 'file' && entries.get('objects') === 'dir' && entries.get('refs') === 'dir';
}

const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/** A `.git` file is one line, `gitdir: <path>`; anything longer is not one. */
const MAX_GITDIR_FILE_BYTES = 4096;
/** Levels of `modules/` below a git directory: submodule names may hold slashes, and submodules nest. */
const MAX_MODULE_DEPTH = 8;

async function entriesOf(target: Target, dir: string): Promise<Map<string, FileType> | undefined> {
  try {
    return new Map((await target.readDirEntries(dir)).map((entry) => [entry.name, entry.type]));
  } catch {
    return undefined;
  }
}

/**
 * The git directory a `.git` FILE points to (a submodule's work tree, `git clone --separate-git-dir`, a linked
 * worktree), resolved inside the target, or undefined when it names no repository there. A linked worktree's own
 * directory shares its objects and refs with the main one (`commondir`): the main one is returned, searched once.
 */
export async function gitDirFromFile(target: Target, file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await target.readText(file, { maxBytes: MAX_GITDIR_FILE_BYTES });
  } catch {
    return undefined;
  }
  const pointer = /^gitdir:[ \t]*(.+?)[ \t]*\r?$/m.exec(text)?.[1];
  if (pointer === undefined) return undefined;
  const gitDir = posix.resolve(posix.dirname(file), pointer);
  const entries = await entriesOf(target, gitDir);
  if (entries?.get('commondir') === 'file') {
    try {
      const common = (await target.readText(join(gitDir, 'commondir'), { maxBytes: MAX_GITDIR_FILE_BYTES })).trim();
      const commonDir = posix.resolve(gitDir, common);
      const commonEntries = await entriesOf(target, commonDir);
      return commonEntries && isBare(commonEntries) ? commonDir : undefined;
    } catch {
      return undefined;
    }
  }
  return entries && isBare(entries) ? gitDir : undefined;
}

/**
 * Submodule repositories kept inside a git directory (`<git dir>/modules/<name>`, nested submodules below theirs):
 * every directory there with HEAD, objects and refs. Their work trees hold only a `.git` file, and git keeps their
 * history here, so a key committed in a submodule is found only by searching these.
 */
async function submoduleGitDirs(target: Target, gitDir: string, into: Set<string>): Promise<void> {
  const queue: { dir: string; depth: number }[] = [{ dir: join(gitDir, 'modules'), depth: 0 }];
  while (queue.length > 0) {
    const { dir, depth } = queue.shift() as { dir: string; depth: number };
    const entries = await entriesOf(target, dir);
    if (!entries) continue;
    for (const [name, type] of entries) {
      if (type !== 'dir') continue;
      const path = join(dir, name);
      const inner = await entriesOf(target, path);
      if (!inner) continue;
      if (isBare(inner)) {
        into.add(path);
        if (depth < MAX_MODULE_DEPTH) queue.push({ dir: join(path, 'modules'), depth: depth + 1 });
      } else if (depth < MAX_MODULE_DEPTH) queue.push({ dir: path, depth: depth + 1 });
    }
  }
}

/**
 * Walks each root breadth-first without following symlinks (a link can't lead the walk out of the target or
 * around in a loop) and records every `.git` directory and bare repository, without descending into them, plus
 * the submodule repositories inside a `.git` directory and the repository a `.git` file points to.
 */
export async function findRepositories(
  target: Target,
  roots: readonly string[],
  limits: RepositorySearchLimits = DEFAULT_SEARCH_LIMITS,
): Promise<RepositorySearch> {
  const gitDirs = new Set<string>();
  const notes: string[] = [];
  const visited = new Set<string>();
  let listed = 0;
  const queue: { dir: string; depth: number }[] = [];
  for (const root of roots) {
    const stat = await target.lstat(root);
    if (stat?.type === 'dir') queue.push({ dir: root, depth: 0 });
  }
  while (queue.length > 0) {
    const { dir, depth } = queue.shift() as { dir: string; depth: number };
    if (visited.has(dir)) continue;
    visited.add(dir);
    if (listed >= limits.maxDirectories) {
      notes.push(`stopped after listing ${limits.maxDirectories} directories; ${dir} and others were not searched`);
      break;
    }
    listed++;
    let entries: Map<string, FileType>;
    try {
      entries = new Map((await target.readDirEntries(dir)).map((entry) => [entry.name, entry.type]));
    } catch (error) {
      notes.push(`${dir}: ${(error as Error).message}`);
      continue;
    }
    if (isBare(entries)) {
      gitDirs.add(dir);
      continue;
    }
    for (const [name, type] of entries) {
      const path = join(dir, name);
      if (name === '.git' && type === 'dir') {
        gitDirs.add(path);
        await submoduleGitDirs(target, path, gitDirs);
      } else if (name === '.git' && type === 'file') {
        const pointed = await gitDirFromFile(target, path);
        if (pointed !== undefined) gitDirs.add(pointed);
      } else if (type === 'dir' && depth < limits.maxDepth && !SKIPPED_NAMES.has(name)) {
        queue.push({ dir: path, depth: depth + 1 });
      }
    }
  }
  return { gitDirs: [...gitDirs].sort(), notes };
}
