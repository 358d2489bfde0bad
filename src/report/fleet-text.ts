// The fleet on a terminal: who could not be audited, the host × control matrix (controls failing on the most hosts
// first), the fleet controls, the fleet's signer weight, then each failing host's own failures.

import type { CheckResult, Status } from '../engine/types.js';
import type { FleetReport } from '../fleet/types.js';
import { appendAll, maxOf } from '../parsers/lists.js';
import { palette } from './ansi.js';
import { docsPage } from './docs-page.js';
import { printableDeep } from './printable.js';
import type { FormatOptions } from './types.js';

const CELL: Record<Status, string> = {
  pass: '.',
  fail: 'F',
  warn: 'w',
  manual: 'm',
  not_applicable: '-',
  not_evaluable: '?',
  error: 'E',
};
const MAX_EVIDENCE = 4;

function percent(share: number): string {
  return `${(share * 100).toFixed(2)}%`;
}

function resultLines(result: CheckResult, indent: string): string[] {
  const lines = [
    `${indent}${result.status.toUpperCase().padEnd(6)} ${result.severity.padEnd(8)} ${result.id}  ${result.message}`,
  ];
  for (const evidence of result.evidence.slice(0, MAX_EVIDENCE)) {
    const where = evidence.file ? `${evidence.file}${evidence.line ? `:${evidence.line}` : ''}: ` : '';
    lines.push(`${indent}         ${where}${evidence.detail}`);
  }
  if (result.evidence.length > MAX_EVIDENCE)
    lines.push(`${indent}         … ${result.evidence.length - MAX_EVIDENCE} more (see --format json)`);
  lines.push(`${indent}         Docs: ${docsPage(result.id)}`);
  return lines;
}

// Everything from the target is made printable (control characters escaped) before it is laid out.
export function formatFleetText(report: FleetReport, options: FormatOptions): string {
  return layoutFleetText(printableDeep(report), options);
}

function layoutFleetText(report: FleetReport, options: FormatOptions): string {
  const p = palette(options.color);
  const out: string[] = [];
  const { summary } = report;
  out.push(
    p.bold(
      `signer-opsec fleet audit — ${report.inventory.source}${report.inventory.limit ? ` (--limit ${report.inventory.limit})` : ''}`,
    ),
  );
  out.push(
    `Hosts    ${summary.hosts} · audited ${summary.audited} · unreachable ${summary.unreachable} · failing ${summary.failing} (at or above ${summary.failOn})`,
  );
  out.push('');
  const audited = report.hosts.filter((host) => host.status === 'audited');
  const unaudited = report.hosts.filter((host) => host.status !== 'audited');
  if (unaudited.length > 0) {
    out.push(p.bold('Not audited'));
    for (const host of unaudited)
      out.push(`  ${p.red(host.status.toUpperCase())}  ${host.name} (${host.destination}): ${host.reason ?? ''}`);
    out.push('');
  }
  if (audited.length > 0) {
    out.push(p.bold('Host × control'));
    const legend = audited.map((host, index) => `H${index + 1}=${host.name}`);
    out.push(`  ${legend.join('  ')}`);
    out.push(
      `  ${Object.entries(CELL)
        .map(([status, cell]) => `${cell} ${status}`)
        .join(' · ')}`,
    );
    const idWidth = Math.max(maxOf(report.matrix.map((row) => row.id.length)), 10);
    out.push(
      `  ${'control'.padEnd(idWidth)}  ${audited.map((_, index) => `H${index + 1}`.padStart(4)).join('')}  failing`,
    );
    for (const row of report.matrix) {
      const cells = audited.map((host) => {
        const status = row.statuses[host.name];
        const cell = status ? CELL[status] : ' ';
        return `   ${status === 'fail' ? p.red(cell) : cell}`;
      });
      out.push(`  ${row.id.padEnd(idWidth)}  ${cells.join('')}  ${row.failing.length}`);
    }
    out.push('');
  }
  out.push(p.bold('Fleet controls'));
  for (const result of report.fleetResults) appendAll(out, resultLines(result, '  '));
  out.push('');
  if (report.weight) {
    const weight = report.weight;
    out.push(p.bold(`Signer weight${weight.cycle !== undefined ? ` (cycle ${weight.cycle})` : ''} — ${weight.source}`));
    for (const signer of weight.signers)
      out.push(`  ${signer.host.padEnd(20)} ${percent(signer.share).padStart(8)}  ${signer.publicKey}`);
    for (const missing of weight.notInSet)
      out.push(`  ${missing.host.padEnd(20)} ${'—'.padStart(8)}  ${missing.publicKey} (not in the stacker set)`);
    out.push(
      `  The fleet holds ${percent(weight.fleetShare)} of the weight${weight.crossesApprove ? ' — alone it crosses 70%: it can approve blocks' : weight.crossesHalt ? ' — alone it crosses 30%: it can halt the chain' : ' (below 30%)'}.`,
    );
    out.push(
      `  ${percent(weight.atRiskShare)} sits on hosts failing a critical control${weight.atRiskHosts.length ? ` (${weight.atRiskHosts.join(', ')})` : ''}.`,
    );
    out.push('');
  }
  const failingHosts = audited.filter((host) =>
    host.report!.results.some((result) => result.status === 'fail' || result.status === 'error'),
  );
  for (const host of failingHosts) {
    out.push(
      p.bold(
        `${host.name} (${host.destination}) — exit ${host.report!.summary.exitCode}, score ${host.report!.summary.score}`,
      ),
    );
    for (const result of host.report!.results.filter((each) => each.status === 'fail' || each.status === 'error'))
      appendAll(out, resultLines(result, '  '));
    out.push('');
  }
  out.push(p.bold(`Exit ${summary.exitCode}: ${summary.exitReason}`));
  return `${out.join('\n')}\n`;
}
