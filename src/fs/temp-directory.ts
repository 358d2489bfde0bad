// Private temporary directories (validation trees, git copies) that a killed run does not leave behind for good.
//
// A directory cannot be made to vanish with its process on Linux (O_TMPFILE is for files; the tools we run need
// paths), so each name carries the creating pid, and every run first removes the ones whose process is gone: ours
// (same uid), a directory (not a link), named by a pid that is no longer alive, and older than this process.
// A reused pid only delays the cleaning to a later run; another user's directories are never touched.
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const KINDS = ['validate', 'verify', 'git'] as const;
export type TempKind = (typeof KINDS)[number];

const NAME = new RegExp(`^signer-opsec-(?:${KINDS.join('|')})-(\\d+)-[A-Za-z0-9]+$`);

let swept = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes what killed runs left in `directory` (default the temp directory). Returns the names removed. */
export function sweepStaleTempDirectories(directory = tmpdir()): string[] {
  const removed: string[] = [];
  const startedMs = Date.now() - process.uptime() * 1000;
  const uid = process.getuid?.();
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = Number(NAME.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    const path = join(directory, name);
    try {
      const stats = lstatSync(path);
      if (!stats.isDirectory() || (uid !== undefined && stats.uid !== uid) || stats.mtimeMs >= startedMs) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Gone meanwhile, or not ours to remove: nothing to clean.
    }
  }
  return removed;
}

/** A fresh 0700 directory `signer-opsec-<kind>-<pid>-XXXXXX` in the temp directory; stale ones are swept once per run. */
export function makeTempDirectory(kind: TempKind): string {
  if (!swept) {
    swept = true;
    sweepStaleTempDirectories();
  }
  return mkdtempSync(join(tmpdir(), `signer-opsec-${kind}-${process.pid}-`));
}
