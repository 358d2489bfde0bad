// The terminal report: what was audited, results grouped by threat (worst first), then a verdict an operator can act on.

import {
  type CheckResult,
  type Evidence,
  SEVERITIES,
  type Severity,
  STATUS_RANK,
  STATUSES,
  type Status,
  THREAT_TITLES,
  THREATS,
  type Threat,
} from '../engine/types.js';
import { appendAll } from '../parsers/lists.js';
import { type Palette, palette } from './ansi.js';
import { docsPage } from './docs-page.js';
import { printableDeep } from './printable.js';
import type { AuditReport, DiscoveredService, Formatter, ReportResult } from './types.js';
import { wrapText } from './wrap.js';

// Set from the options at the start of each (synchronous) formatText call: the terminal's width, or 80.
let WIDTH = 80;
const MIN_WIDTH = 60;
/** Column where a result's id starts; messages wrap back to it, so everything about one control lines up. */
const BODY_INDENT = 20;
const EVIDENCE_INDENT = BODY_INDENT + 2;
/** Long evidence lists (key copies across a disk) are cut here; the JSON report keeps them all. */
const MAX_EVIDENCE_SHOWN = 8;
const LABEL_WIDTH = 9;

export const STATUS_BADGES: Record<Status, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  warn: 'WARN',
  manual: 'MANUAL',
  not_applicable: 'N/A',
  not_evaluable: 'N/E',
  error: 'ERROR',
};

const STATUS_WORDS: Record<Status, string> = {
  pass: 'pass',
  fail: 'fail',
  warn: 'warn',
  manual: 'manual',
  not_applicable: 'n/a',
  not_evaluable: 'not evaluable',
  error: 'error',
};

/** Worst first, as the operator should read them. */
const STATUSES_WORST_FIRST = [...STATUSES].sort((a, b) => STATUS_RANK[b] - STATUS_RANK[a]);

function badge(status: Status, p: Palette): string {
  const text = STATUS_BADGES[status].padEnd(6);
  switch (status) {
    case 'pass':
      return p.green(text);
    case 'fail':
      return p.bold(p.red(text));
    case 'warn':
      return p.yellow(text);
    case 'manual':
      return p.cyan(text);
    case 'error':
      return p.bold(p.magenta(text));
    default:
      return p.dim(text);
  }
}

function severityLabel(severity: Severity, p: Palette): string {
  const text = severity.padEnd(8);
  if (severity === 'critical') return p.bold(p.red(text));
  if (severity === 'high') return p.red(text);
  if (severity === 'medium') return p.yellow(text);
  return p.dim(text);
}

/** Lines of `text` wrapped under a label column, e.g. `Target   /mnt/img (directory)`. */
function labelled(label: string, text: string, p: Palette): string[] {
  const pad = ' '.repeat(LABEL_WIDTH);
  return wrapText(text, WIDTH - LABEL_WIDTH).map(
    (line, i) => (i === 0 ? p.bold(label.padEnd(LABEL_WIDTH)) : pad) + line,
  );
}

function describeTarget(report: AuditReport): string {
  const { kind, source } = report.target;
  if (kind === 'live') return `${source} (live host)`;
  if (kind === 'remote') return `${source} (remote host over SSH, live)`;
  const what = kind === 'tar' ? 'tar archive' : 'directory';
  return `${source} (${what}, offline: processes, sockets and commands are not evaluated)`;
}

function describeSource(service: DiscoveredService): string {
  switch (service.source) {
    case 'unit': {
      if (!service.unit) return 'systemd unit';
      const dropIns = service.unit.dropIns.length;
      const extra = dropIns ? ` (+${dropIns} drop-in${dropIns === 1 ? '' : 's'})` : '';
      return `systemd unit ${service.unit.name}  ${service.unit.path}${extra}`;
    }
    case 'compose': {
      if (!service.container) return 'docker compose';
      const image = service.container.image ? `, image ${service.container.image}` : '';
      return `compose service "${service.container.service}" in ${service.container.file}${image}`;
    }
    case 'well-known':
      return 'config found at a well-known path';
    case 'flag':
      return 'given on the command line';
  }
}

function serviceLines(label: string, service: DiscoveredService | undefined, p: Palette): string[] {
  if (!service) return labelled(label, p.dim('not found'), p);
  const lines = labelled(label, describeSource(service), p);
  const sub = (name: string, value: string) => labelled('', `${name.padEnd(7)} ${value}`, p);
  const config = service.configPath ?? 'unknown';
  const configStatus = service.configStatus === 'ok' ? '' : `  (${service.configStatus})`;
  appendAll(lines, sub('config', config + (service.configStatus === 'ok' ? '' : p.yellow(configStatus))));
  if (service.binary) appendAll(lines, sub('binary', service.binary));
  if (service.user) appendAll(lines, sub('user', service.user));
  for (const note of service.notes) appendAll(lines, sub('note', note));
  return lines;
}

