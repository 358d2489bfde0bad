// A fleet page: a host × control matrix above one host report per host. Built from the same masked per-host reports
// as the single-host page (renderHostReport), so `audit --inventory` only has to hand over its hosts' reports.
import { type CheckResult, STATUSES } from '../../engine/types.js';
import type { AuditReport } from '../types.js';
import { escapeXml as esc } from '../xml.js';
import { renderHostReport, statusBadge } from './host.js';
import { renderPage } from './page.js';

export interface FleetHost {
  name: string;
  report: AuditReport;
}

export function renderFleetMatrix(hosts: readonly FleetHost[]): string {
  const ids: string[] = [];
  for (const { report } of hosts) for (const r of report.results) if (!ids.includes(r.id)) ids.push(r.id);
  const header = hosts.map((h) => `<th scope="col">${esc(h.name)}</th>`).join('');
  const rows = ids
    .map((id) => {
      const cells = hosts
        .map(({ report }) => {
          const result = report.results.find((r) => r.id === id);
          if (!result) return '<td>–</td>';
          return `<td data-status="${result.status}">${result.waiver?.state === 'applied' ? statusBadge('waived') : statusBadge(result.status)}</td>`;
        })
        .join('');
      return `<tr><th scope="row" class="loc">${esc(id)}</th>${cells}</tr>`;
    })
    .join('\n');
  const scores = hosts.map((h) => `<td>${h.report.summary.score}</td>`).join('');
  return `<section class="fleet"><h1>signer-opsec fleet audit: ${hosts.length} hosts</h1>
<p class="meta">Statuses: ${STATUSES.map((s) => statusBadge(s)).join(' ')} ${statusBadge('waived')}</p>
<div class="matrix-wrap"><table class="matrix"><thead><tr><th>control</th>${header}</tr></thead>
<tbody><tr><th scope="row">score</th>${scores}</tr>
${rows}</tbody></table></div></section>`;
}

/** What only the fleet view adds: hosts that could not be audited, and the fleet controls' results. */
export interface FleetExtras {
  notAudited?: readonly { name: string; reason: string }[];
  fleetResults?: readonly Pick<CheckResult, 'id' | 'title' | 'status' | 'message'>[];
}

export function formatFleetHtml(hosts: readonly FleetHost[], extras: FleetExtras = {}): string {
  const total = hosts.length + (extras.notAudited?.length ?? 0);
  return renderPage(
    `signer-opsec fleet audit (${total} hosts)`,
    [
      renderFleetMatrix(hosts),
      renderNotAudited(extras.notAudited ?? []),
      renderFleetResults(extras.fleetResults ?? []),
      ...hosts.map((h) => renderHostReport(h.report)),
    ]
      .filter((part) => part !== '')
      .join('\n'),
  );
}

// A host that could not be audited is shown first of all: its absence from the matrix must not read as a pass.
function renderNotAudited(hosts: readonly { name: string; reason: string }[]): string {
  if (hosts.length === 0) return '';
  const items = hosts.map((h) => `<li><strong>${esc(h.name)}</strong>: ${esc(h.reason)}</li>`).join('');
  return `<section class="not-audited"><h2>Not audited (${hosts.length})</h2><ul>${items}</ul></section>`;
}

function renderFleetResults(results: FleetExtras['fleetResults'] & object): string {
  if (results.length === 0) return '';
  const rows = results
    .map(
      (r) =>
        `<tr><th scope="row" class="loc">${esc(r.id)}</th><td>${statusBadge(r.status)}</td><td>${esc(r.message)}</td></tr>`,
    )
    .join('');
  return `<section class="fleet-controls"><h2>Fleet controls</h2><table class="fleet-results"><tbody>${rows}</tbody></table></section>`;
}
