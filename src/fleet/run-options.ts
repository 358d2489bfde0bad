// What a fleet run takes and gives per host: plain data (besides the controls), so it crosses to worker threads.
import type { FleetHost } from '../engine/define-fleet-check.js';
import type { HostConnection } from '../parsers/ansible-inventory.js';
import { formatSshDestination } from '../parsers/ssh-destination.js';
import type { AuditTargetOptions } from './audit-host.js';
import type { EmptyAuditFlags } from './refuse-empty-audit.js';
import type { FleetHostOutcome } from './types.js';

export interface FleetRunOptions extends Omit<AuditTargetOptions, 'hostName' | 'beforeRun'> {
  /** The flags the empty-audit refusal reads before any control runs on each host (plain data, for the workers). */
  emptyAudit: EmptyAuditFlags;
  forks: number;
  hostTimeoutMs: number;
  /** -F for every connection. */
  sshConfig?: string;
  /** --become for every host (an inventory's ansible_become turns it on per host). */
  become: boolean;
}

/** One host's result: its row in the report, and the facts the fleet controls compare (plain data: crosses threads). */
export interface FleetHostResult {
  outcome: FleetHostOutcome;
  fleetHost?: FleetHost;
}

/** ssh://[user@]address[:port]: how a host's row names where it was reached (or was to be). */
export function fleetDestination(host: HostConnection): string {
  return `ssh://${formatSshDestination({
    host: host.address,
    ...(host.user ? { user: host.user } : {}),
    ...(host.port ? { port: host.port } : {}),
  })}`;
}
