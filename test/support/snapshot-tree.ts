// Every path of a tree with its type, mode, owner and content hash (or link text): two snapshots are deepEqual
// exactly when the trees are byte-identical in contents, modes, owners and symlinks.
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';

export interface SnapshotEntry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: string;
  uid: number;
  gid: number;
  sha256?: string;
  linkTarget?: string;
}

/**
 * `root`'s tree keyed by in-tree path ("/etc/passwd"); the root itself is "/". `exclude` lists in-tree paths left
 * out with everything below them (e.g. the harden backup directory, which rollback keeps on purpose).
 */
export function snapshotTree(
  root: string,
  options: { exclude?: readonly string[] } = {},
): Record<string, SnapshotEntry> {
  const exclude = new Set(options.exclude ?? []);
  const result: Record<string, SnapshotEntry> = {};
  const walk = (inTree: string): void => {
    if (exclude.has(inTree)) return;
    const host = inTree === '/' ? root : join(root, inTree);
    const stats = lstatSync(host);
    const base = { mode: (stats.mode & 0o7777).toString(8).padStart(4, '0'), uid: stats.uid, gid: stats.gid };
    if (stats.isSymbolicLink()) {
      result[inTree] = { type: 'symlink', ...base, linkTarget: readlinkSync(host) };
    } else if (stats.isDirectory()) {
      result[inTree] = { type: 'dir', ...base };
      for (const name of readdirSync(host).sort()) walk(inTree === '/' ? `/${name}` : `${inTree}/${name}`);
    } else if (stats.isFile()) {
      result[inTree] = { type: 'file', ...base, sha256: hashFile(host) };
    } else {
      result[inTree] = { type: 'other', ...base };
    }
  };
  walk('/');
  return result;
}

/** Read in chunks: a tree may hold a database larger than one Buffer. */
function hashFile(host: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(4 * 1024 * 1024);
  const fd = openSync(host, 'r');
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
