// SARIF 2.1.0 for the audit (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html): one rule per control of
// the catalogue, one result per control run, located at its evidence's file:line inside the target. Waivers become
// `suppressions` (status accepted), which code-scanning tools show as dismissed.
import { pathToFileURL } from 'node:url';
import { allChecks } from '../checks/index.js';
import type { Severity, Status } from '../engine/types.js';
import type { AuditReport, Formatter, ReportResult } from './types.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

// GitHub code scanning ranks by `security-severity` (0.0–10.0).
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

// SARIF's result kinds: pass/fail as such, `review` for what needs a person, `open` for what could not be decided.
const KIND: Record<Status, 'pass' | 'fail' | 'review' | 'notApplicable' | 'open'> = {
  pass: 'pass',
  fail: 'fail',
  warn: 'fail',
  manual: 'review',
  not_applicable: 'notApplicable',
  not_evaluable: 'open',
  error: 'open',
};

const TARGET_ROOT = 'TARGETROOT';

/** A path inside the target as a URI reference relative to TARGETROOT: each segment percent-encoded. */
function targetUri(file: string): string {
  return file.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/');
}

function level(result: ReportResult): 'error' | 'warning' | 'note' | 'none' {
  if (result.status === 'fail') return LEVEL[result.severity];
  if (result.status === 'warn') return result.severity === 'info' ? 'note' : 'warning';
  if (result.status === 'error') return 'error';
  return 'none';
}

function locations(result: ReportResult) {
  const seen = new Set<string>();
  const out = [];
  for (const evidence of result.evidence) {
    if (!evidence.file) continue;
    const key = `${evidence.file}:${evidence.line ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      physicalLocation: {
        artifactLocation: { uri: targetUri(evidence.file), uriBaseId: TARGET_ROOT },
        ...(evidence.line ? { region: { startLine: evidence.line } } : {}),
      },
      message: { text: evidence.detail },
    });
  }
  return out;
}

function sarifResult(result: ReportResult, ruleIndex: ReadonlyMap<string, number>) {
  const text = [result.message, ...result.evidence.filter((e) => !e.file).map((e) => e.detail)].join(' ');
  const waiver = result.waiver;
  return {
    ruleId: result.id,
    ...(ruleIndex.has(result.id) ? { ruleIndex: ruleIndex.get(result.id) } : {}),
    kind: KIND[result.status],
    level: level(result),
    message: { text },
    locations: locations(result),
    ...(waiver?.state === 'applied'
      ? {
          suppressions: [
            {
              // No `status`: the spec's name for it (`status`) and the published schema's (`state`) differ, and
              // an absent status means the suppression is in effect.
              kind: 'external',
              justification: waiver.justification,
              location: {
                physicalLocation: {
                  artifactLocation: {
                    uri: waiver.file.startsWith('/') ? pathToFileURL(waiver.file).href : encodeURI(waiver.file),
                  },
                  region: { startLine: waiver.line },
                },
              },
              properties: waiver.expires ? { expires: waiver.expires } : {},
            },
          ],
        }
      : {}),
    properties: {
      status: result.status,
      severity: result.severity,
      threats: result.threats,
      ...(result.severityReason ? { severityReason: result.severityReason } : {}),
      ...(waiver?.state === 'expired' ? { waiverExpired: waiver.expires } : {}),
    },
  };
}

export const formatAuditSarif: Formatter = (report: AuditReport) => {
  const ruleIndex = new Map(allChecks.map((check, index) => [check.id, index]));
  const rules = allChecks.map((check) => ({
    id: check.id,
    name: check.id.replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase()),
    shortDescription: { text: check.title },
    fullDescription: { text: check.description },
    help: { text: check.remediation },
    ...(check.references[0] ? { helpUri: check.references[0] } : {}),
    defaultConfiguration: { level: LEVEL[check.severity] },
    properties: {
      tags: ['security', 'opsec', check.family, ...check.threats],
      'security-severity': SECURITY_SEVERITY[check.severity],
    },
  }));
  const errors = report.results.filter((result) => result.status === 'error');
  const rootUri =
    report.target.kind === 'directory' || report.target.kind === 'live' ? report.target.source : undefined;
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'signer-opsec',
            version: report.tool.version,
            informationUri: 'https://docs.stacks.co/operate/run-a-signer',
            rules,
          },
        },
        originalUriBaseIds: {
          [TARGET_ROOT]: {
            ...(rootUri ? { uri: pathToFileURL(rootUri).href.replace(/\/*$/, '/') } : {}),
            description: { text: `The audited system's root (${report.target.source}); paths are inside it.` },
          },
        },
        results: report.results.map((result) => sarifResult(result, ruleIndex)),
        invocations: [
          {
            executionSuccessful: errors.length === 0,
            startTimeUtc: report.generatedAt,
            toolExecutionNotifications: errors.map((result) => ({
              level: 'error',
              message: { text: `${result.id}: ${result.message}` },
              descriptor: { id: result.id },
            })),
          },
        ],
        properties: { score: report.summary.score, host: report.target.host ?? null },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
};
