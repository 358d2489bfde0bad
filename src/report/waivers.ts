// What waivers do to a run: which apply on this host today, which controls they keep from running (run: false), and
// the waiver each result carries. Pure: the caller reads the file, the clock and the host name.
import type { Check } from '../engine/define-check.js';
import type { CheckResult } from '../engine/types.js';
import { hostMatches } from '../parsers/host-glob.js';
import type { Waiver } from '../parsers/waivers.js';
import type { ReportResult, ReportWaivers, WaiverEntry } from './types.js';

export interface WaiverFile {
  file: string;
  waivers: Waiver[];
}

export interface ResolvedWaivers {
  report: ReportWaivers;
  /** Applied waivers by control id. */
  applied: Map<string, Waiver>;
  expired: Map<string, Waiver>;
}

/**
 * `today` is YYYY-MM-DD (UTC): a waiver applies through its `expires` day. A `hosts` glob needs a host name to match:
 * when the audited host's name is unknown the waiver does not apply (a waiver never widens by accident).
 */
export function resolveWaivers(
  source: WaiverFile | undefined,
  selected: readonly Check[],
  host: string | undefined,
  today: string,
): ResolvedWaivers {
  const applied = new Map<string, Waiver>();
  const expired = new Map<string, Waiver>();
  const selectedIds = new Set(selected.map((check) => check.id));
  const entries: WaiverEntry[] = (source?.waivers ?? []).map((waiver) => {
    let state: WaiverEntry['state'];
    if (!selectedIds.has(waiver.id)) state = 'not-selected';
    else if (waiver.hosts !== undefined && (host === undefined || !hostMatches(waiver.hosts, host)))
      state = 'other-host';
    else if (waiver.expires !== undefined && waiver.expires < today) state = 'expired';
    else state = 'applied';
    if (state === 'applied') applied.set(waiver.id, waiver);
    if (state === 'expired') expired.set(waiver.id, waiver);
    return {
      id: waiver.id,
      justification: waiver.justification,
      ...(waiver.expires !== undefined ? { expires: waiver.expires } : {}),
      ...(waiver.hosts !== undefined ? { hosts: waiver.hosts } : {}),
      run: waiver.run,
      line: waiver.line,
      state,
    };
  });
  return { report: { file: source?.file ?? null, entries }, applied, expired };
}

/** The controls to run: those under an applied `run: false` waiver are left out (and reported by notRunResult). */
export function checksToRun(checks: readonly Check[], resolved: ResolvedWaivers): Check[] {
  return checks.filter((check) => resolved.applied.get(check.id)?.run !== false);
}

/** The result of a control kept from running by its waiver: not evaluated, and said so. */
export function notRunResult(check: Check, waiver: Waiver): CheckResult {
  return {
    id: check.id,
    title: check.title,
    family: check.family,
    threats: [...check.threats],
    severity: check.severity,
    status: 'not_evaluable',
    message: `Not run: waived with run: false (${waiver.justification}).`,
    evidence: [],
    remediation: check.remediation,
    references: [...check.references],
  };
}

/** Results in catalogue order, each carrying its waiver (applied or expired). */
export function attachWaivers(
  checks: readonly Check[],
  ranResults: readonly CheckResult[],
  resolved: ResolvedWaivers,
): ReportResult[] {
  const byId = new Map(ranResults.map((result) => [result.id, result]));
  const results: ReportResult[] = [];
  for (const check of checks) {
    const waiver = resolved.applied.get(check.id) ?? resolved.expired.get(check.id);
    const result = byId.get(check.id) ?? (waiver && waiver.run === false ? notRunResult(check, waiver) : undefined);
    if (!result) continue;
    if (!waiver || !resolved.report.file) {
      results.push(result);
      continue;
    }
    results.push({
      ...result,
      waiver: {
        state: resolved.applied.has(check.id) ? 'applied' : 'expired',
        justification: waiver.justification,
        ...(waiver.expires !== undefined ? { expires: waiver.expires } : {}),
        file: resolved.report.file,
        line: waiver.line,
      },
    });
  }
  return results;
}

/** Today in UTC, YYYY-MM-DD: the day waiver expiry dates are compared with. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