function header(report: AuditReport, p: Palette): string[] {
  const lines = [
    `${p.bold(`${report.tool.name} ${report.tool.version}`)}  ${p.dim('OpSec audit of a Stacks signer host')}`,
    '',
    ...labelled('Target', describeTarget(report), p),
    ...serviceLines('Signer', report.discovered.signer, p),
    ...serviceLines('Node', report.discovered.node, p),
  ];
  report.discovered.notes.forEach((note, i) => {
    appendAll(lines, labelled(i === 0 ? 'Notes' : '', `- ${note}`, p));
  });
  return lines;
}

function evidenceText(evidence: Evidence): string {
  if (evidence.file === undefined) return evidence.detail;
  const where = evidence.line === undefined ? evidence.file : `${evidence.file}:${evidence.line}`;
  return `${where}  ${evidence.detail}`;
}

/** `Fix: …` style block: the label, then text wrapped to hang under its own first word. */
function labelledBody(label: string, text: string, indent: number, style: (s: string) => string): string[] {
  const hang = indent + label.length + 1;
  return wrapText(text, WIDTH - hang).map(
    (line, i) => (i === 0 ? ' '.repeat(indent) + style(label) + ' ' : ' '.repeat(hang)) + line,
  );
}

function waiverLines(result: ReportResult, p: Palette): string[] {
  const waiver = result.waiver;
  if (!waiver) return [];
  const where = `${waiver.file}:${waiver.line}`;
  if (waiver.state === 'expired')
    return labelledBody(
      'Waiver expired',
      `on ${waiver.expires}: it no longer applies (${where}).`,
      BODY_INDENT,
      p.yellow,
    );
  const until = waiver.expires ? ` until ${waiver.expires}` : '';
  return labelledBody(`Waived${until}:`, `${waiver.justification} (${where})`, BODY_INDENT, p.cyan);
}

function resultLines(result: ReportResult, p: Palette): string[] {
  const head = `  ${badge(result.status, p)}  ${severityLabel(result.severity, p)}  ${p.bold(result.id)}`;
  const firstRoom = WIDTH - BODY_INDENT - result.id.length - 2;
  const indent = ' '.repeat(BODY_INDENT);
  const lines: string[] = [];
  // Short ids leave room to start the message on the same line; otherwise it starts below, at the id column.
  if (firstRoom >= 30) {
    const [first = '', ...rest] = wrapText(result.message, firstRoom, WIDTH - BODY_INDENT);
    lines.push(`${head}  ${first}`, ...rest.map((line) => indent + line));
  } else {
    lines.push(head, ...wrapText(result.message, WIDTH - BODY_INDENT).map((line) => indent + line));
  }
  appendAll(lines, waiverLines(result, p));
  // A pass names its page too: what the control checks, and why it matters, is there.
  if (result.status === 'pass') {
    appendAll(lines, labelledBody('Docs:', docsPage(result.id), BODY_INDENT, p.dim));
    return lines;
  }

  if (result.severityReason) {
    appendAll(lines, labelledBody('Severity lowered:', result.severityReason, BODY_INDENT, p.dim));
  }
  const shown = result.evidence.slice(0, MAX_EVIDENCE_SHOWN);
  for (const item of shown) {
    const [first = '', ...rest] = wrapText(evidenceText(item), WIDTH - EVIDENCE_INDENT, WIDTH - EVIDENCE_INDENT - 2);
    lines.push(
      ' '.repeat(EVIDENCE_INDENT) + p.dim(first),
      ...rest.map((l) => ' '.repeat(EVIDENCE_INDENT + 2) + p.dim(l)),
    );
  }
  const hidden = result.evidence.length - shown.length;
  if (hidden > 0) lines.push(' '.repeat(EVIDENCE_INDENT) + p.dim(`… and ${hidden} more (the JSON report lists all)`));

  if (result.status === 'fail' || result.status === 'warn') {
    appendAll(lines, labelledBody('Fix:', result.remediation, BODY_INDENT, p.cyan));
  } else if (result.status === 'manual') {
    appendAll(lines, labelledBody('Guidance:', result.remediation, BODY_INDENT, p.cyan));
  }
  appendAll(lines, labelledBody('Docs:', docsPage(result.id), BODY_INDENT, p.dim));
  return lines;
}

/** Worst status first, then highest severity; ties keep catalogue order (sort is stable). */
function compareResults(a: CheckResult, b: CheckResult): number {
  const byStatus = STATUS_RANK[b.status] - STATUS_RANK[a.status];
  if (byStatus !== 0) return byStatus;
  return SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity);
}

function statusCounts(results: readonly CheckResult[], p: Palette): string {
  const counts = new Map<Status, number>();
  for (const result of results) counts.set(result.status, (counts.get(result.status) ?? 0) + 1);
  return STATUSES_WORST_FIRST.filter((status) => counts.get(status))
    .map((status) => {
      const text = `${counts.get(status)} ${STATUS_WORDS[status]}`;
      if (status === 'fail' || status === 'error') return p.red(text);
      if (status === 'warn') return p.yellow(text);
      return text;
    })
    .join(', ');
}

