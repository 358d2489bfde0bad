// Assembles the fleet report from each host's outcome and the fleet controls, and decides the fleet's exit code.
import { type CheckResult, SEVERITIES, type Severity, severityAtLeast } from '../engine/types.js';
import type { FleetControlRow, FleetHostOutcome, FleetReport, FleetSummary, FleetWeight } from './types.js';

function failsAt(result: CheckResult, failOn: Severity | 'none'): boolean {
  return failOn !== 'none' && result.status === 'fail' && severityAtLeast(result.severity, failOn);
}

export function buildMatrix(hosts: readonly FleetHostOutcome[]): FleetControlRow[] {
  const rows = new Map<string, FleetControlRow>();
  for (const host of hosts) {
    for (const result of host.report?.results ?? []) {
      let row = rows.get(result.id);
      if (!row) {
        row = { id: result.id, title: result.title, severity: result.severity, statuses: {}, failing: [] };
        rows.set(result.id, row);
      }
      row.statuses[host.name] = result.status;
      if (result.status === 'fail') row.failing.push(host.name);
    }
  }
  const order = [...rows.keys()];
  return [...rows.values()].sort(
    (a, b) =>
      b.failing.length - a.failing.length ||
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      order.indexOf(a.id) - order.indexOf(b.id),
  );
}

export function summariseFleet(
  hosts: readonly FleetHostOutcome[],
  fleetResults: readonly CheckResult[],
  failOn: Severity | 'none',
  durationMs: number,
): FleetSummary {
  const audited = hosts.filter((host) => host.status === 'audited');
  const notAudited = hosts.filter((host) => host.status !== 'audited');
  const failing = audited.filter((host) => host.report!.results.some((result) => failsAt(result, failOn)));
  const withErrors = audited.filter((host) => host.report!.summary.exitCode === 2);
  const fleetFailing = fleetResults.filter((result) => failsAt(result, failOn));
  const fleetErrors = fleetResults.filter((result) => result.status === 'error');
  let exitCode: 0 | 1 | 2 = 0;
  const reasons: string[] = [];
  if (notAudited.length > 0)
    reasons.push(
      `${notAudited.length} host(s) could not be audited: ${notAudited.map((host) => host.name).join(', ')}`,
    );
  if (withErrors.length > 0)
    reasons.push(`controls ended in error on ${withErrors.map((host) => host.name).join(', ')}`);
  if (fleetErrors.length > 0)
    reasons.push(`fleet controls in error: ${fleetErrors.map((result) => result.id).join(', ')}`);
  if (reasons.length > 0) exitCode = 2;
  if (failing.length > 0)
    reasons.push(
      `${failing.length} host(s) fail a control at or above ${failOn}: ${failing.map((host) => host.name).join(', ')}`,
    );
  if (fleetFailing.length > 0)
    reasons.push(`fleet controls failing: ${fleetFailing.map((result) => result.id).join(', ')}`);
  if (exitCode === 0 && (failing.length > 0 || fleetFailing.length > 0)) exitCode = 1;
  if (audited.length === 0 && exitCode !== 2) {
    exitCode = 2;
    reasons.push('no host was audited');
  }
  return {
    hosts: hosts.length,
    audited: audited.length,
    unreachable: hosts.filter((host) => host.status === 'unreachable').length,
    failing: failing.length,
    failOn,
    exitCode,
    exitReason: reasons.length > 0 ? reasons.join('; ') : `no failure at or above ${failOn}`,
    durationMs: Math.round(durationMs),
  };
}

export function buildFleetReport(input: {
  version: string;
  inventory: { source: string; limit?: string };
  hosts: FleetHostOutcome[];
  fleetResults: CheckResult[];
  failOn: Severity | 'none';
  durationMs: number;
  weight?: FleetWeight;
}): FleetReport {
  return {
    schemaVersion: 1,
    kind: 'fleet',
    tool: { name: 'signer-opsec', version: input.version },
    inventory: input.inventory,
    summary: summariseFleet(input.hosts, input.fleetResults, input.failOn, input.durationMs),
    hosts: input.hosts,
    fleetResults: input.fleetResults,
    matrix: buildMatrix(input.hosts),
    ...(input.weight ? { weight: input.weight } : {}),
  };
}
