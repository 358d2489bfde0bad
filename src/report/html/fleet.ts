// A fleet page: a host × control matrix above one host report per host. Built from the same masked per-host reports
// as the single-host page (renderHostReport), so `audit --inventory` only has to hand over its hosts' reports.
import { STATUSES } from '../../engine/types.js';
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

export function formatFleetHtml(hosts: readonly FleetHost[]): string {
  return renderPage(
    `signer-opsec fleet audit (${hosts.length} hosts)`,
    [renderFleetMatrix(hosts), ...hosts.map((h) => renderHostReport(h.report))].join('\n'),
  );
}
