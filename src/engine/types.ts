// Result and metadata types shared by the engine, the checks and the formatters.

export const THREATS = [
  'host-compromise',
  'key-generation',
  'key-in-scm',
  'social-engineering',
  'binary-backdoor',
  'supply-chain',
  'stake-threshold',
  'liveness',
] as const;
export type Threat = (typeof THREATS)[number];

export const THREAT_TITLES: Record<Threat, string> = {
  'host-compromise': 'Host compromise: the key is read from the signer host',
  'key-generation': 'Key exposed while generated or deployed',
  'key-in-scm': 'Key committed to a git repository',
  'social-engineering': 'Social engineering',
  'binary-backdoor': 'Backdoored signer binary',
  'supply-chain': 'Supply chain: binary or image tampered with',
  'stake-threshold': 'Stake concentration: the 70% / 30% thresholds',
  liveness: 'Liveness: the signer stays up and signing',
};

/** Highest first: the order used to compare and to pick `--fail-on`. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATUSES = ['pass', 'fail', 'warn', 'manual', 'not_applicable', 'not_evaluable', 'error'] as const;
export type Status = (typeof STATUSES)[number];

/** Where a finding was seen. Never holds a secret: secrets are named by a fingerprint. */
export interface Evidence {
  file?: string;
  line?: number;
  detail: string;
}

export interface CheckResult {
  id: string;
  title: string;
  family: string;
  threats: Threat[];
  severity: Severity;
  status: Status;
  message: string;
  evidence: Evidence[];
  remediation: string;
  references: string[];
  /** Set when the check lowered its default severity, saying why. */
  severityReason?: string;
  data?: Record<string, unknown>;
}

/** Higher rank wins when a check reports several items. */
export const STATUS_RANK: Record<Status, number> = {
  not_applicable: 0,
  not_evaluable: 1,
  pass: 2,
  manual: 3,
  warn: 4,
  fail: 5,
  error: 6,
};

export function severityAtLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}

/** A control's verdict from what it reported: the worst status, with the messages of the items that have it. */
export function verdictOf(items: readonly { status: Status; message: string }[]): { status: Status; message: string } {
  const status = items.reduce<Status>(
    (worst, item) => (STATUS_RANK[item.status] > STATUS_RANK[worst] ? item.status : worst),
    'not_applicable',
  );
  const message = items
    .filter((item) => item.status === status)
    .map((item) => item.message)
    .join(' ');
  return { status, message };
}
