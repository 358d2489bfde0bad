// Finds git repositories inside a target through its Target view (live host, directory or tar alike).
// https://git-scm.com/docs/gitrepository-layout
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

function isBare(entries: ReadonlyMap<string, FileType>): boolean {
  return entries.get('HEAD') === 'file' && entries.get('objects') === 'dir' && entries.get('refs') === 'dir';
}

const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/**
 * Walks each root breadth-first without following symlinks (a link can't lead the walk out of the target or
 * around in a loop) and records every `.git` directory and bare repository, without descending into them.
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
      if (type !== 'dir') continue;
      const path = join(dir, name);
      if (name === '.git') gitDirs.add(path);
      else if (depth < limits.maxDepth && !SKIPPED_NAMES.has(name)) queue.push({ dir: path, depth: depth + 1 });
    }
  }
  return { gitDirs: [...gitDirs].sort(), notes };
}
