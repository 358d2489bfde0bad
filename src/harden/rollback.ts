// Undoes one apply from its backup: in reverse order, each path put back to its recorded prior state (bytes, mode,
// owner; created files, links and empty directories removed). Works on a manifest an interrupted apply left.

import { lstatSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { syncDirectory, writeFileAtomic } from '../fs/atomic-write.js';
import type { Target } from '../target/types.js';
import { inTargetMessage, replaceWithSymlink, runReloads } from './apply.js';
import { hostPathInside, sharedInodeProblem } from './host-path.js';
import { acquireLock } from './lock.js';
import {
  BACKUP_DIRECTORY,
  describeFingerprint,
  type Fingerprint,
  fingerprintOf,
  listBackupIds,
  type Manifest,
  type ManifestEntry,
  readManifest,
  removeLeftoverTemps,
  sameFingerprint,
  setAttributesNoFollow,
  sha256Hex,
  tempPathFor,
  writeManifest,
} from './manifest.js';
import { fillSecrets } from './withheld.js';

export interface RollbackOptions {
  /** Restore even paths changed since the apply. */
  force: boolean;
  reload: boolean;
  now?: Date;
  log?: (line: string) => void;
}

export interface RollbackResult {
  /** nothing: no ID given and every backup is rolled back or empty (`id` is then the newest). */
  status: 'rolled-back' | 'already-rolled-back' | 'nothing' | 'refused' | 'failed' | 'reload-failed';
  id: string;
  restored: number;
  /** Paths that could not be put back entirely (a created directory that is no longer empty). */
  leftInPlace: string[];
  error?: string;
}

export interface BackupSummary {
  id: string;
  createdAt: string;
  status: Manifest['status'];
  entries: number;
  areas: string[];
}

/** Runs `step`, turning its error into one naming the in-target path (not the host path under --root). */
function inTarget<T>(root: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw Object.assign(new Error(inTargetMessage(error, root, BACKUP_DIRECTORY)), {
      code: (error as NodeJS.ErrnoException).code,
    });
  }
}

export function listBackups(root: string): BackupSummary[] {
  return listBackupIds(root).map((id) => {
    const manifest = inTarget(root, () => readManifest(join(hostPathInside(root, BACKUP_DIRECTORY), id)));
    return {
      id,
      createdAt: manifest.createdAt,
      status: manifest.status,
      entries: manifest.entries.length,
      areas: manifest.parts.map((part) => part.area),
    };
  });
}

/** The newest backup that changed something and is not rolled back: what `harden rollback` with no ID undoes. */
export function latestToRollBack(root: string): string | undefined {
  return listBackups(root)
    .reverse()
    .find((backup) => backup.status !== 'rolled-back' && backup.entries > 0)?.id;
}

/** Backups an apply left unfinished (killed, or stopped by a failure) with changes still in place to undo. */
export function unfinishedBackups(root: string): BackupSummary[] {
  return listBackups(root).filter(
    (backup) => (backup.status === 'applying' || backup.status === 'failed') && backup.entries > 0,
  );
}

