// One apply or rollback at a time per root: <root>/var/backups/signer-opsec/.lock holds the owner's pid. A lock left
// by a process that no longer exists (a crash, a kill -9) is taken over.

import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

function readOwner(lockPath: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockPath, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock in `backupRoot` or throws naming the pid that holds it. Returns the release function. */
export function acquireLock(backupRoot: string): () => void {
  const lockPath = join(backupRoot, LOCK_NAME);
  // Written whole under a temp name then hard-linked: link(2) fails with EEXIST atomically, and a reader never sees
  // a half-written pid.
  const temp = join(backupRoot, `.lock.${process.pid}.${randomBytes(4).toString('hex')}`);
  writeFileSync(temp, `${process.pid}\n`, { mode: 0o600, flag: 'wx' });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(temp, lockPath);
        return () => {
          try {
            unlinkSync(lockPath);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          }
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readOwner(lockPath);
      if (owner !== undefined && processAlive(owner))
        throw new Error(`${lockPath}: another signer-opsec harden (pid ${owner}) is running on this root`);
      // Stale: its owner is gone. Remove and try again.
      try {
        unlinkSync(lockPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    throw new Error(`${lockPath}: could not take the lock`);
  } finally {
    unlinkSync(temp);
  }
}
