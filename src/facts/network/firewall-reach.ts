// What the firewall model says about particular ports, for the topology controls: who can open a new connection
// to a port, and whether that is only the node (the signer endpoint's one legitimate client).
import type { AuditContext } from '../../engine/context.js';
import type { Evidence } from '../../engine/types.js';
import { classifyHost, parseHostPort } from '../../net/address.js';
import { type FamilyExposure, inboundExposure, type OpenPort } from '../../net/firewall/exposure.js';
import { parseAddressRange } from '../../parsers/firewall/address-range.js';
import { type AddressRange, type Family, formatPorts, type Origin } from '../../parsers/firewall/model.js';
import { at } from '../services/discovered-services.js';
import { judgeEndpoint, targetHosts } from './endpoint-trust.js';

const exposureByContext = new WeakMap<AuditContext, Promise<FamilyExposure[] | undefined>>();

/** The inbound exposure per family, computed once per run; undefined when no firewall is active or readable. */
export function firewallExposure(ctx: AuditContext): Promise<FamilyExposure[] | undefined> {
  let exposure = exposureByContext.get(ctx);
  if (!exposure) {
    exposure = ctx.firewall().then((facts) => (facts.ruleset ? inboundExposure(facts.ruleset) : undefined));
    exposureByContext.set(ctx, exposure);
  }
  return exposure;
}

export function originEvidence(origin: Origin, detail?: string): Evidence {
  return at(origin.file, origin.line, detail ?? origin.text);
}

export function describeSources(entry: OpenPort): string {
  const who = entry.sources === 'any' ? 'anyone' : entry.sources.join(', ');
  const via = entry.interfaces ? ` on ${entry.interfaces.join(', ')}` : '';
  return `${who}${via}${entry.reach === 'possibly-open' ? ' (possibly: a rule is not understood)' : ''}`;
}

/** "ipv4 tcp/2222 open to anyone (/etc/nftables.conf:14 tcp dport 2222 accept)" */
export function openPortEvidence(entry: OpenPort): Evidence {
  const rule = entry.decidedBy[0];
  const detail = `${entry.family} tcp/${formatPorts(entry.ports)} open to ${describeSources(entry)}${rule ? `: ${rule.text}` : ''}`;
  return at(rule?.file, rule?.line, detail);
}

/** The families a bind address listens on: `0.0.0.0` IPv4, `[::]` both (dual stack), an address its own. */
export function bindFamilies(host: string): Family[] {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === '::' || bare === '*') return ['ipv4', 'ipv6'];
  return bare.includes(':') ? ['ipv6'] : ['ipv4'];
}

/** The node's addresses as the signer reaches it (`node_host`), for "open only to the node". */
export async function nodeAddresses(ctx: AuditContext): Promise<string[]> {
  const { signer } = await ctx.discovery();
  if (signer?.config.status !== 'ok') return [];
  const nodeHost = signer.config.parsed.config.nodeHost;
  const hostPort = nodeHost ? parseHostPort(nodeHost) : undefined;
  if (!nodeHost || !hostPort) return [];
  const trust = judgeEndpoint(nodeHost, await targetHosts(ctx));
  const addresses = trust?.mapped ? trust.mapped.addresses : [hostPort.host.replace(/^\[|\]$/g, '')];
  return addresses.filter((address) => classifyHost(address) !== 'loopback' && parseAddressRange(address));
}

/** Every source range of `entry` lies within the node's addresses. */
export function onlyFrom(entry: OpenPort, addresses: readonly string[]): boolean {
  if (entry.sources === 'any') return false;
  const allowed = addresses.map(parseAddressRange).filter((range) => range !== undefined);
  return entry.sources.every((source) => {
    const range = parseAddressRange(source);
    return (
      !!range &&
      allowed.some((node) => node.family === range.family && node.first <= range.first && range.last <= node.last)
    );
  });
}

/** Loopback and private blocks (as classifyHost), IPv4-mapped IPv6 included: a source inside one is trusted. */
const TRUSTED_V4 = ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];
// Parsed at the first source judged, not at load: an audit with no firewall source to judge never compiles node's IPv6
// expression (parsers/ip-version.ts).
let trustedBlockRanges: AddressRange[] | undefined;
function trustedBlocks(): readonly AddressRange[] {
  trustedBlockRanges ??= [
    ...TRUSTED_V4,
    ...TRUSTED_V4.map((block) => {
      const [address, prefix] = block.split('/');
      return `::ffff:${address}/${96 + Number(prefix)}`;
    }),
    '::1/128',
    'fc00::/7',
    'fe80::/10',
  ].map((block) => parseAddressRange(block)!);
  return trustedBlockRanges;
}

/** The whole interval lies inside one trusted block (the blocks don't touch, so one must hold it). */
function trustedRange(source: string): boolean {
  const range = parseAddressRange(source);
  return (
    !!range &&
    trustedBlocks().some(
      (block) => block.family === range.family && block.first <= range.first && range.last <= block.last,
    )
  );
}

/** Open only to private or loopback ranges. */
export function allPrivate(entry: OpenPort): boolean {
  return entry.sources !== 'any' && entry.sources.every(trustedRange);
}

export interface PortReach {
  /** Open entries for the port in the families asked for (empty: closed inbound). */
  open: OpenPort[];
  evidence: Evidence[];
}

/** Why no firewall narrows a bind: none is active, or the one enabled would be rejected at boot (named, not credited). */
export async function noFirewallEvidence(ctx: AuditContext): Promise<Evidence[]> {
  return [at(undefined, undefined, 'no active firewall narrows the bind'), ...(await rejectedEvidence(ctx))];
}

async function rejectedEvidence(ctx: AuditContext): Promise<Evidence[]> {
  const { rejected } = await ctx.firewall();
  return (rejected ?? []).map((item) => ({ ...item, detail: `firewall not credited: ${item.detail}` }));
}

/** Who can reach `port` in `families`; undefined when there is no active firewall to ask. */
export async function portReach(ctx: AuditContext, port: number, families: Family[]): Promise<PortReach | undefined> {
  const exposure = await firewallExposure(ctx);
  if (!exposure) return undefined;
  const open = exposure
    .filter((entry) => families.includes(entry.family))
    .flatMap((entry) => entry.open.filter((item) => item.ports.from <= port && port <= item.ports.to));
  const closedIn = families.filter((family) => !open.some((entry) => entry.family === family));
  const evidence = [
    ...open.map(openPortEvidence),
    ...closedIn.map((family) => at(undefined, undefined, `${family} tcp/${port}: closed inbound by the firewall`)),
    ...(await rejectedEvidence(ctx)),
  ];
  return { open, evidence };
}
