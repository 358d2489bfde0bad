// Reading the waivers file for `audit`. Waivers are the auditing team's policy, so they are read on the auditing
// machine, never from the target: a host under audit (perhaps compromised) must not be able to waive its own findings.
import { existsSync } from 'node:fs';
import type { Check } from '../engine/define-check.js';
import { readUserFileBytes, USER_FILE_LIMITS } from '../fs/read-user-file.js';
import type { WaiverFile } from '../report/waivers.js';
import { UsageError } from './usage-error.js';

export const DEFAULT_WAIVERS_FILE = '/etc/signer-opsec/waivers.yml';

/**
 * `--waivers FILE` must exist; the default is read only when it exists. A file others (or its group) may write is
 * refused: whoever can write it can hide any finding.
 */
export async function loadWaivers(
  flags: { waivers?: string; 'no-waivers'?: boolean },
  catalogue: readonly Check[],
): Promise<WaiverFile | undefined> {
  if (flags['no-waivers']) {
    if (flags.waivers !== undefined) throw new UsageError('--waivers and --no-waivers contradict each other');
    return undefined;
  }
  const file = flags.waivers ?? DEFAULT_WAIVERS_FILE;
  if (flags.waivers === undefined && !existsSync(file)) return undefined;
  const bytes = readUserFileBytes(file, {
    label: `--waivers ${file}`,
    maxBytes: USER_FILE_LIMITS['--waivers'],
    check: (stats) =>
      stats.mode & 0o022
        ? `writable by group or others (mode ${(stats.mode & 0o777).toString(8)}); whoever can write it can waive any finding: chmod go-w`
        : undefined,
  });
  const text = bytes.toString('utf8');
  // The YAML parser is loaded only when there is a file to read: most audits have none.
  const { parseWaivers, WaiverFileError } = await import('../parsers/waivers.js');
  try {
    return { file, waivers: parseWaivers(text, new Set(catalogue.map((check) => check.id))) };
  } catch (error) {
    if (error instanceof WaiverFileError) throw new UsageError(`${file}:${error.line}: ${error.message}`);
    throw error;
  }
}
