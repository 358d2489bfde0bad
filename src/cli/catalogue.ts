import type { Check } from '../engine/define-check.js';

/** `signer-opsec checks`: the catalogue as a table or as JSON metadata. */
export function formatCatalogue(checks: readonly Check[], format: 'text' | 'json'): string {
  if (format === 'json') {
    const entries = checks.map(
      ({ id, family, title, severity, threats, description, remediation, references, liveOnly }) => ({
        id,
        family,
        title,
        severity,
        threats,
        description,
        remediation,
        references,
        liveOnly: liveOnly === true,
      }),
    );
    return `${JSON.stringify(entries, null, 2)}\n`;
  }
  const idWidth = Math.max(...checks.map((check) => check.id.length), 2);
  const lines = checks.map((check) => `${check.id.padEnd(idWidth)}  ${check.severity.padEnd(8)}  ${check.title}`);
  return `${'ID'.padEnd(idWidth)}  SEVERITY  TITLE\n${lines.join('\n')}\n\n${checks.length} controls\n`;
}
