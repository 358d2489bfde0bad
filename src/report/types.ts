import type { CheckResult, Severity, Status } from '../engine/types.js';
import type { TargetKind } from '../target/types.js';

/** What discovery found and where from; part of the report contract. */
export interface DiscoveredService {
  role: 'signer' | 'node';
  /** How it was found: a systemd unit, a well-known path, a compose file, or a command-line flag. */
  source: 'unit' | 'well-known' | 'compose' | 'flag';
  unit?: { name: string; path: string; dropIns: string[] };
  container?: { file: string; service: string; image?: string };
  configPath?: string;
  configStatus: 'ok' | 'missing' | 'unreadable' | 'invalid' | 'unknown';
  binary?: string;
  user?: string;
  /** Problems worth a look that no single control owns (unknown config keys, unparsable unit lines). */
  notes: string[];
}

export interface Discovered {
  signer?: DiscoveredService;
  node?: DiscoveredService;
  notes: string[];
}

export interface ReportSummary {
  total: number;
  byStatus: Record<Status, number>;
  /** Failed results at or above each severity: what `--fail-on` looks at. */
  failedBySeverity: Record<Severity, number>;
  /** 0–100: weighted share of evaluated automated controls that pass (warn counts half). */
  score: number;
  failOn: Severity | 'none';
  exitCode: 0 | 1 | 2;
  durationMs: number;
}

export interface AuditReport {
  schemaVersion: 1;
  tool: { name: string; version: string };
  target: { kind: TargetKind; source: string; live: boolean };
  discovered: Discovered;
  summary: ReportSummary;
  results: CheckResult[];
}

export interface FormatOptions {
  color: boolean;
  /** Text: wrap to this many columns (the CLI passes COLUMNS, the terminal's width, or 80). Default 80. */
  width?: number;
  /** Text: only failures, errors and warnings. */
  quiet?: boolean;
  /** Text: control ids `signer-opsec harden` can fix (src/harden/planners.ts ADDRESSABLE), for the closing line. */
  hardenable?: readonly string[];
}

/** A formatter is a pure function of the (already masked) report. */
export type Formatter = (report: AuditReport, options: FormatOptions) => string;