export async function rollbackBackup(
  root: string,
  target: Target,
  requestedId: string | undefined,
  options: RollbackOptions,
): Promise<RollbackResult> {
  const ids = listBackupIds(root);
  if (ids.length === 0) throw new Error(`no harden backup under ${BACKUP_DIRECTORY} in ${root}`);
  const id = requestedId ?? latestToRollBack(root);
  // Every backup is rolled back (or recorded nothing): running rollback twice is not an error.
  if (id === undefined) return { status: 'nothing', id: ids.at(-1) ?? '', restored: 0, leftInPlace: [] };
  if (!ids.includes(id))
    throw new Error(`no harden backup ${id} under ${BACKUP_DIRECTORY} (harden rollback --list shows them)`);
  const backupRoot = hostPathInside(root, BACKUP_DIRECTORY);
  const dir = join(backupRoot, id);
  const release = inTarget(root, () => acquireLock(backupRoot));
  try {
    const manifest = inTarget(root, () => readManifest(dir));
    if (manifest.status === 'rolled-back') return { status: 'already-rolled-back', id, restored: 0, leftInPlace: [] };
    // A newer apply that changed the same paths is layered on this one: undoing this one first would strand it.
    const newer = newerOverlapping(root, ids, id, manifest);
    if (newer.length > 0 && !options.force) {
      return {
        status: 'refused',
        id,
        restored: 0,
        leftInPlace: [],
        error: `newer applies changed the same files and are still in place: roll back ${newer.join(', then ')} first (or use --force)`,
      };
    }
    const log = options.log ?? (() => {});
    for (const temp of inTarget(root, () => removeLeftoverTemps(root, manifest)))
      log(`removed ${temp}, left by an interrupted write`);
    // Entries a crash left 'pending' may or may not have happened: comparing with prior and after tells.
    const entries = [...manifest.entries].reverse();
    const conflicts = inTarget(root, () => findConflicts(root, entries));
    if (conflicts.length > 0 && !options.force) {
      return {
        status: 'refused',
        id,
        restored: 0,
        leftInPlace: [],
        error: `changed since the apply (use --force to restore anyway): ${conflicts.join('; ')}`,
      };
    }
    let restored = 0;
    const leftInPlace: string[] = [];
    for (const entry of entries) {
      try {
        const outcome = restoreEntry(
          root,
          dir,
          entry,
          hostPathInside(root, tempPathFor(entry.path, id, entry.index, 'rollback')),
        );
        if (outcome === 'restored') {
          restored++;
          log(`restored ${entry.path}`);
        } else if (outcome === 'left') leftInPlace.push(entry.path);
      } catch (error) {
        return { status: 'failed', id, restored, leftInPlace, error: inTargetMessage(error, root, entry.path) };
      }
    }
    // Rolled back only once the services have the old files too: a failed reload is retried by the next rollback.
    if (manifest.live && options.reload && target.live) {
      const reloads = manifest.parts.flatMap((part) => part.rollbackReloads);
      const reloadError = await runReloads(target, reloads, log);
      if (reloadError) {
        manifest.status = 'rollback-reload-failed';
        inTarget(root, () => writeManifest(dir, manifest));
        return { status: 'reload-failed', id, restored, leftInPlace, error: reloadError };
      }
    }
    manifest.status = 'rolled-back';
    manifest.rolledBackAt = (options.now ?? new Date()).toISOString();
    inTarget(root, () => writeManifest(dir, manifest));
    return { status: 'rolled-back', id, restored, leftInPlace };
  } finally {
    release();
  }
}

/** Newer backups, newest first, not rolled back, that touched a path this one touched. */
function newerOverlapping(root: string, ids: readonly string[], id: string, manifest: Manifest): string[] {
  const paths = new Set(manifest.entries.map((entry) => entry.path));
  return ids
    .slice(ids.indexOf(id) + 1)
    .reverse()
    .filter((newerId) => {
      const newer = inTarget(root, () => readManifest(join(hostPathInside(root, BACKUP_DIRECTORY), newerId)));
      return newer.status !== 'rolled-back' && newer.entries.some((entry) => paths.has(entry.path));
    });
}

/**
 * Paths that are neither as the apply left them nor as they were before, walking the entries in rollback order
 * on a simulated state (a path changed twice by one apply is checked against each step).
 */
function findConflicts(root: string, reversedEntries: readonly ManifestEntry[]): string[] {
  const simulated = new Map<string, Fingerprint>();
  const conflicts: string[] = [];
  for (const entry of reversedEntries) {
    const current = simulated.get(entry.path) ?? fingerprintOf(hostPathInside(root, entry.path), hasContentHash(entry));
    // A chmod/chown entry puts back attributes only, never bytes: a file its service wrote since (the signer writes
    // its database every few seconds) is no conflict while its mode and owner are still as the apply left them.
    const same = hasContentHash(entry) ? sameFingerprint : sameAttributes;
    const unchanged = same(current, entry.prior) || same(current, entry.after);
    if (!unchanged) conflicts.push(`${entry.path} is now ${describeFingerprint(current)}`);
    simulated.set(entry.path, entry.prior);
  }
  return conflicts;
}

