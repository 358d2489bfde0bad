// SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html): rules from detector metadata,
// one result per finding, partialFingerprints carrying the secret's fingerprint so code scanning tracks it.
import { DETECTORS } from '../detectors/index.js';
import type { SecretSeverity } from '../types.js';
import type { SecretScanReport } from './report.js';
import { historyStanding } from './text.js';

const LEVEL: Record<SecretSeverity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
};

// GitHub code scanning reads `security-severity` (0.0–10.0) to rank results.
const SECURITY_SEVERITY: Record<SecretSeverity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };

/** A relative path as a URI reference: each segment percent-encoded, separators kept. */
function toUri(file: string): string {
  const normalised = file.replace(/\\/g, '/');
  const encoded = normalised.split('/').map(encodeURIComponent).join('/');
  return normalised.startsWith('/') ? `file://${encoded}` : encoded;
}

export function formatScanSarif(report: SecretScanReport): string {
  const ruleIndex = new Map(DETECTORS.map((detector, index) => [detector.id, index]));
  const rules = DETECTORS.map((detector) => ({
    id: detector.id,
    name: detector.name,
    shortDescription: { text: detector.description.split('. ')[0]!.replace(/\.$/, '') + '.' },
    fullDescription: { text: detector.description },
    help: { text: detector.help },
    defaultConfiguration: { level: LEVEL[detector.severity] },
    properties: {
      tags: ['security', 'secret'],
      precision: 'very-high',
      'security-severity': SECURITY_SEVERITY[detector.severity],
    },
  }));
  const results = report.findings.map((finding) => ({
    ruleId: finding.detector,
    ...(ruleIndex.has(finding.detector) ? { ruleIndex: ruleIndex.get(finding.detector) } : {}),
    level: LEVEL[finding.severity],
    message: {
      text: finding.commit
        ? `${finding.message} Introduced in commit ${finding.commit.slice(0, 12)}${historyStanding(finding)}.`
        : finding.message,
    },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: toUri(finding.file) },
          region: { startLine: finding.line, ...(finding.column !== undefined ? { startColumn: finding.column } : {}) },
        },
      },
    ],
    partialFingerprints: { 'secretFingerprint/v1': finding.fingerprint },
    properties: {
      severity: finding.severity,
      ...(finding.commit !== undefined ? { commit: finding.commit } : {}),
      ...(finding.author !== undefined ? { author: finding.author } : {}),
      ...(finding.date !== undefined ? { date: finding.date } : {}),
      ...(finding.addedAgain !== undefined ? { addedAgain: finding.addedAgain } : {}),
      ...(finding.inRefs !== undefined ? { inRefs: finding.inRefs } : {}),
      ...(finding.refsUnchecked !== undefined ? { refsUnchecked: finding.refsUnchecked } : {}),
    },
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'signer-opsec',
            version: report.toolVersion,
            rules,
          },
        },
        results,
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: report.warnings.map((warning) => ({
              level: 'warning',
              message: { text: warning },
            })),
          },
        ],
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
