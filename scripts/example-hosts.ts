// The bundled example hosts: examples/hosts/<name>/rootfs/ holds the files, modes.tsv their modes and owners
// (git keeps neither owners nor most mode bits). Read here once for both the packer and the test fixtures.
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TarWriterEntry } from '../src/target/tar-writer.js';

export interface ExampleEntry extends TarWriterEntry {
  content?: Buffer;
}

interface ModeLine {
  mode: number;
  uid: number;
  gid: number;
  /** Written as "path/": a directory, created when rootfs/ lacks it (git keeps no empty directories). */
  isDir: boolean;
}

const DEFAULTS = { dir: 0o755, file: 0o644, symlink: 0o777 };

/** The repository root: the nearest directory above this module holding package.json (works from src and dist). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (no package.json above this script)');
    dir = parent;
  }
  return dir;
}

export function exampleHostsDir(): string {
  return join(repoRoot(), 'examples', 'hosts');
}

/** Names of the example hosts (directories with a rootfs/), sorted. */
export function listExampleHosts(hostsDir = exampleHostsDir()): string[] {
  return readdirSync(hostsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(hostsDir, entry.name, 'rootfs')))
    .map((entry) => entry.name)
    .sort();
}

/** `path<TAB>mode<TAB>uid<TAB>gid` lines; blank lines and `#` comments ignored. */
export function parseModes(text: string, fileName: string): Map<string, ModeLine> {
  const modes = new Map<string, ModeLine>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [path, mode, uid, gid] = line.split('\t');
    if (!path || !mode || !uid || !gid || !/^[0-7]{3,4}$/.test(mode) || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) {
      throw new Error(`${fileName}:${index + 1}: expected "path<TAB>octal mode<TAB>uid<TAB>gid"`);
    }
    const key = path.replace(/^\/+|\/+$/g, '');
    modes.set(key, { mode: Number.parseInt(mode, 8), uid: Number(uid), gid: Number(gid), isDir: path.endsWith('/') });
  });
  return modes;
}

/** Every entry of one host, paths relative ("etc/passwd"), sorted, with modes.tsv applied and defaults elsewhere. */
export function readExampleHost(hostDir: string): ExampleEntry[] {
  const rootfs = join(hostDir, 'rootfs');
  const modesFile = join(hostDir, 'modes.tsv');
  const modes = existsSync(modesFile)
    ? parseModes(readFileSync(modesFile, 'utf8'), modesFile)
    : new Map<string, ModeLine>();
  const entries = new Map<string, ExampleEntry>();

  const walk = (relativeDir: string): void => {
    for (const name of readdirSync(join(rootfs, relativeDir)).sort()) {
      const path = relativeDir ? `${relativeDir}/${name}` : name;
      const hostPath = join(rootfs, path);
      const stats = lstatSync(hostPath);
      if (stats.isDirectory()) {
        entries.set(path, { path, type: 'dir', mode: DEFAULTS.dir, uid: 0, gid: 0 });
        walk(path);
      } else if (stats.isSymbolicLink()) {
        entries.set(path, {
          path,
          type: 'symlink',
          mode: DEFAULTS.symlink,
          uid: 0,
          gid: 0,
          linkTarget: readlinkSync(hostPath),
        });
      } else if (stats.isFile()) {
        entries.set(path, { path, type: 'file', mode: DEFAULTS.file, uid: 0, gid: 0, content: readFileSync(hostPath) });
      } else {
        throw new Error(`${hostPath}: only files, directories and symlinks may be in an example rootfs`);
      }
    }
  };
  walk('');

  for (const [path, line] of modes) {
    let entry = entries.get(path);
    if (!entry && line.isDir) {
      entry = { path, type: 'dir', mode: DEFAULTS.dir, uid: 0, gid: 0 };
      entries.set(path, entry);
      addMissingParents(entries, path);
    }
    if (!entry)
      throw new Error(`${modesFile}: "${path}" is not in rootfs/ (end it with "/" to create an empty directory)`);
    if (line.isDir && entry.type !== 'dir') throw new Error(`${modesFile}: "${path}/" is not a directory in rootfs/`);
    entry.uid = line.uid;
    entry.gid = line.gid;
    if (entry.type !== 'symlink') entry.mode = line.mode;
  }
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function addMissingParents(entries: Map<string, ExampleEntry>, path: string): void {
  const parts = path.split('/');
  for (let depth = 1; depth < parts.length; depth += 1) {
    const parent = parts.slice(0, depth).join('/');
    if (!entries.has(parent)) entries.set(parent, { path: parent, type: 'dir', mode: DEFAULTS.dir, uid: 0, gid: 0 });
  }
}