/** Threat-model order; a result is never dropped, even one whose threat this version does not know. */
function groupByThreat(results: readonly CheckResult[]): Map<string, CheckResult[]> {
  const groups = new Map<string, CheckResult[]>(THREATS.map((threat) => [threat, []]));
  for (const result of results) {
    const first = result.threats[0] ?? 'unclassified';
    const group = groups.get(first);
    if (group) group.push(result);
    else groups.set(first, [result]);
  }
  return groups;
}

const QUIET_STATUSES: ReadonlySet<Status> = new Set(['fail', 'warn', 'error']);

function resultSections(report: AuditReport, p: Palette, quiet: boolean): string[] {
  const lines: string[] = [];
  const shown = quiet ? report.results.filter((result) => QUIET_STATUSES.has(result.status)) : report.results;
  for (const [threat, results] of groupByThreat(shown)) {
    if (results.length === 0) continue;
    const title = THREAT_TITLES[threat as Threat] ?? threat;
    lines.push('', `${p.bold(title)}  ${p.dim(`(${statusCounts(results, palette(false))})`)}`);
    for (const result of [...results].sort(compareResults)) appendAll(lines, resultLines(result, p));
  }
  return lines;
}

function verdict(report: AuditReport, p: Palette): string {
  const { summary } = report;
  const exit = `exit code ${summary.exitCode}`;
  if (summary.exitCode === 2) return `${p.bold(p.magenta('ERROR'))}  the audit did not complete; ${exit}`;
  if (summary.failOn === 'none') {
    return `${p.bold('DONE')}  --fail-on none: failures do not change the exit code; ${exit}`;
  }
  const atOrAbove = summary.failedBySeverity[summary.failOn];
  if (summary.exitCode === 1) {
    const controls = atOrAbove === 1 ? '1 control' : `${atOrAbove} controls`;
    return `${p.bold(p.red('FAIL'))}  ${controls} failed at or above ${summary.failOn} (--fail-on ${summary.failOn}); ${exit}`;
  }
  const below = summary.byStatus.fail - atOrAbove;
  const lower = below > 0 ? ` (${below} lower-severity failure${below === 1 ? '' : 's'} to review)` : '';
  return `${p.bold(p.green('PASS'))}  nothing at or above ${summary.failOn} failed${lower}; ${exit}`;
}

function summaryLines(report: AuditReport, p: Palette): string[] {
  const { summary } = report;
  const seconds = (summary.durationMs / 1000).toFixed(1);
  const counted = report.results.filter((result) => result.waiver?.state !== 'applied');
  const counts = summary.total === 0 ? 'no controls ran' : statusCounts(counted, p);
  const waived = summary.waived.total
    ? labelled(
        'Waived',
        `${summary.waived.total} (${statusCounts(
          report.results.filter((r) => r.waiver?.state === 'applied'),
          p,
        )}); not counted above`,
        p,
      )
    : [];
  return [
    '',
    ...labelled(
      'Summary',
      `${summary.total} ${summary.total === 1 ? 'control' : 'controls'}: ${counts}  ${p.dim(`(${seconds} s)`)}`,
      p,
    ),
    ...waived,
    ...labelled('Score', `${summary.score}/100`, p),
    ...labelled('Verdict', verdict(report, p), p),
  ];
}

/** "harden can fix 13 of the 17 failures: …", from the planners' metadata; nothing when no failure is fixable. */
function hardenLines(report: AuditReport, hardenable: readonly string[] | undefined, p: Palette): string[] {
  if (!hardenable) return [];
  const failing = report.results.filter((result) => result.status === 'fail' || result.status === 'warn');
  const fixable = failing.filter((result) => hardenable.includes(result.id)).map((result) => result.id);
  if (fixable.length === 0) return [];
  const of = `${fixable.length} of the ${failing.length} failures and warnings`;
  return labelled('Next', `${p.bold('signer-opsec harden plan')} can fix ${of}: ${fixable.join(', ')}.`, p);
}

// Everything from the target is made printable (control characters escaped) before it is laid out.
export const formatText: Formatter = (report, options) => layoutText(printableDeep(report), options);

const layoutText: Formatter = (report, options) => {
  WIDTH = Math.max(MIN_WIDTH, options.width ?? 80);
  const p = palette(options.color);
  const quiet = options.quiet === true;
  const hidden = quiet ? report.results.filter((result) => !QUIET_STATUSES.has(result.status)).length : 0;
  const quietNote =
    hidden > 0 ? ['', p.dim(`(--quiet: ${hidden} results that neither fail nor warn are not shown)`)] : [];
  return `${[
    ...header(report, p),
    ...resultSections(report, p, quiet),
    ...quietNote,
    ...summaryLines(report, p),
    ...hardenLines(report, options.hardenable, p),
  ].join('\n')}\n`;
};
