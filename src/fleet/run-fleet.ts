// Audits the hosts of an inventory over SSH, `forks` at a time, each with its own deadline; a host that can't be
// reached is one outcome with the reason, and the others go on.

import type { FleetHost } from '../engine/define-fleet-check.js';
import type { HostConnection } from '../parsers/ansible-inventory.js';
import { formatSshDestination } from '../parsers/ssh-destination.js';
import { SshUnreachableError } from '../target/ssh-connection.js';
import { SshTarget } from '../target/ssh-target.js';
import { type AuditTargetOptions, auditTarget, withDeadline } from './audit-host.js';
import { hostFacts } from './host-facts.js';
import type { FleetHostOutcome } from './types.js';

export interface FleetRunOptions extends Omit<AuditTargetOptions, 'hostName'> {
  forks: number;
  hostTimeoutMs: number;
  /** -F for every connection. */
  sshConfig?: string;
  /** --become for every host (an inventory's ansible_become turns it on per host). */
  become: boolean;
}

export interface FleetRun {
  outcomes: FleetHostOutcome[];
  /** The audited hosts' facts, for the fleet controls. */
  fleetHosts: FleetHost[];
}

async function auditOne(
  host: HostConnection,
  options: FleetRunOptions,
): Promise<{ outcome: FleetHostOutcome; fleetHost?: FleetHost }> {
  const destination = formatSshDestination({
    host: host.address,
    ...(host.user ? { user: host.user } : {}),
    ...(host.port ? { port: host.port } : {}),
  });
  const base = { name: host.name, destination: `ssh://${destination}` };
  let target: SshTarget | undefined;
  let closed = false;
  const work = async () => {
    target = await SshTarget.open({
      destination: {
        host: host.address,
        ...(host.user ? { user: host.user } : {}),
        ...(host.port ? { port: host.port } : {}),
      },
      ...(host.identityFile ? { identityFile: host.identityFile } : {}),
      ...(options.sshConfig ? { configFile: options.sshConfig } : {}),
      extraArgs: host.extraArgs,
      become: options.become || host.become,
      connectTimeoutMs: Math.min(options.hostTimeoutMs, 15_000),
      label: base.destination,
    });
    if (closed) target.close();
    // A waiver's `hosts` glob matches the name the inventory gives the host.
    const audit = await auditTarget(target, { ...options, hostName: host.name });
    const facts = await hostFacts(audit.context, audit.report);
    return { audit, facts };
  };
  try {
    const { audit, facts } = await withDeadline(work(), options.hostTimeoutMs, host.name, () => {
      closed = true;
      target?.close();
    });
    return {
      outcome: { ...base, status: 'audited', report: audit.report },
      fleetHost: { name: host.name, address: host.address, facts },
    };
  } catch (error) {
    const unreachable = error instanceof SshUnreachableError && target === undefined;
    const reason = error instanceof SshUnreachableError ? error.reason : (error as Error).message;
    return { outcome: { ...base, status: unreachable ? 'unreachable' : 'error', reason } };
  } finally {
    target?.close();
  }
}

export async function runFleet(hosts: readonly HostConnection[], options: FleetRunOptions): Promise<FleetRun> {
  const results: { outcome: FleetHostOutcome; fleetHost?: FleetHost }[] = new Array(hosts.length);
  let next = 0;
  const worker = async () => {
    while (next < hosts.length) {
      const index = next++;
      results[index] = await auditOne(hosts[index]!, options);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.forks, hosts.length)) }, worker));
  return {
    outcomes: results.map((result) => result.outcome),
    fleetHosts: results.flatMap((result) => (result.fleetHost ? [result.fleetHost] : [])),
  };
}
