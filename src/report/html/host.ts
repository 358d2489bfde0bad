// The host-level part of the HTML report: summary, exposure-score chart, filters and results grouped by threat.
// A fleet page renders one of these per host (fleet.ts); everything in it is scoped to its own <section>.
import { SEVERITIES, STATUSES, type Status, THREAT_TITLES, THREATS, type Threat } from '../../engine/types.js';
import { maxOf } from '../../parsers/lists.js';
import type { AuditReport, ReportResult } from '../types.js';
import { escapeXml as esc } from '../xml.js';

const STATUS_LABEL: Record<Status | 'waived', string> = {
  pass: 'pass',
  fail: 'fail',
  warn: 'warn',
  manual: 'manual',
  not_applicable: 'n/a',
  not_evaluable: 'not evaluable',
  error: 'error',
  waived: 'waived',
};

export function statusBadge(status: Status | 'waived'): string {
  return `<span class="badge s-${status.replace('_', '-')}">${STATUS_LABEL[status]}</span>`;
}

function verdict(report: AuditReport): { text: string; tone: string } {
  const { exitCode, failOn } = report.summary;
  if (exitCode === 2) return { text: 'Incomplete', tone: 'error' };
  if (exitCode === 1) return { text: `Fails (--fail-on ${failOn})`, tone: 'fail' };
  return { text: failOn === 'none' ? 'Reported' : `Passes (--fail-on ${failOn})`, tone: 'pass' };
}

function summary(report: AuditReport): string {
  const { summary: s } = report;
  const v = verdict(report);
  const counts = STATUSES.filter((status) => s.byStatus[status] > 0)
    .map((status) => `${statusBadge(status)} ${s.byStatus[status]}`)
    .join(' ');
  const failed = SEVERITIES.map((severity, index) => {
    const above = index === 0 ? 0 : s.failedBySeverity[SEVERITIES[index - 1]!];
    return `<td>${s.failedBySeverity[severity] - above}</td>`;
  }).join('');
  return `<div class="cards">
<div class="card verdict-${v.tone}"><span>Verdict</span> <b>${esc(v.text)}</b></div>
<div class="card"><span>Score</span> <b>${s.score}<small>/100</small></b></div>
<div class="card"><span>Controls</span> <b>${s.total}</b></div>
<div class="card"><span>Waived</span> <b>${s.waived.total}</b></div>
</div>
<div class="counts" aria-label="results by status">${counts}${s.waived.total ? ` ${statusBadge('waived')} ${s.waived.total}` : ''}</div>
<table class="by-severity"><thead><tr><th>failed by severity</th>${SEVERITIES.map((x) => `<th>${x}</th>`).join('')}</tr></thead>
<tbody><tr><td>controls</td>${failed}</tr></tbody></table>`;
}

interface Contributor {
  id: string;
  exposure: number;
  directive?: string;
}

const CHART_BARS = 15;

function exposureChart(report: AuditReport): string {
  const result = report.results.find((r) => r.id === 'service/exposure-score');
  const data = result?.data as { score?: number; label?: string; contributors?: Contributor[] } | undefined;
  if (!data || typeof data.score !== 'number' || !Array.isArray(data.contributors)) return '';
  const contributors = data.contributors.filter((c) => typeof c.exposure === 'number' && c.exposure > 0);
  const shown = contributors.slice(0, CHART_BARS);
  const rest = contributors.slice(CHART_BARS);
  const max = Math.max(maxOf(shown.map((c) => c.exposure)), 0.1);
  const bars = shown
    .map((c) => {
      const width = ((100 * c.exposure) / max).toFixed(1);
      const title = c.directive ? ` title="${esc(c.directive)}"` : '';
      return `<div class="bar"><span class="label"${title}>${esc(c.id)}</span><svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect width="${width}" height="10"/></svg><span class="value">${c.exposure.toFixed(2)}</span></div>`;
    })
    .join('\n');
  const restText = rest.length
    ? `<p class="meta">${rest.length} smaller contributors not drawn (all are listed under the control below).</p>`
    : '';
  const unit = report.discovered.signer?.unit?.name ?? 'the signer unit';
  return `<section class="exposure"><h2>Exposure score: ${esc(unit)} ${data.score.toFixed(1)} ${esc(data.label ?? '')}</h2>
<p class="meta">Largest contributors to systemd's exposure score (below 2.0 passes).</p>
<div class="chart" role="img" aria-label="exposure score contributors">
${bars}
</div>${restText}</section>`;
}

function filters(report: AuditReport): string {
  const families = [...new Set(report.results.map((r) => r.family))];
  const statuses: (Status | 'waived')[] = [...STATUSES.filter((s) => report.results.some((r) => r.status === s))];
  if (report.results.some((r) => r.waiver?.state === 'applied')) statuses.push('waived');
  const box = (name: string, value: string, label: string) =>
    `<label><input type="checkbox" name="${name}" value="${esc(value)}" checked> ${label}</label>`;
  return `<form class="filters" hidden aria-label="filter results">
<fieldset><legend>Status</legend>${statuses.map((s) => box('status', s, statusBadge(s))).join('')}</fieldset>
<fieldset><legend>Severity</legend>${SEVERITIES.map((s) => box('severity', s, s)).join('')}</fieldset>
<fieldset><legend>Family</legend>${families.map((f) => box('family', f, esc(f))).join('')}</fieldset>
<span class="shown" aria-live="polite"></span>
</form>`;
}