/** Type, mode and owner alike; the size and mtime a chmod/chown entry records stand aside. */
function sameAttributes(a: Fingerprint, b: Fingerprint): boolean {
  if (a.type === 'file' && b.type === 'file')
    return sameFingerprint(
      { ...a, size: undefined, mtimeMs: undefined },
      { ...b, size: undefined, mtimeMs: undefined },
    );
  return sameFingerprint(a, b);
}

/** Entries that recorded a content hash compare by it; a chmod/chown entry by size and mtime. */
function hasContentHash(entry: ManifestEntry): boolean {
  return (
    (entry.prior.type === 'file' && entry.prior.sha256 !== undefined) ||
    (entry.after.type === 'file' && entry.after.sha256 !== undefined)
  );
}

function restoreEntry(
  root: string,
  backupDir: string,
  entry: ManifestEntry,
  tempPath: string,
): 'restored' | 'unchanged' | 'left' {
  const hostPath = hostPathInside(root, entry.path);
  const current = fingerprintOf(hostPath, hasContentHash(entry));
  const prior = entry.prior;
  if (sameFingerprint(current, prior)) return 'unchanged';
  switch (prior.type) {
    case 'absent':
      return removeCreated(hostPath, current);
    case 'file': {
      if (current.type === 'dir') throw new Error(`${entry.path}: is now a directory; not replaced`);
      // A chmod/chown entry recorded no hash: its content was never changed, only the attributes go back.
      const needsContent = current.type !== 'file' || (prior.sha256 !== undefined && current.sha256 !== prior.sha256);
      if (!needsContent) {
        const shared = sharedInodeProblem(hostPath, lstatSync(hostPath));
        if (shared) throw new Error(`${entry.path}: ${shared}; not restored`);
        setAttributesNoFollow(hostPath, prior.mode, prior.uid, prior.gid);
        return 'restored';
      }
      if (!prior.backup) throw new Error(`${entry.path}: the manifest has no byte copy to restore`);
      const stored = readFileSync(join(backupDir, 'files', prior.backup));
      const bytes = prior.withheld ? fillSecrets(stored, prior.withheld, (path) => readInTarget(root, path)) : stored;
      try {
        if (sha256Hex(bytes) !== prior.sha256)
          throw new Error(`${entry.path}: its backup ${prior.backup} does not match the recorded sha256; not restored`);
        writeFileAtomic(hostPath, bytes, { mode: prior.mode, uid: prior.uid, gid: prior.gid, tempPath });
      } finally {
        bytes.fill(0);
        stored.fill(0);
      }
      return 'restored';
    }
    case 'dir':
      if (current.type !== 'dir') throw new Error(`${entry.path}: is no longer a directory; not restored`);
      setAttributesNoFollow(hostPath, prior.mode, prior.uid, prior.gid);
      return 'restored';
    case 'symlink':
      if (current.type === 'dir') throw new Error(`${entry.path}: is now a directory; not replaced`);
      replaceWithSymlink(hostPath, prior.linkTarget, { tempPath });
      return 'restored';
    default:
      throw new Error(`${entry.path}: its prior state was not recorded; not restored`);
  }
}

/** A file's text inside the target, or undefined when it cannot be read (a source of a withheld secret). */
function readInTarget(root: string, path: string): string | undefined {
  try {
    return readFileSync(hostPathInside(root, path), 'utf8');
  } catch {
    return undefined;
  }
}

/** Undo of a creation: a file or link removed, a directory only when empty (something else may live there now). */
function removeCreated(hostPath: string, current: Fingerprint): 'restored' | 'left' {
  if (current.type === 'dir') {
    if (readdirSync(hostPath).length > 0) return 'left';
    rmdirSync(hostPath);
  } else {
    unlinkSync(hostPath);
  }
  syncDirectory(dirname(hostPath));
  return 'restored';
}
