// Scans every blob reachable from any ref or stash entry once: https://git-scm.com/docs/git-rev-list#_object_traversal
import { statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { scanContent, textToScan } from '../scan-content.js';
import { DEFAULT_MAX_FILE_BYTES, type Finding, type ScanOptions, type ScanResult, type ScanStats } from '../types.js';
import { BATCH_FORMAT, readBatch } from './cat-file.js';
import { startIntroductions } from './introducers.js';
import { firstErrorLine, GitError, type GitLocation, gitOutput, resolveGitDir, spawnGit } from './run-git.js';
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

async function countCommits(location: GitLocation, stashes: readonly string[]): Promise<number> {
  const count = spawnGit(location, ['rev-list', '--count', '--all', '--stdin']);
  count.child.stdin.end(stashes.length > 0 ? `${stashes.join('\n')}\n` : '');
  let output = '';
  count.child.stdout.setEncoding('utf8');
  for await (const chunk of count.child.stdout) output += chunk;
  const { code } = await count.done;
  return code === 0 ? Number(output.trim()) || 0 : 0;
}

interface BlobFinding {
  blob: string;
  finding: Finding;
}

/** Splits rev-list's output into lines, notes missing objects, and passes `oid path` lines of blobs on. */
function blobLines(counts: { missing: string[] }): Transform {
  let partial = '';
  const route = (line: string): string => {
    if (line === '') return '';
    if (line.startsWith('?')) {
      counts.missing.push(line.slice(1));
      return '';
    }
    // A line without a path is a commit (rev-list prints some even when filtering to blobs).
    if (!line.includes(' ')) return '';
    return `${line}\n`;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      callback(null, lines.map(route).join(''));
    },
    flush(callback) {
      callback(null, route(partial));
    },
  });
}

/**
 * Scans the content of every blob reachable from any ref (branches, tags, remote-tracking refs, HEAD) and from every
 * stash entry, each unique blob once, streamed from `git cat-file --batch` (memory: one blob at a time, capped at
 * `maxFileBytes`). Blobs a partial clone lacks are listed by rev-list and never requested, so no fetch is attempted;
 * they become one warning. Each finding is then attributed to the earliest commit that introduced its blob at a path.
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
  const stashes = await listStashes(location);
  const commitCount = countCommits(location, stashes).catch(() => 0);
  // Which commit introduced each blob with findings: read alongside the scan rather than after it.
  const introducers = startIntroductions(location, stashes);

  const revList = spawnGit(location, [
    'rev-list',
    '--objects',
    '--all',
    '--stdin',
    '--missing=print',
    '--filter=object:type=blob',
  ]);
  revList.child.stdin.end(stashes.length > 0 ? `${stashes.join('\n')}\n` : '');
  const catFile = spawnGit(location, ['cat-file', `--batch=${BATCH_FORMAT}`, '--buffer']);
  const counts = { missing: [] as string[] };
  const feed = pipeline(revList.child.stdout, blobLines(counts), catFile.child.stdin);

  const hits: BlobFinding[] = [];
  try {
    for await (const object of readBatch(catFile.child.stdout, maxBytes)) {
      if ('missing' in object) {
        stats.skippedUnreadable++;
        warnings.add(`object ${object.missing}: missing from the repository, not scanned`);
        continue;
      }
      if (object.type !== 'blob') continue;
      const path = object.rest === '' ? object.oid : object.rest;
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
        introducers.want(object.oid);
      }
    }
  } catch (error) {
    revList.child.kill();
    catFile.child.kill();
    introducers.abort();
    throw error;
  }
  await feed.catch(() => {
    // A broken pipe here means cat-file exited early; its own exit status below says why.
  });
  const [revListExit, catFileExit] = await Promise.all([revList.done, catFile.done]);
  if (revListExit.code !== 0) {
    const reason = firstErrorLine(revListExit.stderr) ?? `exit ${revListExit.code}`;
    if (stats.blobs === 0) {
      introducers.abort();
      throw new GitError(`git rev-list in ${repoDir}: ${reason}`);
    }
    warnings.add(`the history could not be walked completely (${reason}); what was reachable was scanned`);
  }
  if (catFileExit.code !== 0) {
    warnings.add(`git cat-file stopped early (${firstErrorLine(catFileExit.stderr) ?? `exit ${catFileExit.code}`})`);
  }
  stats.commits = await commitCount;
  stats.missingObjects = counts.missing.length;
  if (counts.missing.length > 0) {
    warnings.addFirst(
      `${counts.missing.length} object(s) are missing (a partial clone, or a damaged repository): they were not scanned and nothing was fetched`,
    );
  }

  const { introductions, warning } = await introducers.finish();
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
