// The backup of one apply: <root>/var/backups/signer-opsec/<id>/ holding manifest.json (written ahead of every change,
// fsynced) and byte copies of the files replaced or removed. Rollback reads only this.

import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  unlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { syncDirectory, writeFileAtomic } from '../fs/atomic-write.js';
import { HardenPathError, hostPathInside, lstatOrUndefined } from './host-path.js';
import type { Change, HardenArea, ReloadCommand } from './types.js';
import type { WithheldRecord } from './withheld.js';

export const BACKUP_DIRECTORY = '/var/backups/signer-opsec';
export const MANIFEST_NAME = 'manifest.json';
const MANIFEST_FORMAT = 'signer-opsec-harden-backup';

/** What is at a path, enough to tell whether it is still what apply left (or what it found). */
export type Fingerprint =
  | { type: 'absent' }
  | {
      type: 'file';
      mode: number;
      uid: number;
      gid: number;
      /** Content hash, for changes that replace or remove the file. */
      sha256?: string;
      /** For a chmod/chown, which leaves the content alone: a database may be gigabytes, so no hash, just these. */
      size?: number;
      mtimeMs?: number;
    }
  | { type: 'dir'; mode: number; uid: number; gid: number }
  | { type: 'symlink'; linkTarget: string }
  | { type: 'other' };

/**
 * The state before a change; a file's bytes are in the backup directory under `backup`, minus the secrets listed in
 * `withheld` (see withheld.ts).
 */
export type PriorState = Fingerprint & { backup?: string; withheld?: WithheldRecord[] };

export type EntryStatus = 'pending' | 'applied' | 'failed';

export interface ManifestEntry {
  index: number;
  area: HardenArea;
  path: string;
  kind: Change['kind'];
  /** pending: recorded, the change may or may not have happened (a crash); applied: done; failed: it threw. */
  status: EntryStatus;
  prior: PriorState;
  /** What the change leaves: rollback refuses (without --force) when the path no longer matches it. */
  after: Fingerprint;
  /**
   * The temp file (in-target path) the change writes before its rename, recorded before it is created: a crash in
   * between leaves it (with the new bytes, perhaps a key), and rollback or the next apply removes it.
   */
  temp?: string;
  error?: string;
}

/**
 * reload-failed: the files are in place, a reload failed (the next apply with nothing to change runs them again);
 * rollback-reload-failed: the files are restored, a rollback reload failed (the next rollback runs them again).
 */
export type ManifestStatus =
  | 'applying'
  | 'applied'
  | 'failed'
  | 'reload-failed'
  | 'rolled-back'
  | 'rollback-reload-failed';

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  id: string;
  createdAt: string;
  root: string;
  live: boolean;
  status: ManifestStatus;
  /** `reloads`: what the apply ran (or tried) on the live host, kept so a failed reload can be run again. */
  parts: { area: HardenArea; reloads?: ReloadCommand[]; rollbackReloads: ReloadCommand[] }[];
  entries: ManifestEntry[];
  rolledBackAt?: string;
  /** An apply killed before its reloads ('applying'): when a later apply ran them, so the services read its files. */
  reloadedAt?: string;
}

/**
 * The temp path a change of backup `id` uses beside `path` (in-target): fixed by id and entry index so a crash's
 * leftover is known without listing directories. `step` tells apply's temp from rollback's.
 */
export function tempPathFor(path: string, id: string, index: number, step: 'apply' | 'rollback'): string {
  const slash = path.lastIndexOf('/');
  const suffix = step === 'apply' ? 'tmp' : 'rollback.tmp';
  return `${path.slice(0, slash)}/.${path.slice(slash + 1)}.signer-opsec-${id}-${String(index).padStart(4, '0')}.${suffix}`;
}

/**
 * Removes what a crash inside a write of this backup's apply or rollback left: each entry's recorded temp file and its
 * rollback temp, when it is a regular file or a link (never a directory, never through a symlinked directory).
 * Returns the in-target paths removed.
 */
