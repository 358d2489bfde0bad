// A realistic report for formatter and schema tests: one result of every status, several threats, evidence, data.
import type { CheckResult, Severity, Status, Threat } from '../../src/engine/types.js';
import type { AuditReport } from '../../src/report/types.js';

function result(
  id: string,
  status: Status,
  severity: Severity,
  threats: Threat[],
  message: string,
  extra: Partial<CheckResult> = {},
): CheckResult {
  return {
    id,
    title: `Title of ${id}`,
    family: id.split('/')[0]!,
    threats,
    severity,
    status,
    message,
    evidence: [],
    remediation: `Remediation of ${id}.`,
    references: ['https://docs.stacks.co/operate/run-a-signer'],
    ...extra,
  };
}

export function sampleResults(): CheckResult[] {
  return [
    result('ssh/root-login', 'pass', 'high', ['host-compromise'], 'PermitRootLogin is "no".'),
    result(
      'keys/signer-config-permissions',
      'fail',
      'critical',
      ['host-compromise', 'key-generation'],
      'The signer config is mode 0644: group and others can read stacks_private_key, and anyone with a shell on ' +
        'this host can sign as this signer.',
      {
        evidence: [{ file: '/etc/stacks/signer/signer-config.toml', line: 3, detail: 'mode 0644, owner root:root' }],
        remediation:
          'Run `chmod 600 /etc/stacks/signer/signer-config.toml` and `chown stacks-signer: ` on it; keep every ' +
          'parent directory unwritable by group and others.',
      },
    ),
    result('topology/signer-endpoint-exposure', 'warn', 'high', ['host-compromise'], 'The endpoint binds 0.0.0.0.', {
      severity: 'medium',
      severityReason: 'the firewall admits only the node (10.0.0.2) to port 30000',
      evidence: [{ detail: 'endpoint = "0.0.0.0:30000"' }],
    }),
    result('ssh/non-standard-port', 'not_applicable', 'low', ['host-compromise'], 'No sshd configuration found.'),
    result('topology/listening-sockets', 'not_evaluable', 'medium', ['host-compromise'], 'Needs a live host.'),
    result('service/exposure-score', 'error', 'medium', ['host-compromise', 'binary-backdoor'], 'unit unreadable', {
      data: { score: 7.9, label: 'EXPOSED' },
    }),
    result(
      'practice/offline-key-generation',
      'manual',
      'high',
      ['key-generation'],
      'Confirm the signer key was generated on an offline machine.',
      { remediation: 'Generate the key on an air-gapped machine and move only the config file to the signer host.' },
    ),
    result('keys/key-in-git', 'fail', 'critical', ['key-in-scm'], 'The signer key is in 1 git repository.', {
      evidence: [{ file: '/opt/signer/.git', detail: 'commit 3f2a9c1 (key fingerprint 1a2b3c4d)' }],
    }),
  ];
}

const ZERO: Record<Status, number> = {
  pass: 0,
  fail: 0,
  warn: 0,
  manual: 0,
  not_applicable: 0,
  not_evaluable: 0,
  error: 0,
};

export function sampleReport(results: CheckResult[] = sampleResults()): AuditReport {
  const byStatus: Record<Status, number> = {
    pass: 0,
    fail: 0,
    warn: 0,
    manual: 0,
    not_applicable: 0,
    not_evaluable: 0,
    error: 0,
  };
  for (const r of results) byStatus[r.status]++;
  return {
    schemaVersion: 2,
    tool: { name: 'signer-opsec', version: '0.1.0' },
    target: { kind: 'directory', source: '/mnt/signer-image', live: false, host: 'signer-1' },
    generatedAt: '2026-12-07T10:00:00.000Z',
    discovered: {
      signer: {
        role: 'signer',
        source: 'unit',
        unit: {
          name: 'stacks-signer.service',
          path: '/etc/systemd/system/stacks-signer.service',
          dropIns: ['/etc/systemd/system/stacks-signer.service.d/override.conf'],
        },
        configPath: '/etc/stacks/signer/signer-config.toml',
        configStatus: 'ok',
        binary: '/usr/local/bin/stacks-signer',
        user: 'stacks-signer',
        notes: ['unknown key "foo" in the signer config (line 9)'],
      },
      node: {
        role: 'node',
        source: 'compose',
        container: {
          file: '/opt/stacks/compose.yml',
          service: 'stacks-node',
          image: 'blockstack/stacks-core:3.1.0.0.7',
        },
        configPath: '/opt/stacks/node-config.toml',
        configStatus: 'missing',
        notes: [],
      },
      notes: ['two signer units found; auditing stacks-signer.service'],
    },
    summary: {
      total: results.length,
      byStatus,
      failedBySeverity: { critical: 2, high: 2, medium: 2, low: 2, info: 2 },
      score: 48,
      failOn: 'high',
      exitCode: 1,
      durationMs: 1234,
      waived: { total: 0, byStatus: { ...ZERO } },
    },
    waivers: { file: null, entries: [] },
    results,
  };
}
