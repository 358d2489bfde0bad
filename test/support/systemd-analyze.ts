// The oracle for the exposure model: `systemd-analyze security --offline=true` of the host's systemd, with
// SYSTEMD_ANALYZE_DEBUG=1 so that each row also shows its weight, badness and range.
import { spawnSync } from 'node:child_process';

export interface OracleRow {
  id: string;
  description: string;
  weight: number;
  /** undefined when systemd printed UINT64_MAX (the row does not apply). */
  badness: number | undefined;
  range: number;
}

export interface OracleUnit {
  score: number;
  label: string;
  rows: Map<string, OracleRow>;
}

const ROW = /^(.) (\S+)\s+(?:(\S.*?)\s+)?(\d+)\s+(\d+)\s+(\d+)(?:\s+(\d+\.\d))?\s*$/;
const OVERALL = /^→ Overall exposure level for (\S+): (\d+\.\d) (\w+)/;

/**
 * Runs the oracle on several units of one root in one call (it accepts many names) and parses every table. A unit
 * systemd refuses to load gets no entry (the call then exits non-zero, but still rates the others). A missing
 * systemd-analyze throws: the oracle tests must fail, never skip.
 */
export function analyzeSecurity(root: string, units: readonly string[]): Map<string, OracleUnit> {
  const run = spawnSync('systemd-analyze', ['security', '--offline=true', `--root=${root}`, '--no-pager', ...units], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SYSTEMD_ANALYZE_DEBUG: '1', SYSTEMD_COLORS: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw run.error;
  const output = run.stdout.replace(/\x1b\[[0-9;]*m/g, '');
  const results = new Map<string, OracleUnit>();
  let rows = new Map<string, OracleRow>();
  for (const line of output.split('\n')) {
    const overall = OVERALL.exec(line);
    if (overall) {
      results.set(overall[1]!, { score: Number(overall[2]), label: overall[3]!, rows });
      rows = new Map();
      continue;
    }
    const row = ROW.exec(line);
    if (!row) continue;
    const badness = row[5]!;
    rows.set(row[2]!, {
      id: row[2]!,
      description: row[3] ?? '',
      weight: Number(row[4]),
      badness: badness.length > 6 ? undefined : Number(badness),
      range: Number(row[6]),
    });
  }
  return results;
}
