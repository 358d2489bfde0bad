// How fleet controls group and match hosts (helpers, not controls: src/checks/ holds only controls).
import type { FleetHost } from '../engine/define-fleet-check.js';

export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

export function hostList(hosts: readonly FleetHost[]): string {
  return hosts.map((host) => host.name).join(', ');
}

/** The host part of a node_host value: `host:port`, `[v6]:port` or a bare host. */
export function nodeHostName(nodeHost: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(nodeHost);
  if (bracketed) return bracketed[1]!;
  const withoutScheme = nodeHost.replace(/^[a-z]+:\/\//i, '');
  return withoutScheme.replace(/:\d+$/, '').replace(/\/.*$/, '');
}

/** The audited host a signer's node_host names (by inventory name or address), other than the signer's own. */
export function nodeHostTarget(signer: FleetHost, hosts: readonly FleetHost[]): FleetHost | undefined {
  if (!signer.facts.nodeHost) return undefined;
  const name = nodeHostName(signer.facts.nodeHost);
  return hosts.find((host) => host !== signer && (host.address === name || host.name === name));
}
