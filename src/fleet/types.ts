// The fleet report: every host's own report, the fleet controls, and a host × control view. Plain data, so any
// formatter (text, JSON, later an HTML matrix) renders it without recomputing anything.
import type { CheckResult, Severity, Status } from '../engine/types.js';
import type { AuditReport } from '../report/types.js';

export interface FleetHostOutcome {
  /** The inventory name (or the --host destination). */
  name: string;
  /** ssh://[user@]address[:port] as reached. */
  destination: string;
  /** `audited`: `report` holds its audit; `unreachable`: connecting or authenticating failed; `error`: the audit did. */
  status: 'audited' | 'unreachable' | 'error';
  reason?: string;
  report?: AuditReport;
}

/** One row of the matrix: a control and its status on each audited host (in `hosts` order). */
export interface FleetControlRow {
  id: string;
  title: string;
  severity: Severity;
  /** Status per host name; absent for a host that was not audited. */
  statuses: Record<string, Status>;
  /** Hosts where it failed, for ordering and the text matrix. */
  failing: string[];
}

export interface FleetWeight {
  cycle?: number;
  source: string;
  totalWeight: number;
  /** Signer keys of the fleet found in the stacker set, with their weight. */
  signers: { host: string; publicKey: string; weight: number; share: number }[];
  fleetWeight: number;
  fleetShare: number;
  /** The fleet alone crosses these thresholds (30% halts, 70% approves). */
  crossesHalt: boolean;
  crossesApprove: boolean;
  /** Weight on hosts failing a critical control. */
  atRiskWeight: number;
  atRiskShare: number;
  atRiskHosts: string[];
  /** Fleet signer keys not in the set (not registered this cycle). */
  notInSet: { host: string; publicKey: string }[];
}

export interface FleetSummary {
  hosts: number;
  audited: number;
  unreachable: number;
  /** Hosts with a failure at or above --fail-on. */
  failing: number;
  failOn: Severity | 'none';
  exitCode: 0 | 1 | 2;
  /** Why the exit code is what it is, in one line. */
  exitReason: string;
  durationMs: number;
}

export interface FleetReport {
  schemaVersion: 1;
  kind: 'fleet';
  tool: { name: string; version: string };
  inventory: { source: string; limit?: string };
  summary: FleetSummary;
  hosts: FleetHostOutcome[];
  /** Controls only a fleet view can evaluate. */
  fleetResults: CheckResult[];
  /** Host controls, the ones failing on the most hosts first. */
  matrix: FleetControlRow[];
  weight?: FleetWeight;
}
