import type { SecretScanReport } from './report.js';

/** One line per finding (`file:line:column detector severity fingerprint message`), notes, then a summary line. */
export function formatScanText(report: SecretScanReport): string {
  const lines: string[] = [];
  for (const finding of report.findings) {
    const where = `${finding.file}:${finding.line}${finding.column !== undefined ? `:${finding.column}` : ''}`;
    const history = finding.commit
      ? ` [commit ${finding.commit.slice(0, 12)}${finding.author ? ` by ${finding.author}` : ''}${finding.date ? ` ${finding.date}` : ''}]`
      : '';
    lines.push(`${where}${history} ${finding.severity} ${finding.detector} ${finding.fingerprint}: ${finding.message}`);
  }
  for (const warning of report.warnings) lines.push(`note: ${warning}`);
  const { stats } = report;
  const scanned =
    stats.commits !== undefined
      ? `${stats.commits} commits, ${stats.blobs ?? 0} blobs`
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
