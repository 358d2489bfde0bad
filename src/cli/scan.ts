// `signer-opsec scan`: the secret scanner over files, a whole git history, or the staged index (pre-commit).

import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { readOptionFile } from '../fs/read-user-file.js';
import { applyBaseline, BaselineError, parseBaseline, renderBaseline } from '../secrets/baseline.js';
import { DETECTOR_IDS } from '../secrets/detectors/index.js';
import { formatScanJson } from '../secrets/format/json.js';
import type { SecretScanReport } from '../secrets/format/report.js';
import { formatScanSarif } from '../secrets/format/sarif.js';
import { formatScanText } from '../secrets/format/text.js';
import { operatorKeyFromSignerConfig } from '../secrets/operator-key.js';
import { DEFAULT_MAX_FILE_BYTES, type ScanOptions, type ScanResult } from '../secrets/types.js';
import { localTree, ScanRootError, scanTree } from '../secrets/walk.js';
import type { Parsed, SCAN_OPTIONS } from './options.js';
import { terminalProgress } from './progress.js';
import { didYouMean } from './suggest.js';
import { UsageError } from './usage-error.js';
import { toolVersion } from './version.js';
import { writeFileAtomic } from './write-output.js';

const FORMATTERS: Readonly<Record<string, (report: SecretScanReport) => string>> = {
  text: formatScanText,
  json: formatScanJson,
  sarif: formatScanSarif,
};

function parseDetectors(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  const ids = values
    .flatMap((value) => value.split(','))
    .map((id) => id.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (!DETECTOR_IDS.includes(id))
      throw new UsageError(
        `--detectors ${id}: expected one of ${DETECTOR_IDS.join(', ')}${didYouMean(id, DETECTOR_IDS)}`,
      );
  }
  return ids;
}

function parseSize(value: string | undefined): number {
  if (value === undefined) return DEFAULT_MAX_FILE_BYTES;
  const match = /^(\d+)([kKmMgG]?)$/.exec(value.trim());
  if (!match) throw new UsageError(`--max-file-size ${value}: expected a byte count such as 1048576, 512K or 10M`);
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? '').toLowerCase()] ?? 1;
  const bytes = Number(match[1]) * scale;
  // A file is scanned whole, as one string: beyond this it could not be read at all, and would be skipped in silence.
  if (bytes > MAX_SCANNABLE_BYTES)
    throw new UsageError(
      `--max-file-size ${value}: at most ${MAX_SCANNABLE_BYTES / 1024 ** 2}M is supported (each file is scanned whole, in memory)`,
    );
  return bytes;
}

/** The largest file the scanner can hold as one string, with room (V8 strings end a little under 512 MiB). */
export const MAX_SCANNABLE_BYTES = 256 * 1024 ** 2;

function readFileForOption(option: '--key-from' | '--baseline', path: string): string {
  return readOptionFile(option, path);
}

/** Skips the --key-from config itself (same device and inode), which of course holds the key. */
function skipConfigFile(configPath: string | undefined): ((path: string) => boolean) | undefined {
  if (configPath === undefined) return undefined;
  const config = statSync(configPath);
  const name = basename(configPath);
  return (path) => {
    if (basename(path) !== name) return false;
    try {
      const candidate = statSync(path);
      return candidate.ino === config.ino && candidate.dev === config.dev;
    } catch {
      return false;
    }
  };
}

async function runScan(
  paths: string[],
  mode: 'files' | 'history' | 'staged',
  options: ScanOptions & { includeGitDir: boolean; includeBinary: boolean; skip?: (path: string) => boolean },
  history: { since?: string; range?: string; quiet: boolean },
): Promise<ScanResult> {
  if (mode === 'files') {
    try {
      return await scanTree(localTree, paths, { ...options, requireRoots: true });
    } catch (error) {
      if (error instanceof ScanRootError) throw new UsageError(error.message);
      throw error;
    }
  }
  if (paths.length > 1) throw new UsageError(`--${mode} scans one repository; got ${paths.length} paths`);
  const git = await import('../secrets/git/index.js');
  const repo = paths[0] ?? '.';
  if (mode === 'staged') return git.scanGitStaged(repo, options);
  const progress = process.stderr.isTTY && !history.quiet ? terminalProgress(process.stderr) : undefined;
  try {
    return await git.scanGitHistory(repo, options, {
      ...(history.since !== undefined ? { since: history.since } : {}),
      ...(history.range !== undefined ? { range: history.range } : {}),
      ...(progress ? { onProgress: progress.update } : {}),
    });
  } finally {
    progress?.stop();
  }
}

