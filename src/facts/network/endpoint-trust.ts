// Judges the hosts of `host:port` settings, names included: a name counts only through the target's own
// etc/hosts (no DNS: the audit must not depend on, or leak to, the auditor's resolver).
import type { Service } from '../../discovery/types.js';
import type { AuditContext } from '../../engine/context.js';
import type { Evidence } from '../../engine/types.js';
import { type AddressClass, classifyHost, parseHostPort } from '../../net/address.js';
import { type HostsEntry, lookupHost, parseHosts } from '../../parsers/hosts.js';
import { at } from '../services/discovered-services.js';

export interface EndpointTrust {
  host: string;
  port: number | undefined;
  /** The class of the address, or, for a name mapped by etc/hosts, the least trusted of its addresses. */
  kind: AddressClass;
  /** For a name that etc/hosts maps: its addresses and the first line naming it. */
  mapped?: { addresses: string[]; line: number };
}

const hostsByContext = new WeakMap<AuditContext, Promise<HostsEntry[]>>();

/** The target's etc/hosts, read once per run; a missing or unreadable file maps nothing. */
export function targetHosts(ctx: AuditContext): Promise<HostsEntry[]> {
  let entries = hostsByContext.get(ctx);
  if (!entries) {
    entries = ctx.target.readText('/etc/hosts').then(parseHosts, () => []);
    hostsByContext.set(ctx, entries);
  }
  return entries;
}

// Least trusted first: one public address for a name is enough to send secrets off the private network.
const DISTRUST_ORDER: readonly AddressClass[] = ['public', 'wildcard', 'name', 'private', 'loopback'];

/** Undefined when the text is not `host:port` (or a bare host). */
export function judgeEndpoint(value: string, hosts: readonly HostsEntry[]): EndpointTrust | undefined {
  const hostPort = parseHostPort(value);
  if (!hostPort) return undefined;
  const base = { host: hostPort.host, port: hostPort.port };
  const kind = classifyHost(hostPort.host);
  if (kind !== 'name') return { ...base, kind };
  const entries = lookupHost(hosts, hostPort.host);
  if (entries.length === 0) return { ...base, kind };
  const classes = entries.map((entry) => classifyHost(entry.address));
  const worst = DISTRUST_ORDER.find((candidate) => classes.includes(candidate)) ?? 'name';
  return { ...base, kind: worst, mapped: { addresses: entries.map((entry) => entry.address), line: entries[0]!.line } };
}

export function isTrusted(trust: EndpointTrust): boolean {
  return trust.kind === 'loopback' || trust.kind === 'private';
}

/** "loopback", "a private address", ...; for a mapped name, says through which addresses. */
export function describeTrust(trust: EndpointTrust): string {
  const kinds: Record<AddressClass, string> = {
    loopback: 'loopback',
    private: 'a private address',
    wildcard: 'a wildcard address (all interfaces)',
    public: 'a public address',
    name: 'a host name the target does not map in /etc/hosts',
  };
  const text =
    trust.mapped && trust.kind === 'name' ? 'a host name whose /etc/hosts entry is not an address' : kinds[trust.kind];
  return trust.mapped ? `${text} (etc/hosts maps ${trust.host} to ${trust.mapped.addresses.join(', ')})` : text;
}

/** Where etc/hosts maps a name, as evidence; empty for an address. */
export function mappingEvidence(trust: EndpointTrust): Evidence[] {
  return trust.mapped
    ? [at('/etc/hosts', trust.mapped.line, `${trust.host} → ${trust.mapped.addresses.join(', ')}`)]
    : [];
}

/**
 * A compose service on its own network namespace (not `network_mode: host`): a wildcard bind there covers only the
 * container's interfaces, and what reaches it is decided by published ports (topology/container-published-ports).
 */
export function inContainerNetwork(service: Service | undefined): boolean {
  return !!service?.container && !service.unit && service.container.networkMode !== 'host';
}