export function removeLeftoverTemps(root: string, manifest: Manifest): string[] {
  const removed: string[] = [];
  for (const entry of manifest.entries) {
    const candidates = [entry.temp, tempPathFor(entry.path, manifest.id, entry.index, 'rollback')];
    for (const temp of candidates) {
      if (!temp) continue;
      let hostPath: string;
      try {
        hostPath = hostPathInside(root, temp);
      } catch {
        continue;
      }
      const stats = lstatOrUndefined(hostPath);
      if (!stats || stats.isDirectory()) continue;
      unlinkSync(hostPath);
      syncDirectory(dirname(hostPath));
      removed.push(temp);
    }
  }
  return removed;
}

export function newManifest(id: string, root: string, live: boolean, now: Date, parts: Manifest['parts']): Manifest {
  return {
    format: MANIFEST_FORMAT,
    version: 1,
    id,
    createdAt: now.toISOString(),
    root,
    live,
    status: 'applying',
    parts,
    entries: [],
  };
}

/** Atomic and fsynced (file and directory) before it returns: the write-ahead record of the next change. */
export function writeManifest(backupDir: string, manifest: Manifest): void {
  writeFileAtomic(join(backupDir, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
}

export function readManifest(backupDir: string): Manifest {
  const path = join(backupDir, MANIFEST_NAME);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `${path}: ${code === 'ENOENT' ? 'no manifest (not a harden backup)' : code ? `cannot be read (${code})` : 'not valid JSON'}`,
    );
  }
  const manifest = value as Partial<Manifest>;
  if (
    manifest.format !== MANIFEST_FORMAT ||
    manifest.version !== 1 ||
    !Array.isArray(manifest.entries) ||
    !Array.isArray(manifest.parts)
  )
    throw new Error(`${path}: not a signer-opsec harden manifest (version 1)`);
  return manifest as Manifest;
}

/** Creates the backup root (0700) and the directories above it, refusing symlinks on the way. */
export function ensureBackupRoot(root: string): string {
  const components = BACKUP_DIRECTORY.split('/').slice(1);
  let inTarget = '';
  for (const [index, component] of components.entries()) {
    inTarget += `/${component}`;
    const host = hostPathInside(root, inTarget);
    const stats = lstatOrUndefined(host);
    if (stats?.isSymbolicLink())
      throw new HardenPathError(inTarget, 'is a symlink; harden never writes through a symlink');
    if (stats && !stats.isDirectory()) throw new HardenPathError(inTarget, 'is not a directory');
    if (stats) continue;
    const last = index === components.length - 1;
    mkdirSync(host, { mode: 0o700 });
    // The umask must not decide: /var and /var/backups are 0755 on Debian, ours is root-only (it holds configs).
    setAttributesNoFollow(host, last ? 0o700 : 0o755, 0, 0);
    syncDirectory(join(host, '..'));
  }
  return hostPathInside(root, BACKUP_DIRECTORY);
}

/** A fresh backup directory named by the time (a suffix when two applies share a second). */
export function createBackupDirectory(backupRoot: string, stamp: string): { id: string; dir: string } {
  for (let attempt = 0; attempt < 100; attempt++) {
    const id = attempt === 0 ? stamp : `${stamp}-${attempt}`;
    const dir = join(backupRoot, id);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    setAttributesNoFollow(dir, 0o700, 0, 0);
    mkdirSync(join(dir, 'files'), { mode: 0o700 });
    setAttributesNoFollow(join(dir, 'files'), 0o700, 0, 0);
    syncDirectory(backupRoot);
    return { id, dir };
  }
  throw new Error(`${backupRoot}: no free backup name for ${stamp}`);
}

/** Backup ids, oldest first (they sort by time). */
export function listBackupIds(root: string): string[] {
  const backupRoot = hostPathInside(root, BACKUP_DIRECTORY);
  const stats = lstatOrUndefined(backupRoot);
  if (!stats?.isDirectory()) return [];
  return readdirSync(backupRoot)
    .filter((name) => /^\d{8}T\d{6}Z(-\d+)?$/.test(name))
    .sort(compareIds);
}

