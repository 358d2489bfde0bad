import { mkdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { backupTimestamp, replaceWithSymlink, syncDirectory, writeFileAtomic } from '../fs/atomic-write.js';
import type { Target } from '../target/types.js';
import { HardenPathError, hostPathInside, lstatOrUndefined, sharedInodeProblem } from './host-path.js';
import { acquireLock } from './lock.js';
import {
  BACKUP_DIRECTORY,
  createBackupDirectory,
  ensureBackupRoot,
  type Fingerprint,
  fingerprintOf,
  listBackupIds,
  type Manifest,
  type ManifestEntry,
  newManifest,
  type PriorState,
  readManifest,
  removeLeftoverTemps,
  setAttributesNoFollow,
  sha256Hex,
  tempPathFor,
  writeManifest,
} from './manifest.js';
import type { BuiltPlan, PlannedChange } from './plan.js';
import { reloadsOf } from './render.js';
import type { CurrentState } from './state.js';
import type { Change, ReloadCommand } from './types.js';
import { cutSecrets, type WithheldRecord, type WithheldSecret } from './withheld.js';

export interface ApplyOptions {
  /** Run the parts' reloads (live host only). */
  reload: boolean;
  now?: Date;
  /** Progress lines for the operator (never content). */
  log?: (line: string) => void;
  /** Secrets cut out of every byte copy (the signer key): see withheld.ts. */
  withhold?: readonly WithheldSecret[];
}

export interface ApplyResult {
  /** reloaded: nothing to change, and the reloads the latest apply failed to run were run again, successfully. */
  status: 'nothing' | 'reloaded' | 'applied' | 'failed' | 'reload-failed';
  /** The backup id (for `harden rollback <ID>`); undefined when nothing was written. */
  id?: string;
  applied: number;
  error?: string;
}

/**
 * Test hook only: `SIGNER_OPSEC_FAILPOINT=crash-after:N` SIGKILLs the process right after the Nth change is made;
 * `crash-before-rename:N` inside the Nth change's write, with its temp file complete and not yet renamed.
 */
function failpoint(kind: 'crash-after' | 'crash-before-rename'): number | undefined {
  const match = /^([a-z-]+):(\d+)$/.exec(process.env.SIGNER_OPSEC_FAILPOINT ?? '');
  return match?.[1] === kind ? Number(match[2]) : undefined;
}

export async function applyPlan(plan: BuiltPlan, target: Target, options: ApplyOptions): Promise<ApplyResult> {
  if (plan.pending.length === 0) return retryFailedReloads(plan, target, options);
  if (plan.blockers.length > 0) return { status: 'failed', applied: 0, error: `refused: ${plan.blockers.join('; ')}` };
  if (target.kind === 'tar')
    return { status: 'failed', applied: 0, error: 'a tar archive can be planned, not applied' };
  const root = plan.root;
  // Every path is checked before the first write, so a planted symlink stops the apply with nothing changed. A path
  // an earlier change of the plan makes or removes is checked against what that change leaves (as resolvePlan does).
  try {
    const simulated = new Map<string, PathType>();
    for (const { change } of plan.pending) {
      const after = simulated.get(change.path);
      const before = after ?? checkPathKind(change, hostPathInside(root, change.path));
      if (after !== undefined) checkKind(change, after);
      simulated.set(change.path, typeAfter(change, before));
    }
  } catch (error) {
    return { status: 'failed', applied: 0, error: `nothing written: ${(error as Error).message}` };
  }
  const log = options.log ?? (() => {});
  let backupRoot: string;
  let release: () => void;
  try {
    backupRoot = ensureBackupRoot(root);
    release = acquireLock(backupRoot);
  } catch (error) {
    return {
      status: 'failed',
      applied: 0,
      error: `nothing written: ${inTargetMessage(error, root, BACKUP_DIRECTORY)}`,
    };
  }
  // Failures outside a change (the manifest cannot be written: a full disk) name the backup path inside the target.
  const progress: { id?: string; applied: number } = { applied: 0 };
  try {
    removeLeftoversOfEarlierRuns(root, log);
    // Read before this apply's own backup becomes the newest.
    const interrupted = plan.live && options.reload ? interruptedApply(root) : undefined;
    const now = options.now ?? new Date();
    const { id, dir } = createBackupDirectory(backupRoot, backupTimestamp(now));
    progress.id = id;
    const changedParts = plan.parts.filter((part) => part.changes.length > 0);
    const manifest = newManifest(
      id,
      root,
      plan.live,
      now,
      changedParts.map((part) => ({
        area: part.area,
        reloads: part.reloads,
        rollbackReloads: part.rollbackReloads,
      })),
    );
    writeManifest(dir, manifest);
    const crashAfter = failpoint('crash-after');
    const touched = new Set<string>();
    for (const [index, pending] of plan.pending.entries()) {
      const entry = await recordAndApply(root, dir, manifest, index, pending, touched, options.withhold ?? []);
      if (entry.status === 'failed') {
        if (manifest.entries.length === 0) {
          // Nothing was recorded, so nothing to undo: a backup that only says so would be what rollback picks.
          rmSync(dir, { recursive: true, force: true });
          syncDirectory(backupRoot);
          return { status: 'failed', applied: 0, error: `nothing written: ${entry.error ?? 'failed'}` };
        }
        manifest.status = 'failed';
        writeManifest(dir, manifest);
        return { status: 'failed', id, applied: index, error: entry.error ?? 'failed' };
      }
      if (crashAfter === index + 1) process.kill(process.pid, 'SIGKILL');
      entry.status = 'applied';
      progress.applied = index + 1;
      writeManifest(dir, manifest);
      log(`${describeChange(pending.change)}`);
    }
    manifest.status = 'applied';
    writeManifest(dir, manifest);
    if (!plan.live || !options.reload) return { status: 'applied', id, applied: plan.pending.length };
    const reloads = uniqueReloads([
      ...reloadsOf(plan),
      ...(interrupted ? reloadsOfManifest(interrupted.manifest) : []),
    ]);
    const reloadError = await runReloads(target, reloads, log);
    if (!reloadError && interrupted) markReloaded(interrupted, now);
    if (reloadError) {
      manifest.status = 'reload-failed';
      writeManifest(dir, manifest);
      return { status: 'reload-failed', id, applied: plan.pending.length, error: reloadError };
    }
    return { status: 'applied', id, applied: plan.pending.length };
  } catch (error) {
    return { status: 'failed', ...progress, error: inTargetMessage(error, root, BACKUP_DIRECTORY) };
  } finally {
    release();
  }
}

/**
 * Nothing to change: when the latest apply's files are in place but a reload of it failed, its reloads run again
 * (live host, reloads allowed), so the services do pick the files up.
 */
async function retryFailedReloads(plan: BuiltPlan, target: Target, options: ApplyOptions): Promise<ApplyResult> {
  const nothing: ApplyResult = { status: 'nothing', applied: 0 };
  if (!plan.live || !options.reload || !target.live || target.kind === 'tar') return nothing;
  const id = listBackupIds(plan.root).at(-1);
  if (id === undefined) return nothing;
  const backupRoot = hostPathInside(plan.root, BACKUP_DIRECTORY);
  let release: () => void;
  try {
    release = acquireLock(backupRoot);
  } catch (error) {
    return { status: 'failed', applied: 0, error: inTargetMessage(error, plan.root, BACKUP_DIRECTORY) };
  }
  try {
    const dir = join(backupRoot, id);
    const manifest = readManifest(dir);
    const killed = isInterrupted(manifest);
    if (manifest.status !== 'reload-failed' && !killed) return nothing;
    const log = options.log ?? (() => {});
    log(
      killed
        ? `backup ${id}: its apply was stopped before its reloads; running them now`
        : `the reloads of backup ${id} failed; running them again`,
    );
    const reloadError = await runReloads(target, reloadsOfManifest(manifest), log);
    if (reloadError) return { status: 'reload-failed', id, applied: 0, error: reloadError };
    if (killed) markReloaded({ dir, manifest }, options.now ?? new Date());
    else {
      manifest.status = 'applied';
      writeManifest(dir, manifest);
    }
    return { status: 'reloaded', id, applied: 0 };
  } catch (error) {
    return { status: 'failed', id, applied: 0, error: inTargetMessage(error, plan.root, BACKUP_DIRECTORY) };
  } finally {
    release();
  }
}

/**
 * An apply killed after some of its changes ('applying', never reloaded): its files are in place but the services
 * still run the old ones, so the next apply (or one with nothing left to change) runs its reloads too.
 */
function isInterrupted(manifest: Manifest): boolean {
  return (
    manifest.status === 'applying' && manifest.live && manifest.reloadedAt === undefined && manifest.entries.length > 0
  );
}

function interruptedApply(root: string): { dir: string; manifest: Manifest } | undefined {
  const id = listBackupIds(root).at(-1);
  if (id === undefined) return undefined;
  const dir = join(hostPathInside(root, BACKUP_DIRECTORY), id);
  try {
    const manifest = readManifest(dir);
    return isInterrupted(manifest) ? { dir, manifest } : undefined;
  } catch {
    return undefined; // Not ours to judge here: rollback --list reports an unreadable manifest.
  }
}

function reloadsOfManifest(manifest: Manifest): ReloadCommand[] {
  return manifest.parts.flatMap((part) => part.reloads ?? []);
}

function markReloaded(backup: { dir: string; manifest: Manifest }, now: Date): void {
  backup.manifest.reloadedAt = now.toISOString();
  writeManifest(backup.dir, backup.manifest);
}

/** The same command once (two parts both asking for daemon-reload), first occurrence first. */
function uniqueReloads(reloads: readonly ReloadCommand[]): ReloadCommand[] {
  const seen = new Set<string>();
  return reloads.filter((reload) => {
    const key = JSON.stringify([reload.argv, reload.stdin ?? null]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Temp files an earlier apply or rollback was killed inside a write of (they may hold a key): removed first. */
function removeLeftoversOfEarlierRuns(root: string, log: (line: string) => void): void {
  for (const id of listBackupIds(root)) {
    let manifest: Manifest;
    try {
      manifest = readManifest(join(hostPathInside(root, BACKUP_DIRECTORY), id));
    } catch {
      continue; // Not ours to judge here: rollback --list reports an unreadable manifest.
    }
    for (const temp of removeLeftoverTemps(root, manifest)) log(`removed ${temp}, left by an interrupted write`);
  }
}

/** Runs reloads in order; the first failure stops them and is returned as one line. */
export async function runReloads(
  target: Target,
  reloads: readonly ReloadCommand[],
  log: (line: string) => void,
): Promise<string | undefined> {
  for (const reload of reloads) {
    const [command, ...args] = reload.argv;
    if (!command) continue;
    try {
      const result = await target.run(command, args, {
        timeoutMs: 30_000,
        ...(reload.stdin === undefined ? {} : { stdin: reload.stdin }),
      });
      if (result.code !== 0) {
        const detail = (result.stderr || result.stdout).trim().split('\n')[0] ?? '';
        return `${reload.argv.join(' ')} exited ${result.code}${detail ? `: ${detail}` : ''}`;
      }
      log(`ran ${reload.argv.join(' ')}`);
    } catch (error) {
      return `${reload.argv.join(' ')}: ${(error as Error).message.split('\n')[0]}`;
    }
  }
  return undefined;
}

export function describeChange(change: Change): string {
  switch (change.kind) {
    case 'write':
      return `wrote ${change.path}`;
    case 'attributes':
      return `set mode/owner of ${change.path}`;
    case 'mkdir':
      return `made directory ${change.path}`;
    case 'symlink':
      return `linked ${change.path} → ${change.linkTarget}`;
    case 'remove':
      return `removed ${change.path}`;
  }
}

type PathType = 'absent' | 'file' | 'dir' | 'symlink' | 'other';

/** What each kind accepts at its path (never a symlink to replace or chmod, never a directory to overwrite). */
const ACCEPTS: Record<Change['kind'], readonly PathType[]> = {
  write: ['absent', 'file'],
  attributes: ['file', 'dir'],
  mkdir: ['absent', 'dir'],
  symlink: ['absent', 'symlink', 'file'],
  remove: ['absent', 'file', 'symlink'],
};

/** Throws naming the path when `change` cannot be made over what is there (`type`). */
function checkKind(change: Change, type: PathType): void {
  if (ACCEPTS[change.kind].includes(type)) return;
  const what =
    type === 'absent'
      ? 'does not exist (nothing to chmod/chown)'
      : type === 'symlink'
        ? 'is a symlink; harden never writes through a symlink'
        : `is a ${type === 'dir' ? 'directory' : 'special file'}, not what a ${change.kind} can replace`;
  throw new HardenPathError(change.path, what);
}

/** checkKind on the host path as it is now, plus a file whose inode is not its own alone. Returns what is there. */
function checkPathKind(change: Change, hostPath: string): PathType {
  const stats = lstatOrUndefined(hostPath);
  const type: PathType = !stats
    ? 'absent'
    : stats.isSymbolicLink()
      ? 'symlink'
      : stats.isDirectory()
        ? 'dir'
        : stats.isFile()
          ? 'file'
          : 'other';
  checkKind(change, type);
  if (stats && (change.kind === 'attributes' || change.kind === 'remove')) {
    const shared = sharedInodeProblem(hostPath, stats);
    if (shared) throw new HardenPathError(change.path, shared);
  }
  return type;
}

/** What is at the path once the change is made. */
function typeAfter(change: Change, before: PathType): PathType {
  switch (change.kind) {
    case 'write':
      return 'file';
    case 'attributes':
      return before;
    case 'mkdir':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'remove':
      return 'absent';
  }
}

/** Did the path change since the plan was made (another editor, a package upgrade)? */
function matchesPlanned(current: CurrentState, now: Fingerprint): boolean {
  switch (current.type) {
    case 'absent':
      return now.type === 'absent';
    case 'file':
      return (
        now.type === 'file' &&
        now.mode === current.mode &&
        now.uid === current.uid &&
        now.gid === current.gid &&
        (current.content.length === 0 || now.sha256 === sha256Hex(current.content))
      );
    case 'dir':
      return now.type === 'dir' && now.mode === current.mode && now.uid === current.uid && now.gid === current.gid;
    case 'symlink':
      return now.type === 'symlink' && now.linkTarget === current.linkTarget;
    default:
      return now.type === 'other';
  }
}

/** What the path will hold once the change is made. */
function afterState(change: Change, prior: Fingerprint): Fingerprint {
  switch (change.kind) {
    case 'write':
      return {
        type: 'file',
        mode: change.mode,
        uid: change.uid,
        gid: change.gid,
        sha256: sha256Hex(Buffer.from(change.content, 'utf8')),
      };
    case 'attributes':
      if (prior.type !== 'file' && prior.type !== 'dir') return prior;
      return { ...prior, mode: change.mode ?? prior.mode, uid: change.uid ?? prior.uid, gid: change.gid ?? prior.gid };
    case 'mkdir':
      return { type: 'dir', mode: change.mode, uid: change.uid, gid: change.gid };
    case 'symlink':
      return { type: 'symlink', linkTarget: change.linkTarget };
    case 'remove':
      return { type: 'absent' };
  }
}

/**
 * Records the change (prior state, byte copy, expected result) in the manifest, fsynced, then makes it. Returns the
 * entry; a failure is an entry with status 'failed' and one line naming the path and why.
 */
async function recordAndApply(
  root: string,
  backupDir: string,
  manifest: Manifest,
  index: number,
  pending: PlannedChange,
  touched: Set<string>,
  withhold: readonly WithheldSecret[],
): Promise<ManifestEntry> {
  const { change } = pending;
  let entry: ManifestEntry | undefined;
  try {
    const hostPath = hostPathInside(root, change.path);
    checkPathKind(change, hostPath);
    // A chmod/chown needs no content hash (the file may be a database of gigabytes).
    const now = fingerprintOf(hostPath, change.kind !== 'attributes' && change.kind !== 'mkdir');
    // An earlier change of this apply may have touched the path; otherwise it must still be what the plan saw.
    if (!touched.has(change.path) && !matchesPlanned(pending.current, now))
      throw new HardenPathError(change.path, 'changed since the plan was made; run harden plan again');
    const prior: PriorState = { ...now };
    if (now.type === 'file' && (change.kind === 'write' || change.kind === 'remove' || change.kind === 'symlink')) {
      const copy = copyToBackup(hostPath, backupDir, index, now.sha256 ?? '', withhold);
      prior.backup = copy.name;
      if (copy.withheld.length > 0) prior.withheld = copy.withheld;
    }
    const temp =
      change.kind === 'write' || change.kind === 'symlink'
        ? tempPathFor(change.path, manifest.id, index, 'apply')
        : undefined;
    entry = {
      index,
      area: pending.area,
      path: change.path,
      kind: change.kind,
      status: 'pending',
      prior,
      after: afterState(change, now),
      ...(temp ? { temp } : {}),
    };
    manifest.entries.push(entry);
    writeManifest(backupDir, manifest);
    touched.add(change.path);
    const crash = failpoint('crash-before-rename') === index + 1;
    makeChange(change, hostPath, {
      ...(temp ? { tempPath: hostPathInside(root, temp) } : {}),
      ...(crash ? { beforeRename: () => process.kill(process.pid, 'SIGKILL') } : {}),
    });
    return entry;
  } catch (error) {
    const line = inTargetMessage(error, root, change.path);
    if (entry) {
      entry.status = 'failed';
      entry.error = line;
      return entry;
    }
    return {
      index,
      area: pending.area,
      path: change.path,
      kind: change.kind,
      status: 'failed',
      prior: { type: 'other' },
      after: { type: 'other' },
      error: line,
    };
  }
}

const ERRNO_WORDS: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'its directory does not exist',
};

/** One line naming the in-target path (not the host path under --root) and why. */
export function inTargetMessage(error: unknown, root: string, path: string): string {
  let message = ((error as Error).message ?? String(error)).split('\n')[0] ?? 'failed';
  const hostPrefix = root === '/' ? '' : root;
  if (hostPrefix) message = message.split(`${hostPrefix}/`).join('/');
  if (message.startsWith(`${path}: `)) message = message.slice(path.length + 2);
  const code = (error as NodeJS.ErrnoException).code;
  const word = code ? ERRNO_WORDS[code] : undefined;
  if (word && !message.includes(word)) message = `${message} (${word})`;
  // Already names a path below `path` (the lock, a manifest): that one says where.
  if (message.startsWith(`${path}/`)) return message;
  return `${path}: ${message}`;
}

/**
 * A byte copy (0600, root) of a file about to be replaced or removed, checked against the hash just taken, with the
 * withheld secrets cut out.
 */
function copyToBackup(
  hostPath: string,
  backupDir: string,
  index: number,
  sha256: string,
  withhold: readonly WithheldSecret[],
): { name: string; withheld: WithheldRecord[] } {
  const name = `${String(index).padStart(4, '0')}-${basename(hostPath)}`;
  const bytes = readFileSync(hostPath);
  try {
    if (sha256Hex(bytes) !== sha256) throw new Error(`${hostPath}: changed while it was being backed up`);
    const { stored, withheld } = cutSecrets(bytes, withhold);
    writeFileAtomic(join(backupDir, 'files', name), stored, { mode: 0o600, uid: 0, gid: 0, noClobber: true });
    return { name, withheld };
  } finally {
    bytes.fill(0);
  }
}

interface TempOptions {
  tempPath?: string;
  beforeRename?: () => void;
}

function makeChange(change: Change, hostPath: string, temp: TempOptions): void {
  switch (change.kind) {
    case 'write':
      // Mode and owner go on the temp file before any content, then one rename.
      writeFileAtomic(hostPath, change.content, { mode: change.mode, uid: change.uid, gid: change.gid, ...temp });
      return;
    case 'attributes':
      setAttributesNoFollow(hostPath, change.mode, change.uid, change.gid);
      return;
    case 'mkdir':
      if (!lstatOrUndefined(hostPath)) {
        mkdirSync(hostPath, { mode: 0o700 });
        syncDirectory(dirname(hostPath));
      }
      setAttributesNoFollow(hostPath, change.mode, change.uid, change.gid);
      return;
    case 'symlink':
      replaceWithSymlink(hostPath, change.linkTarget, temp);
      return;
    case 'remove':
      unlinkSync(hostPath);
      syncDirectory(dirname(hostPath));
      return;
  }
}

export { replaceWithSymlink } from '../fs/atomic-write.js';
