import { printableDeep } from '../../report/printable.js';
import type { Finding } from '../types.js';
import type { SecretScanReport } from './report.js';

/** Where a history finding stands: what an operator acts on (still at a tip, or only in history: rotate either way). */
export function historyStanding(finding: Finding): string {
  const again = finding.addedAgain ? `; added again in ${finding.addedAgain} commit(s)` : '';
  if (finding.inRefs === undefined) return again;
  const unchecked = finding.refsUnchecked ? ` (${finding.refsUnchecked} refs not checked)` : '';
  const where =
    finding.inRefs.length > 0
      ? `; still at the tip of ${finding.inRefs.join(', ')}`
      : '; removed from every ref tip, still in history';
  return `${again}${where}${unchecked}`;
}

/** One line per finding (`file:line:column detector severity fingerprint message`), notes, then a summary line. */
// Everything from the target is made printable (control characters escaped) before it is laid out.
export function formatScanText(report: SecretScanReport): string {
  return layoutScanText(printableDeep(report));
}

function layoutScanText(report: SecretScanReport): string {
  const lines: string[] = [];
  for (const finding of report.findings) {
    const where = `${finding.file}:${finding.line}${finding.column !== undefined ? `:${finding.column}` : ''}`;
    const history = finding.commit
      ? ` [introduced in commit ${finding.commit.slice(0, 12)}${finding.author ? ` by ${finding.author}` : ''}${finding.date ? ` ${finding.date}` : ''}${historyStanding(finding)}]`
      : '';
    lines.push(`${where}${history} ${finding.severity} ${finding.detector} ${finding.fingerprint}: ${finding.message}`);
  }
  for (const warning of report.warnings) lines.push(`note: ${warning}`);
  const { stats } = report;
  const scanned =
    stats.commits !== undefined
      ? `${stats.commits} commits${stats.additions !== undefined ? ` (${stats.additions} additions before grouping)` : ''}, ${stats.blobs ?? 0} blobs read whole`
      : `${stats.filesScanned} files (${stats.bytesScanned} bytes)`;
  const skipped = [
    stats.skippedBinary ? `${stats.skippedBinary} binary` : '',
    stats.skippedTooLarge ? `${stats.skippedTooLarge} too large` : '',
    stats.skippedUnreadable ? `${stats.skippedUnreadable} unreadable` : '',
    stats.missingObjects ? `${stats.missingObjects} missing objects` : '',
  ].filter(Boolean);
  const baseline = stats.suppressedByBaseline ? `, ${stats.suppressedByBaseline} accepted by the baseline` : '';
  lines.push(
    `${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} in ${scanned}` +
      `${skipped.length ? `; skipped ${skipped.join(', ')}` : ''}${baseline}.`,
  );
  return `${lines.join('\n')}\n`;
}
