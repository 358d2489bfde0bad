// Scans every blob reachable from any ref or stash entry once: https://git-scm.com/docs/git-log#_raw_output_format
import { statSync } from 'node:fs';
import { scanContent, textToScan } from '../scan-content.js';
import { DEFAULT_MAX_FILE_BYTES, type Finding, type ScanOptions, type ScanResult, type ScanStats } from '../types.js';
import { nonCommitRefs, startLogWalk } from './log-walk.js';
import { GitError, type GitLocation, gitOutput, resolveGitDir } from './run-git.js';
import { type HistoryWalk, startRevListWalk } from './walk.js';
import { WarningList } from './warnings.js';

export interface GitScanOptions {
  /** When false, `repoDir` itself must be the repository (an audit never lets git look above it). Default true. */
  searchParents?: boolean;
}

/** Every stash entry, not only the newest: older ones live only in the reflog of refs/stash. */
export async function listStashes(location: GitLocation): Promise<string[]> {
  const exists = await gitOutput(location, ['rev-parse', '--verify', '--quiet', 'refs/stash'], { allowFail: true });
  if (exists.code !== 0) return [];
  const reflog = await gitOutput(location, ['reflog', 'show', '--format=%H', 'refs/stash', '--'], { allowFail: true });
  const fromReflog =
    reflog.code === 0 ? reflog.stdout.split('\n').filter((line) => /^[0-9a-f]{40,64}$/.test(line)) : [];
  return [...new Set([exists.stdout.trim(), ...fromReflog])];
}

export function checkDirectory(repoDir: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(repoDir).isDirectory();
  } catch (error) {
    throw new GitError(
      `${repoDir}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read'}`,
    );
  }
  if (!isDirectory) throw new GitError(`${repoDir}: not a directory`);
}

/**
 * A repository with more objects than this is walked with rev-list, which keeps its own compact object flags, rather
 * than one git log whose blob ids this process must remember (about 100 bytes each).
 */
export const MAX_OBJECTS_FOR_LOG_WALK = 1_000_000;

/** Objects in the repository (loose and packed, an upper bound on its blobs); undefined when git cannot say. */
async function objectCount(location: GitLocation): Promise<number | undefined> {
  const result = await gitOutput(location, ['count-objects', '-v'], { allowFail: true });
  if (result.code !== 0) return undefined;
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(result.stdout)?.[1] ?? Number.NaN);
  const total = field('count') + field('in-pack');
  return Number.isFinite(total) ? total : undefined;
}

/** A partial clone lacks objects its promisor remote has: only rev-list can list them without fetching. */
async function isPartialClone(location: GitLocation): Promise<boolean> {
  const config = await gitOutput(
    location,
    ['config', '--get-regexp', '^(extensions\\.partialclone|remote\\..*\\.promisor)$'],
    { allowFail: true },
  );
  return config.code === 0 && config.stdout.trim() !== '';
}

/**
 * The single git log walk where it is safe and bounded; rev-list for partial clones (git log would try to fetch
 * missing trees, and cat-file missing blobs) and for very large repositories.
 */
async function startWalk(location: GitLocation): Promise<HistoryWalk> {
  const [stashes, partial, objects, tagTips] = await Promise.all([
    listStashes(location),
    isPartialClone(location),
    objectCount(location),
    nonCommitRefs(location),
  ]);
  if (partial || objects === undefined || objects > MAX_OBJECTS_FOR_LOG_WALK)
    return startRevListWalk(location, stashes);
  return startLogWalk(location, stashes, tagTips);
}

interface BlobFinding {
  blob: string;
  finding: Finding;
}

/**
 * Scans the content of every blob reachable from any ref (branches, tags, remote-tracking refs, HEAD) and from every
 * stash entry, each unique blob once, streamed from `git cat-file --batch` (memory: the blobs of one pipe read, each
 * capped at `maxFileBytes`). One `git log --raw` lists the blobs and who introduced them (log-walk.ts); in a partial
 * clone rev-list lists them instead, and blobs it lacks are never requested, so no fetch is attempted: they become
 * one warning. Each finding is then attributed to the earliest commit that introduced its blob at a path.
 */
export async function scanGitHistory(
  repoDir: string,
  options: ScanOptions,
  gitOptions: GitScanOptions = {},
): Promise<ScanResult> {
  checkDirectory(repoDir);
  const location: GitLocation = { cwd: repoDir, searchParents: gitOptions.searchParents ?? true };
  await resolveGitDir(location);
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const warnings = new WarningList();
  const stats: ScanStats = {
    filesScanned: 0,
    bytesScanned: 0,
    skippedBinary: 0,
    skippedTooLarge: 0,
    skippedUnreadable: 0,
    commits: 0,
    blobs: 0,
    missingObjects: 0,
  };
  const walk = await startWalk(location);

  const hits: BlobFinding[] = [];
  try {
    for await (const group of walk.objects(maxBytes)) {
      for (const { object, path } of group) {
        if ('missing' in object) {
          stats.skippedUnreadable++;
          warnings.add(`object ${object.missing}: missing from the repository, not scanned`);
          continue;
        }
        if (object.type !== 'blob') continue;
        stats.blobs = (stats.blobs ?? 0) + 1;
        if (object.content === undefined) {
          stats.skippedTooLarge++;
          warnings.add(
            `${path} (blob ${object.oid.slice(0, 12)}): ${object.size} bytes, over the ${maxBytes}-byte cap, not scanned`,
          );
          continue;
        }
        const text = textToScan(object.content);
        if (text === undefined) {
          stats.skippedBinary++;
          continue;
        }
        stats.filesScanned++;
        stats.bytesScanned += object.size;
        for (const finding of scanContent(text, path, options)) {
          hits.push({ blob: object.oid, finding });
          walk.want(object.oid);
        }
      }
    }
  } catch (error) {
    walk.abort();
    throw error;
  }
  const end = await walk.finish();
  const [walkError] = end.walkErrors;
  if (walkError !== undefined) {
    if (stats.blobs === 0) {
      walk.abort();
      throw new GitError(`${walkError.replace(/^(git \S+)/, `$1 in ${repoDir}`)}`);
    }
    warnings.add(`the history could not be walked completely (${walkError}); what was reachable was scanned`);
  }
  if (end.catFileError !== undefined) warnings.add(`git cat-file stopped early (${end.catFileError})`);
  stats.commits = end.commits;
  stats.missingObjects = end.missing.length;
  if (end.missing.length > 0) {
    warnings.addFirst(
      `${end.missing.length} object(s) are missing (a partial clone, or a damaged repository): they were not scanned and nothing was fetched`,
    );
  }

  const { introductions, warning } = await walk.introductions();
  if (warning) warnings.add(warning);
  const findings: Finding[] = [];
  for (const { blob, finding } of hits) {
    const introduced = introductions.get(blob);
    if (!introduced || introduced.length === 0) {
      findings.push(finding);
      continue;
    }
    for (const { path, commit, author, date } of introduced)
      findings.push({ ...finding, file: path, commit, author, date });
  }
  findings.sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      (a.date ?? '').localeCompare(b.date ?? '') ||
      a.detector.localeCompare(b.detector),
  );
  return { findings, stats, warnings: warnings.lines() };
}
