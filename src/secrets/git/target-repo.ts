// Gives git a real directory for a repository seen through a Target: a directory or live target already has one;
// a tar target's git directory is copied out, bounded, into a private temporary directory removed afterwards.

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFreshFile } from '../../fs/atomic-write.js';
import { makeTempDirectory } from '../../fs/temp-directory.js';
import type { Target } from '../../target/types.js';
import { GitError } from './run-git.js';

/** A git directory bigger than this inside an archive is not copied out (and not scanned: the caller says so). */
export const MAX_EXTRACTED_BYTES = 512 * 1024 * 1024;

async function copyTree(target: Target, from: string, to: string, budget: { left: number }): Promise<void> {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const entry of await target.readDirEntries(from)) {
    const source = `${from}/${entry.name}`;
    const destination = join(to, entry.name);
    if (entry.type === 'dir') await copyTree(target, source, destination, budget);
    else if (entry.type === 'file') {
      const content = await target.readFile(source, { maxBytes: budget.left });
      budget.left -= content.length;
      writeFreshFile(destination, content, 0o600);
    }
    // Symlinks and special files are not copied: git does not need them, and a link could point anywhere.
  }
}

/**
 * Runs `scan` with a host path holding the target's git directory `gitDir`. On a tar target the directory is copied
 * out first (at most MAX_EXTRACTED_BYTES; over that, a GitError says so) and removed whatever happens.
 */
export async function withHostGitDir<T>(
  target: Target,
  gitDir: string,
  scan: (hostDir: string) => Promise<T>,
): Promise<T> {
  if (target.kind === 'remote') {
    // Copying a remote repository here would put its contents (and the key, if it is there) on this machine's disk.
    throw new GitError(`${gitDir}: git history on a remote host is not searched over SSH; run the audit on the host`);
  }
  if (target.kind !== 'tar') {
    const canonical = await target.realpath(gitDir);
    return scan(target.source === '/' ? canonical : join(target.source, canonical));
  }
  const temp = makeTempDirectory('git');
  try {
    const hostDir = join(temp, 'repo.git');
    try {
      await copyTree(target, gitDir, hostDir, { left: MAX_EXTRACTED_BYTES });
    } catch (error) {
      if ((error as { code?: string }).code === 'ETOOBIG') {
        throw new GitError(
          `${gitDir}: larger than ${MAX_EXTRACTED_BYTES} bytes inside the archive; not copied out to scan`,
        );
      }
      throw error;
    }
    return await scan(hostDir);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
