// The audit as metrics for node_exporter's textfile collector (write it with --output into the collector's directory;
// the write is atomic, as the collector requires). Names follow Prometheus conventions: the signer_opsec_ prefix,
// base units (seconds, ratios), _info for metadata and _timestamp_seconds for points in time.
import { STATUSES } from '../engine/types.js';
import { formatExposition, type MetricFamily } from './prometheus-text.js';
import type { AuditReport, Formatter, ReportResult } from './types.js';

interface UnitScore {
  unit: string;
  role: 'signer' | 'node';
  score: number;
}

/** The exposure score per unit, from service/exposure-score's data and the units discovery found. */
function unitScores(report: AuditReport): UnitScore[] {
  const result = report.results.find((r) => r.id === 'service/exposure-score');
  const data = result?.data as { score?: unknown; node?: { score?: unknown } } | undefined;
  if (!data) return [];
  const scores: UnitScore[] = [];
  const signerUnit = report.discovered.signer?.unit?.name;
  if (typeof data.score === 'number' && signerUnit)
    scores.push({ unit: signerUnit, role: 'signer', score: data.score });
  const nodeUnit = report.discovered.node?.unit?.name;
  if (typeof data.node?.score === 'number' && nodeUnit)
    scores.push({ unit: nodeUnit, role: 'node', score: data.node.score });
  return scores;
}

function controlLabels(result: ReportResult): Record<string, string> {
  return {
    control: result.id,
    family: result.family,
    severity: result.severity,
    // Several threats: one label value, comma-joined, in the catalogue's order (match with =~".*key-in-scm.*").
    threat: result.threats.join(','),
    waived: result.waiver?.state === 'applied' ? 'true' : 'false',
  };
}

export function auditMetricFamilies(report: AuditReport): MetricFamily[] {
  const started = Date.parse(report.generatedAt) / 1000;
  return [
    {
      name: 'signer_opsec_info',
      help: 'The signer-opsec version and what was audited (value 1).',
      type: 'info',
      samples: [
        {
          labels: {
            version: report.tool.version,
            target: report.target.source,
            kind: report.target.kind,
            host: report.target.host ?? '',
            waivers_file: report.waivers.file ?? '',
          },
          value: 1,
        },
      ],
    },
    {
      name: 'signer_opsec_control_status',
      help: 'One series per control and status: 1 for the status the control has, 0 for the others.',
      type: 'gauge',
      samples: report.results.flatMap((result) =>
        STATUSES.map((status) => ({
          labels: { ...controlLabels(result), status },
          value: result.status === status ? 1 : 0,
        })),
      ),
    },
    {
      name: 'signer_opsec_results',
      help: 'Controls by status; waived="true" counts the results under a waiver that applied (they do not count towards --fail-on).',
      type: 'gauge',
      samples: STATUSES.flatMap((status) => [
        { labels: { status, waived: 'false' }, value: report.summary.byStatus[status] },
        { labels: { status, waived: 'true' }, value: report.summary.waived.byStatus[status] },
      ]),
    },
    {
      name: 'signer_opsec_score_ratio',
      help: 'Weighted share of evaluated automated controls that pass (warn counts half), 0-1.',
      type: 'gauge',
      samples: [{ value: report.summary.score / 100 }],
    },
    {
      name: 'signer_opsec_exit_code',
      help: 'The audit exit code: 0 nothing at or above --fail-on failed, 1 something did, 2 a control could not be evaluated.',
      type: 'gauge',
      samples: [{ labels: { fail_on: report.summary.failOn }, value: report.summary.exitCode }],
    },
    {
      name: 'signer_opsec_unit_exposure_score',
      help: "The unit's exposure score in systemd-analyze security's model (0 safest - 10 most exposed).",
      type: 'gauge',
      samples: unitScores(report).map((score) => ({
        labels: { unit: score.unit, role: score.role },
        value: score.score,
      })),
    },
    {
      name: 'signer_opsec_waiver_expiry_timestamp_seconds',
      help: 'When each waiver stops applying (the end of its expires day, UTC); state is applied or expired.',
      type: 'gauge',
      samples: report.waivers.entries
        .filter((entry) => entry.expires !== undefined && (entry.state === 'applied' || entry.state === 'expired'))
        .map((entry) => ({
          labels: { control: entry.id, state: entry.state },
          value: Date.parse(`${entry.expires}T00:00:00Z`) / 1000 + 86400,
        })),
    },
    {
      name: 'signer_opsec_waivers',
      help: 'Waivers read, by what became of them on this host.',
      type: 'gauge',
      samples: (['applied', 'expired', 'other-host', 'not-selected'] as const).map((state) => ({
        labels: { state },
        value: report.waivers.entries.filter((entry) => entry.state === state).length,
      })),
    },
    {
      name: 'signer_opsec_last_run_timestamp_seconds',
      help: 'When the last audit started (Unix time).',
      type: 'gauge',
      samples: [{ value: started }],
    },
    {
      name: 'signer_opsec_last_run_duration_seconds',
      help: 'How long the last audit took.',
      type: 'gauge',
      samples: [{ value: report.summary.durationMs / 1000 }],
    },
  ];
}

export const formatPrometheus: Formatter = (report) => formatExposition(auditMetricFamilies(report));
