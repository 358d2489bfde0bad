// Audits the hosts of an inventory over SSH, `forks` at a time, each with its own deadline; a host that can't be
// reached is one outcome with the reason, and the others go on.

import type { FleetHost } from '../engine/define-fleet-check.js';
import type { HostConnection } from '../parsers/ansible-inventory.js';
import { SshUnreachableError } from '../target/ssh-connection.js';
import { SshTarget } from '../target/ssh-target.js';
import { auditTarget, withDeadline } from './audit-host.js';
import { fleetThreads, runInWorker } from './fleet-threads.js';
import { hostFacts } from './host-facts.js';
import { refuseEmptyAudit } from './refuse-empty-audit.js';
import { type FleetHostResult, type FleetRunOptions, fleetDestination } from './run-options.js';
import type { FleetHostOutcome } from './types.js';

export type { FleetHostResult, FleetRunOptions } from './run-options.js';

export interface FleetRun {
  outcomes: FleetHostOutcome[];
  /** The audited hosts' facts, for the fleet controls. */
  fleetHosts: FleetHost[];
}

export async function auditOne(host: HostConnection, options: FleetRunOptions): Promise<FleetHostResult> {
  const base = { name: host.name, destination: fleetDestination(host) };
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
    const audit = await auditTarget(target, {
      ...options,
      hostName: host.name,
      beforeRun: (context, opened) => refuseEmptyAudit(context, opened, options.emptyAudit),
    });
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

/**
 * Hosts are handed out one at a time, to `forks` concurrent audits spread over this thread and worker threads (one
 * per core): discovery and the controls are CPU work on one JS thread, so a single thread caps a fleet at one core.
 * Results land at their host's index, so the report is the same whatever the scheduling.
 */
export async function runFleet(hosts: readonly HostConnection[], options: FleetRunOptions): Promise<FleetRun> {
  const results: FleetHostResult[] = new Array(hosts.length);
  let next = 0;
  const take = (): number | undefined => (next < hosts.length ? next++ : undefined);
  const threads = fleetThreads(hosts.length, options.forks);
  const perThread = Math.max(1, Math.ceil(options.forks / threads));
  const local = async () => {
    for (let index = take(); index !== undefined; index = take())
      results[index] = await auditOne(hosts[index]!, options);
  };
  const loops = Array.from({ length: Math.min(perThread, hosts.length) }, local);
  for (let thread = 1; thread < threads; thread++) {
    loops.push(
      runInWorker({
        hosts,
        options,
        concurrency: perThread,
        take,
        store: (index, result) => (results[index] = result),
      }),
    );
  }
  await Promise.all(loops);
  return {
    outcomes: results.map((result) => result.outcome),
    fleetHosts: results.flatMap((result) => (result.fleetHost ? [result.fleetHost] : [])),
  };
}
