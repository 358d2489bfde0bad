// Maps a path inside the target to the host path under the root, refusing any symlink on the way: apply and rollback
// write as root, and a symlinked component (planted or accidental) would send a write outside the root.

import { lstatSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';

export class HardenPathError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'HardenPathError';
  }
}

export function lstatOrUndefined(hostPath: string): Stats | undefined {
  try {
    return lstatSync(hostPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The host path of `path` (absolute, inside the target) under `root`. Every directory component is lstat'ed: a
 * symlink or a non-directory is an error naming it. A missing component is allowed (an earlier mkdir of the same
 * plan may create it; the operation itself then fails naming the path). The last component is not checked here:
 * each operation decides what it accepts there.
 */
export function hostPathInside(root: string, path: string): string {
  if (!path.startsWith('/')) throw new HardenPathError(path, 'not an absolute path inside the target');
  const components = path.split('/').slice(1);
  if (components.some((component) => component === '' || component === '.' || component === '..'))
    throw new HardenPathError(path, 'not a normalised path (empty, "." or ".." component)');
  let host = root;
  for (const component of components.slice(0, -1)) {
    host = join(host, component);
    const stats = lstatOrUndefined(host);
    if (!stats) break;
    const inTarget = host.slice(root === '/' ? 0 : root.length) || '/';
    if (stats.isSymbolicLink())
      throw new HardenPathError(path, `${inTarget} is a symlink; harden never writes through a symlink`);
    if (!stats.isDirectory()) throw new HardenPathError(path, `${inTarget} is not a directory`);
  }
  return join(root, components.join('/'));
}

/**
 * Why a chmod, chown or unlink of this regular file would act beyond the path harden planned: another name shares its
 * inode (a hard link, perhaps outside the root, so its mode and owner would change there too), or the file is a mount
 * point (bind-mounted in from elsewhere: its device differs from its directory's). Undefined when the file is its own.
 * A directory on another filesystem (a separate /var) is normal and not refused.
 */
export function sharedInodeProblem(hostPath: string, stats: Stats): string | undefined {
  if (!stats.isFile()) return undefined;
  if (stats.nlink > 1)
    return `has ${stats.nlink} hard links: its inode is shared with another name (perhaps outside the target), so harden will not change it`;
  if (lstatSync(dirname(hostPath)).dev !== stats.dev)
    return 'is a mount point (a file mounted in from elsewhere), so harden will not change it';
  return undefined;
}
