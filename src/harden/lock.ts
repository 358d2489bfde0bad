// One apply or rollback at a time per root: <root>/var/backups/signer-opsec/.lock holds the owner's pid and a random
// token. A lock left by a process that no longer exists (a crash, a kill -9) is taken over.

import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeFreshFile } from '../fs/atomic-write.js';

export const LOCK_NAME = '.lock';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface LockContent {
  pid?: number;
  text: string;
}

/** The lock's pid (first line) and whole text; undefined when there is no such file. */
function readLock(path: string): LockContent | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const pid = Number(text.split('\n')[0]?.trim());
  return Number.isInteger(pid) && pid > 0 ? { pid, text } : { text };
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Moves a stale lock aside before judging it: the rename is atomic, so of two processes taking over the same stale
 * lock only one gets it, and what it got is re-read. If the lock it moved turns out to be alive (another process took
 * over just before), it is put back (link, so it never overwrites a newer lock) and the caller is refused.
 */
function takeOverStale(lockPath: string, backupRoot: string): void {
  const aside = join(backupRoot, `.lock.stale.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // Someone else moved it first: try again.
    throw error;
  }
  const moved = readLock(aside);
  if (moved?.pid !== undefined && processAlive(moved.pid)) {
    try {
      linkSync(aside, lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkIfPresent(aside);
    }
    throw new Error(`${lockPath}: another signer-opsec harden (pid ${moved.pid}) is running on this root`);
  }
  unlinkIfPresent(aside);
}

/** Takes the lock in `backupRoot` or throws naming the pid that holds it. Returns the release function. */
export function acquireLock(backupRoot: string): () => void {
  const lockPath = join(backupRoot, LOCK_NAME);
  // Written whole under a temp name then hard-linked: link(2) fails with EEXIST atomically, and a reader never sees
  // a half-written lock. The token tells our lock from a later one with a reused pid.
  const content = `${process.pid}\n${randomBytes(16).toString('hex')}\n`;
  const temp = join(backupRoot, `.lock.${process.pid}.${randomBytes(4).toString('hex')}`);
  writeFreshFile(temp, content, 0o600);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(temp, lockPath);
        return () => releaseLock(lockPath, content, backupRoot);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readLock(lockPath);
      if (owner?.pid !== undefined && processAlive(owner.pid))
        throw new Error(`${lockPath}: another signer-opsec harden (pid ${owner.pid}) is running on this root`);
      if (owner) takeOverStale(lockPath, backupRoot);
    }
    throw new Error(`${lockPath}: could not take the lock`);
  } finally {
    unlinkSync(temp);
  }
}

/**
 * Removes the lock only while it is still ours (our pid and token): a lock another process took over (it judged ours
 * stale) is left to it. Moved aside first so the check and the removal see the same file.
 */
function releaseLock(lockPath: string, content: string, backupRoot: string): void {
  if (readLock(lockPath)?.text !== content) return;
  const aside = join(backupRoot, `.lock.release.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (readLock(aside)?.text !== content) {
    // Replaced between the check and the rename: put the other process's lock back.
    try {
      linkSync(aside, lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  unlinkIfPresent(aside);
}
