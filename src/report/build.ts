import type { Discovery, Service } from '../discovery/types.js';
import { SEVERITIES, type Severity, STATUSES, type Status, severityAtLeast } from '../engine/types.js';
import type { Target } from '../target/types.js';
import type {
  AuditReport,
  Discovered,
  DiscoveredService,
  ReportResult,
  ReportSummary,
  ReportWaivers,
} from './types.js';

/** Weight of a control in the score, by severity; info controls inform and don't score. */
const SCORE_WEIGHT: Record<Severity, number> = { critical: 10, high: 6, medium: 3, low: 1, info: 0 };

function zeroByStatus(): Record<Status, number> {
  return Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<Status, number>;
}

export function summarise(
  results: readonly ReportResult[],
  failOn: Severity | 'none',
  durationMs: number,
): ReportSummary {
  const byStatus = zeroByStatus();
  const waived = { total: 0, byStatus: zeroByStatus() };
  const failedBySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  let earned = 0;
  let possible = 0;
  let errors = 0;
  for (const result of results) {
    // A waiver accepts a finding, not a broken audit: an error still makes the verdict incomplete (exit 2).
    if (result.status === 'error') errors += 1;
    if (result.waiver?.state === 'applied') {
      waived.total += 1;
      waived.byStatus[result.status] += 1;
      continue;
    }
    byStatus[result.status] += 1;
    // Cumulative, as the report contract says: `failedBySeverity[x]` is what `--fail-on x` looks at.
    if (result.status === 'fail') {
      for (const severity of SEVERITIES) {
        if (severityAtLeast(result.severity, severity)) failedBySeverity[severity] += 1;
      }
    }
    if (result.status === 'pass' || result.status === 'warn' || result.status === 'fail') {
      const weight = SCORE_WEIGHT[result.severity];
      possible += weight;
      earned += result.status === 'pass' ? weight : result.status === 'warn' ? weight / 2 : 0;
    }
  }
  const failed = failOn !== 'none' && failedBySeverity[failOn] > 0;
  // An error means part of the audit could not be done: the verdict is incomplete, which outranks findings.
  const exitCode = errors > 0 ? 2 : failed ? 1 : 0;
  return {
    total: results.length,
    byStatus,
    failedBySeverity,
    score: possible === 0 ? 0 : Math.round((100 * earned) / possible),
    failOn,
    exitCode,
    durationMs: Math.round(durationMs),
    waived,
  };
}

function describeService(service: Service): DiscoveredService {
  const user = service.declaredUser;
  return {
    role: service.role,
    source: service.source,
    ...(service.unit
      ? { unit: { name: service.unit.name, path: service.unit.path, dropIns: service.unit.effective.files.slice(1) } }
      : {}),
    ...(service.container
      ? {
          container: {
            file: service.container.file,
            service: service.container.name,
            ...(service.container.image ? { image: service.container.image } : {}),
          },
        }
      : {}),
    ...('path' in service.config ? { configPath: service.config.path } : {}),
    configStatus: service.config.status,
    ...(service.binary ? { binary: service.binary } : {}),
    ...(user ? { user } : {}),
    notes: [...service.notes, ...(service.config.status !== 'ok' ? [service.config.reason] : [])],
  };
}

export function describeDiscovery(discovery: Discovery): Discovered {
  return {
    ...(discovery.signer ? { signer: describeService(discovery.signer) } : {}),
    ...(discovery.node ? { node: describeService(discovery.node) } : {}),
    notes: [...discovery.notes],
  };
}

const NO_WAIVERS: ReportWaivers = { file: null, entries: [] };

export function buildReport(input: {
  version: string;
  target: Target;
  /** The audited host's name, when known. */
  host?: string;
  /** When the run started. */
  startedAt?: Date;
  discovered: Discovered;
  results: ReportResult[];
  waivers?: ReportWaivers;
  failOn: Severity | 'none';
  durationMs: number;
}): AuditReport {
  return {
    schemaVersion: 2,
    tool: { name: 'signer-opsec', version: input.version },
    target: {
      kind: input.target.kind,
      source: input.target.source,
      live: input.target.live,
      ...(input.host !== undefined ? { host: input.host } : {}),
    },
    generatedAt: (input.startedAt ?? new Date()).toISOString(),
    discovered: input.discovered,
    waivers: input.waivers ?? NO_WAIVERS,
    summary: summarise(input.results, input.failOn, input.durationMs),
    results: input.results,
  };
}