function compareIds(a: string, b: string): number {
  const [stampA = '', suffixA = '0'] = a.split('-');
  const [stampB = '', suffixB = '0'] = b.split('-');
  return stampA === stampB ? Number(suffixA) - Number(suffixB) : stampA < stampB ? -1 : 1;
}

/**
 * chown then chmod through a descriptor opened with O_NOFOLLOW: never acts on a symlink's target, and the chown
 * comes first because it clears setuid/setgid bits.
 */
export function setAttributesNoFollow(
  hostPath: string,
  mode: number | undefined,
  uid: number | undefined,
  gid: number | undefined,
): void {
  const fd = openSync(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (uid !== undefined || gid !== undefined) fchownSync(fd, uid ?? -1, gid ?? -1);
    if (mode !== undefined) fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The fingerprint of a host path, not following a symlink in its last component. A file's content is hashed (streamed,
 * bounded memory) only `withContent`; otherwise its size and mtime stand for it.
 */
export function fingerprintOf(hostPath: string, withContent = true): Fingerprint {
  const stats = lstatOrUndefined(hostPath);
  if (!stats) return { type: 'absent' };
  const attributes = { mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid };
  if (stats.isSymbolicLink()) return { type: 'symlink', linkTarget: readlinkSync(hostPath) };
  if (stats.isDirectory()) return { type: 'dir', ...attributes };
  if (!stats.isFile()) return { type: 'other' };
  if (!withContent) return { type: 'file', ...attributes, size: stats.size, mtimeMs: stats.mtimeMs };
  return { type: 'file', ...attributes, sha256: sha256OfFile(hostPath) };
}

const HASH_CHUNK_BYTES = 1024 * 1024;

/** SHA-256 of a file read in 1 MiB chunks (never through a symlink); the buffer is zeroed after (it held a key). */
export function sha256OfFile(hostPath: string): string {
  const fd = openSync(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(HASH_CHUNK_BYTES);
  try {
    for (
      let read = readSync(fd, buffer, 0, buffer.length, null);
      read > 0;
      read = readSync(fd, buffer, 0, buffer.length, null)
    )
      hash.update(buffer.subarray(0, read));
    return hash.digest('hex');
  } finally {
    buffer.fill(0);
    closeSync(fd);
  }
}

function contentOf(file: { sha256?: string; size?: number }): string {
  if (file.sha256 !== undefined) return ` sha256 ${file.sha256.slice(0, 12)}…`;
  return file.size === undefined ? '' : ` size ${file.size}`;
}

export function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'file': {
      const other = b as typeof a;
      // Whichever stand-in for the content both sides have: the hash, or size and mtime (a chmod/chown entry).
      const sameContent =
        a.sha256 !== undefined && other.sha256 !== undefined
          ? a.sha256 === other.sha256
          : a.size === undefined || other.size === undefined || (a.size === other.size && a.mtimeMs === other.mtimeMs);
      return a.mode === other.mode && a.uid === other.uid && a.gid === other.gid && sameContent;
    }
    case 'dir': {
      const other = b as typeof a;
      return a.mode === other.mode && a.uid === other.uid && a.gid === other.gid;
    }
    case 'symlink':
      return a.linkTarget === (b as typeof a).linkTarget;
    default:
      return true;
  }
}

/** "file 0644 root-owned (uid 0:0)": for messages; never content. */
export function describeFingerprint(fingerprint: Fingerprint): string {
  switch (fingerprint.type) {
    case 'file':
    case 'dir':
      return `${fingerprint.type} mode ${fingerprint.mode.toString(8).padStart(4, '0')} owner ${fingerprint.uid}:${fingerprint.gid}${fingerprint.type === 'file' ? contentOf(fingerprint) : ''}`;
    case 'symlink':
      return `symlink → ${fingerprint.linkTarget}`;
    default:
      return fingerprint.type;
  }
}