const EVIDENCE_SHOWN = 12;

function evidenceList(result: ReportResult): string {
  const item = (e: ReportResult['evidence'][number]) => {
    const where = e.file ? `<span class="loc">${esc(e.file)}${e.line ? `:${e.line}` : ''}</span> ` : '';
    return `<li>${where}${esc(e.detail)}</li>`;
  };
  if (result.evidence.length === 0) return '';
  const first = result.evidence.slice(0, EVIDENCE_SHOWN).map(item).join('');
  const more = result.evidence.slice(EVIDENCE_SHOWN);
  const rest = more.length
    ? `<details><summary>${more.length} more</summary><ul class="evidence">${more.map(item).join('')}</ul></details>`
    : '';
  return `<ul class="evidence">${first}</ul>${rest}`;
}

function waiverNote(result: ReportResult): string {
  const w = result.waiver;
  if (!w) return '';
  const where = `<span class="loc">${esc(w.file)}:${w.line}</span>`;
  if (w.state === 'expired')
    return `<p class="waiver">Waiver expired on ${esc(w.expires ?? '')}: it no longer applies (${where}). It said: ${esc(w.justification)}</p>`;
  return `<p class="waiver">Waived${w.expires ? ` until ${esc(w.expires)}` : ''}: ${esc(w.justification)} (${where})</p>`;
}

function resultCard(result: ReportResult): string {
  const waived = result.waiver?.state === 'applied';
  const others = result.threats.slice(1);
  const refs = result.references.map((r) => `<a href="${esc(r)}" rel="noreferrer">${esc(r)}</a>`).join(' · ');
  return `<article class="result st-${result.status.replace('_', '-')}${waived ? ' is-waived' : ''}" data-status="${result.status}" data-severity="${result.severity}" data-family="${esc(result.family)}" data-waived="${waived}" data-id="${esc(result.id)}">
<header>${statusBadge(result.status)}${waived ? statusBadge('waived') : ''}<span class="badge sev">${result.severity}</span><h3>${esc(result.title)}</h3><span class="id">${esc(result.id)}</span></header>
${waiverNote(result)}<p>${esc(result.message)}</p>${result.severityReason ? `<p class="meta">Severity lowered: ${esc(result.severityReason)}</p>` : ''}
${evidenceList(result)}
${result.status === 'pass' || result.status === 'not_applicable' ? '' : `<p class="fix"><b>Fix:</b> ${esc(result.remediation)}</p>`}
${refs ? `<p class="refs">${refs}</p>` : ''}${others.length ? `<p class="meta">Also counters: ${others.map((t) => esc(t)).join(', ')}</p>` : ''}
</article>`;
}

function groups(report: AuditReport): string {
  const byThreat = new Map<Threat, ReportResult[]>(THREATS.map((t) => [t, []]));
  for (const result of report.results) byThreat.get(result.threats[0] ?? 'host-compromise')?.push(result);
  return [...byThreat]
    .filter(([, results]) => results.length > 0)
    .map(
      ([threat, results]) =>
        `<section class="group" data-threat="${threat}"><h2>${esc(THREAT_TITLES[threat])} <small>(${results.length})</small></h2>\n${results.map(resultCard).join('\n')}</section>`,
    )
    .join('\n');
}

function discoveredLine(report: AuditReport): string {
  const parts = (['signer', 'node'] as const).flatMap((role) => {
    const service = report.discovered[role];
    if (!service) return [];
    const from = service.unit?.name ?? service.container?.service ?? service.source;
    return [`${role}: ${esc(from)}${service.configPath ? ` (${esc(service.configPath)})` : ''}`];
  });
  return parts.length ? parts.join(' · ') : 'no signer or node discovered';
}

/** The whole host report as a <section>, for a single-host page or one host of a fleet page. */
export function renderHostReport(report: AuditReport): string {
  const host = report.target.host ?? report.target.source;
  const waivers = report.waivers.file
    ? ` · waivers: <span class="loc">${esc(report.waivers.file)}</span> (${report.waivers.entries.filter((e) => e.state === 'applied').length} applied, ${report.waivers.entries.filter((e) => e.state === 'expired').length} expired)`
    : '';
  return `<section class="host-report" data-host="${esc(host)}">
<h1>signer-opsec audit: ${esc(host)}</h1>
<p class="meta">${esc(report.target.kind)} target <span class="loc">${esc(report.target.source)}</span> · ${esc(report.generatedAt)} · signer-opsec ${esc(report.tool.version)}${waivers}<br>${discoveredLine(report)}</p>
${summary(report)}
${exposureChart(report)}
${filters(report)}
${groups(report)}
</section>`;
}