export async function scanCommand({ values, positionals }: Parsed<typeof SCAN_OPTIONS>): Promise<number> {
  const format = values.format;
  const formatter = FORMATTERS[format];
  if (!formatter || !Object.hasOwn(FORMATTERS, format)) {
    throw new UsageError(`--format ${format}: expected one of ${Object.keys(FORMATTERS).join(', ')}`);
  }
  if (values.history && values.staged)
    throw new UsageError('--history and --staged are exclusive: run them one at a time');
  if ((values.since !== undefined || values.range !== undefined) && !values.history)
    throw new UsageError('--since and --range select commits: use them with --history');
  if (values.since !== undefined && values.range !== undefined)
    throw new UsageError('--since and --range are exclusive: a range already names where it starts');
  const mode = values.history ? 'history' : values.staged ? 'staged' : 'files';
  const paths = positionals.length > 0 ? positionals : ['.'];

  const options: ScanOptions & { includeGitDir: boolean; includeBinary: boolean; skip?: (path: string) => boolean } = {
    maxFileBytes: parseSize(values['max-file-size']),
    includeGitDir: values['include-git-dir'],
    includeBinary: values['include-binary'],
  };
  const detectors = parseDetectors(values.detectors);
  if (detectors) options.detectors = detectors;
  const keyFrom = values['key-from'];
  if (keyFrom !== undefined) {
    const result = operatorKeyFromSignerConfig(readFileForOption('--key-from', keyFrom));
    if (!result.ok) throw new UsageError(`--key-from ${keyFrom}: ${result.reason}`);
    options.keyFrom = result.key;
    const skip = skipConfigFile(keyFrom);
    if (skip) options.skip = skip;
  }
  let accepted: Set<string> | undefined;
  if (values.baseline !== undefined) {
    try {
      accepted = parseBaseline(readFileForOption('--baseline', values.baseline), values.baseline);
    } catch (error) {
      if (error instanceof BaselineError) throw new UsageError(`--baseline ${error.message}`);
      throw error;
    }
  }

  const result = await runScan(paths, mode, options, {
    ...(values.since !== undefined ? { since: values.since } : {}),
    ...(values.range !== undefined ? { range: values.range } : {}),
    quiet: values.quiet,
  });

  const writeBaseline = values['write-baseline'];
  if (writeBaseline !== undefined) {
    writeFileAtomic(writeBaseline, renderBaseline(result.findings));
    process.stderr.write(
      `signer-opsec: wrote ${new Set(result.findings.map((finding) => finding.fingerprint)).size} fingerprints to ${writeBaseline}\n`,
    );
  }
  const { findings, suppressed } = accepted
    ? applyBaseline(result.findings, accepted)
    : { findings: result.findings, suppressed: 0 };
  const output = formatter({
    findings,
    stats: { ...result.stats, suppressedByBaseline: suppressed },
    warnings: result.warnings,
    toolVersion: toolVersion(),
  });
  if (values.output !== undefined) writeFileAtomic(values.output, output);
  else process.stdout.write(output);
  if (writeBaseline !== undefined) return 0;
  if (findings.length > 0) return 1;
  // Fail closed: a history that could not be read through is no clean result.
  if (result.incomplete !== undefined) {
    process.stderr.write(`signer-opsec: the history was not scanned completely: ${result.incomplete}\n`);
    return 2;
  }
  // Nor is a tree with files that could not be read: what is in them is unknown.
  if (result.stats.skippedUnreadable > 0) {
    process.stderr.write(
      `signer-opsec: ${result.stats.skippedUnreadable} files or directories could not be read and were not scanned (see the warnings)\n`,
    );
    return 2;
  }
  return 0;
}
