// Scans what `git commit` would record: the index versions of staged files. https://git-scm.com/docs/git-diff#_raw_output_format
import { compareBytes } from '../../parsers/glob.js';
import { scanContent, textToScan } from '../scan-content.js';
import { DEFAULT_MAX_FILE_BYTES, type Finding, type ScanOptions, type ScanResult, type ScanStats } from '../types.js';
import { BATCH_FORMAT, readBatch } from './cat-file.js';
import { checkDirectory, type GitScanOptions } from './history.js';
import { firstErrorLine, GitError, type GitLocation, gitOutput, resolveGitDir, spawnGit } from './run-git.js';
import { WarningList } from './warnings.js';

const SCANNED_MODES = new Set(['100644', '100755']);

/** Staged blob ids and their paths from `git diff --cached --raw -z` (added, copied, modified, type-changed files). */
export function parseStagedRaw(output: string): Map<string, string[]> {
  const pathsByBlob = new Map<string, string[]>();
  const fields = output.split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const meta = (fields[i] as string).replace(/^:/, '').split(' ');
    const path = fields[i + 1] as string;
    const [, dstMode = '', , blob = ''] = meta;
    // Symlinks (120000) hold a path and gitlinks (160000) a commit id: neither is file content.
    if (!SCANNED_MODES.has(dstMode) || !/^[0-9a-f]{40,64}$/.test(blob) || /^0+$/.test(blob)) continue;
    pathsByBlob.set(blob, [...(pathsByBlob.get(blob) ?? []), path]);
  }
  return pathsByBlob;
}

/**
 * The pre-commit scan: every staged file as the index holds it (not as the work tree does, which may differ), so a
 * key that `git add -p` staged is found even after it was removed from the file on disk.
 */
export async function scanGitStaged(
  repoDir: string,
  options: ScanOptions,
  gitOptions: GitScanOptions = {},
): Promise<ScanResult> {
  checkDirectory(repoDir);
  const location: GitLocation = {
    cwd: repoDir,
    searchParents: gitOptions.searchParents ?? true,
    inheritIndex: true,
  };
  await resolveGitDir(location);
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const stats: ScanStats = {
    filesScanned: 0,
    bytesScanned: 0,
    skippedBinary: 0,
    skippedTooLarge: 0,
    skippedUnreadable: 0,
  };
  const warnings = new WarningList();
  const diff = await gitOutput(
    location,
    ['diff', '--cached', '--raw', '--no-abbrev', '-z', '--no-renames', '--diff-filter=ACMT'],
    {
      allowFail: true,
    },
  );
  if (diff.code !== 0) {
    throw new GitError(`git diff --cached in ${repoDir}: ${firstErrorLine(diff.stderr) ?? `exit ${diff.code}`}`);
  }
  const pathsByBlob = parseStagedRaw(diff.stdout);
  const findings: Finding[] = [];
  if (pathsByBlob.size === 0) return { findings, stats, warnings: [] };

  const catFile = spawnGit(location, ['cat-file', `--batch=${BATCH_FORMAT}`, '--buffer']);
  catFile.child.stdin.end(`${[...pathsByBlob.keys()].join('\n')}\n`);
  for await (const object of readBatch(catFile.child.stdout, maxBytes)) {
    if ('missing' in object) {
      stats.skippedUnreadable++;
      warnings.add(`staged object ${object.missing}: missing, not scanned`);
      continue;
    }
    const paths = pathsByBlob.get(object.oid) ?? [];
    if (object.content === undefined) {
      stats.skippedTooLarge += paths.length;
      for (const path of paths)
        warnings.add(`${path}: ${object.size} bytes, over the ${maxBytes}-byte cap, not scanned`);
      continue;
    }
    const text = textToScan(object.content);
    if (text === undefined) {
      stats.skippedBinary += paths.length;
      continue;
    }
    for (const path of paths) {
      stats.filesScanned++;
      stats.bytesScanned += object.size;
      findings.push(...scanContent(text, path, options));
    }
  }
  const exit = await catFile.done;
  if (exit.code !== 0)
    warnings.add(`git cat-file stopped early (${firstErrorLine(exit.stderr) ?? `exit ${exit.code}`})`);
  findings.sort((a, b) => compareBytes(a.file, b.file) || a.line - b.line);
  return { findings, stats, warnings: warnings.lines() };
}
