// What our table will close that the operator opened. Our input chain has `policy drop`, and a packet must pass
// every input base chain: an accept in another table (the operator's nftables, ufw, iptables) no longer admits
// anything ours drops. The operator must see exactly what harden closes, with file:line (nft(8), "base chains").

import { onlyFrom } from '../../facts/network/firewall-reach.js';
import { inboundExposure } from '../../net/firewall/exposure.js';
import {
  type FirewallChain,
  type FirewallRuleset,
  type FirewallTable,
  formatPorts,
  type Match,
  type Origin,
  type PortRange,
} from '../../parsers/firewall/model.js';
import { TABLE_NAME } from './render.js';

/** What our table admits from anyone, and the signer port from the node only. */
export interface Admitted {
  tcp: ReadonlySet<number>;
  udp: ReadonlySet<number>;
  signerPort?: number;
  nodeAddresses: readonly string[];
}

function where(origin: Origin | undefined): string {
  if (!origin?.file) return origin?.text ?? 'unknown origin';
  return `${origin.file}${origin.line ? `:${origin.line}` : ''}`;
}

function single(range: PortRange, ports: ReadonlySet<number>): boolean {
  return range.from === range.to && ports.has(range.from);
}

function sourcesOf(matches: readonly Match[]): 'any' | string[] {
  const sources = matches.flatMap((match) =>
    match.kind === 'address' && match.field === 'saddr' && !match.negate ? match.ranges.map((range) => range.text) : [],
  );
  return sources.length > 0 ? sources : 'any';
}

function admittedRange(
  protocol: 'tcp' | 'udp',
  range: PortRange,
  sources: 'any' | string[],
  admitted: Admitted,
): boolean {
  if (single(range, protocol === 'tcp' ? admitted.tcp : admitted.udp)) return true;
  if (protocol !== 'tcp' || admitted.signerPort === undefined || range.from !== range.to) return false;
  return (
    range.from === admitted.signerPort &&
    onlyFrom(
      { family: 'ipv4', ports: range, sources, reach: 'open', decidedBy: [], uncertain: [] },
      admitted.nodeAddresses,
    )
  );
}

function describe(protocol: string, ranges: readonly PortRange[], sources: 'any' | string[], origin?: Origin): string {
  const who = sources === 'any' ? 'anyone' : sources.join(', ');
  return `${protocol}/${ranges.map(formatPorts).join(',')} from ${who} (${where(origin)})`;
}

/** The input base chains and every chain they jump or go to (ufw-user-input); not Docker's forward-path chains. */
function inputChains(table: FirewallTable): FirewallChain[] {
  const byName = new Map(table.chains.map((chain) => [chain.name, chain]));
  const reached = table.chains.filter((chain) => chain.hook === 'input');
  // A set beside the list: reached.includes per jump was quadratic in the chains.
  const seen = new Set(reached);
  for (let index = 0; index < reached.length; index++) {
    for (const rule of reached[index]!.rules) {
      const next =
        rule.action.kind === 'jump' || rule.action.kind === 'goto' ? byName.get(rule.action.chain) : undefined;
      if (next && !seen.has(next)) {
        seen.add(next);
        reached.push(next);
      }
    }
  }
  return reached;
}

/** Explicit accept rules with a destination port (TCP and UDP) in tables other than ours that ours would drop. */
function closedRules(ruleset: FirewallRuleset, admitted: Admitted): string[] {
  const found: string[] = [];
  for (const table of ruleset.tables) {
    if (table.name === TABLE_NAME) continue;
    for (const chain of inputChains(table)) {
      for (const rule of chain.rules) {
        if (rule.action.kind !== 'accept') continue;
        const sources = sourcesOf(rule.matches);
        for (const match of rule.matches) {
          if (match.kind !== 'dport' || match.negate) continue;
          const protocols = match.protocols.flatMap((protocol) =>
            protocol === 'tcp' || protocol === 'udp' ? [protocol] : protocol === 'th' ? ['tcp', 'udp'] : [],
          ) as ('tcp' | 'udp')[];
          for (const protocol of protocols) {
            const closed = match.ports.filter((range) => !admittedRange(protocol, range, sources, admitted));
            if (closed.length > 0) found.push(describe(protocol, closed, sources, rule.origin));
          }
        }
      }
    }
  }
  return found;
}

/** Openings the TCP model finds that no dport rule names (an `ip saddr X accept`, a default accept). */
function closedOpenings(ruleset: FirewallRuleset, admitted: Admitted): string[] {
  const found: string[] = [];
  const operators = { ...ruleset, tables: ruleset.tables.filter((table) => table.name !== TABLE_NAME) };
  for (const family of inboundExposure(operators)) {
    if (family.defaultReach !== 'closed') {
      const origin = family.defaultDecidedBy.find((candidate) => /policy accept/.test(candidate.text));
      found.push(
        `${family.family}: every other port, TCP and UDP (${family.defaultReach === 'open' ? 'default accept' : 'possibly default accept'}, ${where(origin ?? family.defaultDecidedBy[0])})`,
      );
      continue;
    }
    for (const entry of family.open) {
      if (admittedRange('tcp', entry.ports, entry.sources, admitted)) continue;
      // The accepting rule, not the chain headers that let the packet through to it.
      const origin = entry.decidedBy.find((candidate) => !/^type |\bpolicy /.test(candidate.text));
      // The rule-level pass names dport rules already; this catches openings that name no port.
      if (origin && /\bdport\b/.test(origin.text)) continue;
      found.push(`${family.family} ${describe('tcp', [entry.ports], entry.sources, origin)}`);
    }
  }
  return found;
}

/** Every opening of `rulesets` (the active firewall, the nftables files a boot will load) our table closes. */
export function portsOurTableCloses(rulesets: readonly FirewallRuleset[], admitted: Admitted): string[] {
  const found = rulesets.flatMap((ruleset) => [
    ...closedRules(ruleset, admitted),
    ...closedOpenings(ruleset, admitted),
  ]);
  return [...new Set(found)];
}
