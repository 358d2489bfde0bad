// Builds real file trees for tests: modes and numeric owners included (tests run as root), so a target sees
// exactly what it would on a real system.
import { chmodSync, chownSync, lchownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { exampleHostsDir, readExampleHost } from '../../scripts/example-hosts.js';

export interface FileOptions {
  content?: string | Buffer;
  /** Permission bits (setuid/setgid/sticky allowed). Default 0644 for files, 0755 for directories. */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Makes a symlink pointing here (kept verbatim: absolute, relative, dangling or looping). */
  symlink?: string;
  /** Makes a directory (also implied by any path below it). */
  dir?: boolean;
}

/** In-tree path ("etc/passwd" or "/etc/passwd") → file contents, or the details of a file, directory or symlink. */
export type FileSpec = Record<string, string | Buffer | FileOptions>;

export interface MaterialisedTree {
  /** Host directory holding the tree's root. */
  root: string;
  /** Removes the tree; safe to call twice. */
  cleanup(): void;
}

export interface PlannedEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  content?: string | Buffer;
  linkTarget?: string;
}

/**
 * Writes `spec` into a fresh temp directory: parents are created (0755 root), contents written first, then owners
 * and modes applied (chown before chmod, which would otherwise clear setuid bits), deepest paths first.
 */
export async function materialiseFiles(spec: FileSpec): Promise<MaterialisedTree> {
  const entries = Object.entries(spec).map(([path, value]) => planEntry(path, value));
  const root = makeRoot();
  try {
    writeEntries(root, entries);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * A private copy of examples/hosts/<name> with the owners and modes of its modes.tsv applied.
 * The caller removes it: `rmSync(root, { recursive: true, force: true })`.
 */
export async function materialiseExample(name: string): Promise<string> {
  const entries = readExampleHost(join(exampleHostsDir(), name));
  const root = makeRoot();
  try {
    writeEntries(root, entries);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return root;
}

function makeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'so-'));
  // mkdtemp makes 0700; a system root is 0755, and tests running as another uid must be able to enter it.
  chmodSync(root, 0o755);
  return root;
}

export function planEntry(rawPath: string, value: string | Buffer | FileOptions): PlannedEntry {
  const path = rawPath.replace(/^\/+|\/+$/g, '');
  if (path === '' || path.split('/').some((part) => part === '..' || part === '.')) {
    throw new Error(`materialiseFiles: "${rawPath}" must be a path inside the tree without "." or ".." parts`);
  }
  if (typeof value === 'string' || Buffer.isBuffer(value))
    return { path, type: 'file', mode: 0o644, uid: 0, gid: 0, content: value };
  const kinds = [value.symlink !== undefined, value.dir === true, value.content !== undefined].filter(Boolean).length;
  if (kinds > 1) throw new Error(`materialiseFiles: "${rawPath}" must be one of content, symlink or dir`);
  const uid = value.uid ?? 0;
  const gid = value.gid ?? 0;
  if (value.symlink !== undefined) return { path, type: 'symlink', mode: 0o777, uid, gid, linkTarget: value.symlink };
  if (value.dir) return { path, type: 'dir', mode: value.mode ?? 0o755, uid, gid };
  return { path, type: 'file', mode: value.mode ?? 0o644, uid, gid, content: value.content ?? '' };
}

function writeEntries(root: string, entries: readonly PlannedEntry[]): void {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const entry of sorted) {
    const hostPath = join(root, entry.path);
    mkdirSync(dirname(hostPath), { recursive: true, mode: 0o755 });
    if (entry.type === 'dir') mkdirSync(hostPath, { recursive: true });
    else if (entry.type === 'symlink') symlinkSync(entry.linkTarget ?? '', hostPath);
    else writeFileSync(hostPath, entry.content ?? '');
  }
  const listed = new Set(sorted.map((entry) => entry.path));
  const impliedParents = new Set<string>();
  for (const entry of sorted) {
    const parts = entry.path.split('/');
    for (let depth = 1; depth < parts.length; depth += 1) {
      const parent = parts.slice(0, depth).join('/');
      if (!listed.has(parent)) impliedParents.add(parent);
    }
  }
  // The umask must not decide the modes of implied parents.
  for (const parent of impliedParents) chmodSync(join(root, parent), 0o755);
  // Deepest first, so a restrictive directory mode is set only after everything below it is done.
  for (const entry of [...sorted].reverse()) {
    const hostPath = join(root, entry.path);
    if (entry.type === 'symlink') {
      lchownSync(hostPath, entry.uid, entry.gid);
      continue;
    }
    chownSync(hostPath, entry.uid, entry.gid);
    chmodSync(hostPath, entry.mode);
  }
}
