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
  /** Results under a waiver that applied, by status: counted here and nowhere above (not in byStatus, not towards --fail-on, not in the score). */
  waived: { total: number; byStatus: Record<Status, number> };
}

/** How a waiver met the result of its control. */
export type WaiverState = 'applied' | 'expired';

/** A waiver as the result that it waives (or no longer waives) carries it. */
export interface ResultWaiver {
  state: WaiverState;
  justification: string;
  /** YYYY-MM-DD: the last day the waiver applies (UTC). */
  expires?: string;
  /** Where the waiver was written. */
  file: string;
  line: number;
}

export interface ReportResult extends CheckResult {
  waiver?: ResultWaiver;
  /** The control's docs page (docs/controls/<id>.md), set by the JSON report. */
  docs?: string;
}

/** Every waiver read, and what became of it on this host. */
export interface WaiverEntry {
  id: string;
  justification: string;
  expires?: string;
  hosts?: string;
  run: boolean;
  line: number;
  /** `other-host`: its `hosts` glob does not match this host; `not-selected`: the control was not run (--only/--skip). */
  state: WaiverState | 'other-host' | 'not-selected';
}

export interface ReportWaivers {
  /** The waivers file read, or null (none given, the default absent, or --no-waivers). */
  file: string | null;
  entries: WaiverEntry[];
}

export interface AuditReport {
  schemaVersion: 2;
  tool: { name: string; version: string };
  /** `host`: the audited host's name (the live host's, or the target's etc/hostname), which waiver `hosts` globs match. */
  target: { kind: TargetKind; source: string; live: boolean; host?: string };
  /** When the audit ran (ISO 8601, UTC). */
  generatedAt: string;
  discovered: Discovered;
  waivers: ReportWaivers;
  summary: ReportSummary;
  results: ReportResult[];
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
