// https://www.freedesktop.org/software/systemd/man/latest/systemd.resource-control.html#IPAddressAllow=ADDRESS[/PREFIXLENGTH]%E2%80%A6
// The signer host's own non-loopback addresses that the signer's traffic carries. A colocated node that posts its
// events to the signer's private address (endpoint = "10.0.0.5:30000") connects *from* 10.0.0.5: the kernel picks the
// destination as the local source. IPAddressDeny=any filters that ingress by source, so an allow list without it
// cuts the node's events off. Admitting one of the host's own addresses lets no other host in.

import type { AuditContext } from '../../engine/context.js';
import { classifyHost, parseHostPort } from '../../net/address.js';
import { lookupHost } from '../../parsers/hosts.js';
import { ipVersion } from '../../parsers/ip-version.js';
import { targetHosts } from '../network/endpoint-trust.js';

export interface SignerLocalAddress {
  address: string;
  /** Which setting names it: `endpoint`, `metrics_endpoint`, or `[[events_observer]] endpoint`. */
  from: string;
}

function bare(host: string): string {
  return host.replace(/^\[|\]$/g, '');
}

/** A specific, non-loopback IP address (never a wildcard, never a name). */
function specificAddress(host: string): string | undefined {
  const address = bare(host);
  if (ipVersion(address) === 0) return undefined;
  const kind = classifyHost(address);
  return kind === 'loopback' || kind === 'wildcard' ? undefined : address;
}

/**
 * The endpoint's and metrics_endpoint's bind addresses (the signer binds them, so they are this host's), and, when the
 * endpoint binds every address, the hosts of the local node's [[events_observer]]s that target its port, as IPs (names through the target's
 * /etc/hosts only). Loopback and wildcards are left out: localhost already covers the one, the other names no peer.
 */
export async function signerLocalAddresses(ctx: AuditContext): Promise<SignerLocalAddress[]> {
  const { signer, node } = await ctx.discovery();
  if (signer?.config.status !== 'ok') return [];
  const config = signer.config.parsed.config;
  const found: SignerLocalAddress[] = [];
  const add = (address: string | undefined, from: string) => {
    if (address !== undefined && !found.some((entry) => entry.address === address)) found.push({ address, from });
  };
  const endpoint = config.endpoint ? parseHostPort(config.endpoint) : undefined;
  if (endpoint) add(specificAddress(endpoint.host), 'endpoint');
  const metrics = config.metricsEndpoint ? parseHostPort(config.metricsEndpoint) : undefined;
  if (metrics) add(specificAddress(metrics.host), 'metrics_endpoint');
  // Only a wildcard endpoint can be reached at an address the config does not name; a specific one is added above,
  // and an observer aimed elsewhere on the same port may be another host's signer.
  if (endpoint?.port === undefined || classifyHost(endpoint.host) !== 'wildcard') return found;
  if (node?.config.status !== 'ok') return found;
  const hosts = await targetHosts(ctx);
  for (const observer of node.config.parsed.config.eventsObservers) {
    const target = observer.endpoint ? parseHostPort(observer.endpoint) : undefined;
    if (!target || target.port !== endpoint.port) continue;
    const host = bare(target.host);
    const addresses = ipVersion(host) !== 0 ? [host] : lookupHost(hosts, host).map((entry) => entry.address);
    for (const address of addresses) add(specificAddress(address), '[[events_observer]] endpoint');
  }
  return found;
}
