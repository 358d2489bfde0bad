import type { SecretScanReport } from './report.js';

export const SCAN_JSON_SCHEMA_VERSION = 1;

/**
 * `{ schemaVersion, findings: [{ detector, file, line, column, commit?, author?, date?, addedAgain?, inRefs?,
 * refsUnchecked?, fingerprint, severity, message }], stats, warnings }`; a history finding is one leak: `commit` is
 * where it was introduced, `inRefs` the refs whose tip still hold it (empty: only in history).
 */
export function formatScanJson(report: SecretScanReport): string {
  const findings = report.findings.map((finding) => ({
    detector: finding.detector,
    file: finding.file,
    line: finding.line,
    ...(finding.column !== undefined ? { column: finding.column } : {}),
    ...(finding.commit !== undefined ? { commit: finding.commit } : {}),
    ...(finding.author !== undefined ? { author: finding.author } : {}),
    ...(finding.date !== undefined ? { date: finding.date } : {}),
    ...(finding.addedAgain !== undefined ? { addedAgain: finding.addedAgain } : {}),
    ...(finding.inRefs !== undefined ? { inRefs: finding.inRefs } : {}),
    ...(finding.refsUnchecked !== undefined ? { refsUnchecked: finding.refsUnchecked } : {}),
    fingerprint: finding.fingerprint,
    severity: finding.severity,
    message: finding.message,
  }));
  const document = {
    schemaVersion: SCAN_JSON_SCHEMA_VERSION,
    findings,
    stats: report.stats,
    warnings: report.warnings,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
