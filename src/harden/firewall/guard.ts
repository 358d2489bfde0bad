// The lock-out guard for the firewall, independent of the renderer: the generated text is parsed by the audit's
// own nftables reader and run through the firewall model. Established sessions must stay accepted and every
// current SSH port open to any address, in both families; otherwise nothing is offered (no override).

import { evaluateInbound, evaluatePacket } from '../../net/firewall/evaluate.js';
import { parseAddress } from '../../parsers/firewall/address-range.js';
import { FAMILIES, type Family, type FirewallRuleset } from '../../parsers/firewall/model.js';
import { matchGlob } from '../../parsers/glob.js';
import { parseNftablesConf } from '../../parsers/nftables.js';
import type { NftSources } from '../../parsers/nftables-syntax.js';

/** Addresses no rule names (TEST-NET-3, documentation prefix): "anyone". */
const STRANGER: Record<Family, string> = { ipv4: '203.0.113.77', ipv6: '2001:db8::77' };
/** A port nothing opens, for the established-session probe. */
const EPHEMERAL_PORT = 51234;

export interface GuardFinding {
  /** Which problem: sessions cut, or an SSH port closed. */
  kind: 'established' | 'ssh';
  family: Family;
  port?: number;
  message: string;
}

/** What the ruleset would cut: established sessions, or SSH ports that would no longer accept anyone. */
export function lockoutFindings(ruleset: FirewallRuleset, sshPorts: readonly number[]): GuardFinding[] {
  const findings: GuardFinding[] = [];
  for (const family of FAMILIES) {
    const established = evaluatePacket(ruleset, {
      family,
      dport: EPHEMERAL_PORT,
      saddr: parseAddress(STRANGER[family])!.value,
      oif: null,
      ctState: 'established',
    });
    if (established.reach !== 'open') {
      findings.push({
        kind: 'established',
        family,
        message: `${family}: packets of established connections are not accepted (${established.reach}); open SSH sessions would be cut`,
      });
    }
    for (const port of sshPorts) {
      const verdict = evaluateInbound(ruleset, { family, port, source: STRANGER[family] });
      if (verdict.reach !== 'open') {
        findings.push({
          kind: 'ssh',
          family,
          port,
          message: `${family}: the SSH port ${port} would be ${verdict.reach} to new connections`,
        });
      }
    }
  }
  return findings;
}

/** A connection the signer and node need to keep working: from `source` (undefined: anyone) to `port`. */
export interface NeededOpening {
  port: number;
  source?: string;
  what: string;
}

/**
 * What the ruleset would cut that the services need: the node's events to the signer endpoint, peers to the P2P port.
 * A signer cut off from its node is offline, and offline signers count towards the 30% that halts the chain.
 */
export function serviceFindings(ruleset: FirewallRuleset, needed: readonly NeededOpening[]): string[] {
  const findings: string[] = [];
  for (const opening of needed) {
    const families: Family[] = opening.source ? [opening.source.includes(':') ? 'ipv6' : 'ipv4'] : [...FAMILIES];
    for (const family of families) {
      const verdict = evaluateInbound(ruleset, {
        family,
        port: opening.port,
        source: opening.source ?? STRANGER[family],
      });
      if (verdict.reach !== 'open')
        findings.push(`${family}: ${opening.what} (tcp/${opening.port}) would be ${verdict.reach}`);
    }
  }
  return findings;
}

/** Parses nft text with our reader: the rules the audit will see after apply. */
export function parseRuleset(mainPath: string, files: ReadonlyMap<string, string>): FirewallRuleset {
  const sources: NftSources = {
    read: (path) => files.get(path),
    resolve: (pattern) => {
      const absolute = pattern.startsWith('/') ? pattern : `/etc/${pattern}`;
      if (files.has(absolute)) return [absolute];
      const slash = absolute.lastIndexOf('/');
      const dir = absolute.slice(0, slash);
      return [...files.keys()]
        .filter((path) => path.lastIndexOf('/') === slash && path.startsWith(`${dir}/`))
        .filter((path) => matchGlob(absolute.slice(slash + 1), path.slice(slash + 1)))
        .sort();
    },
  };
  return parseNftablesConf(mainPath, sources);
}

/** The operator's own SSH session (SSH_CONNECTION): its server port must stay open to its client, and established. */
export function sessionFindings(ruleset: FirewallRuleset, session: { client: string; port: number }): string[] {
  const client = parseAddress(session.client);
  if (!client) return [`SSH_CONNECTION names a client address the firewall model cannot read (${session.client})`];
  const family: Family = session.client.includes(':') ? 'ipv6' : 'ipv4';
  const findings: string[] = [];
  const reconnect = evaluateInbound(ruleset, { family, port: session.port, source: session.client });
  if (reconnect.reach !== 'open') {
    findings.push(`your SSH session's port ${session.port} would be ${reconnect.reach} to ${session.client}`);
  }
  const established = evaluatePacket(ruleset, {
    family,
    dport: session.port,
    saddr: client.value,
    oif: null,
    ctState: 'established',
  });
  if (established.reach !== 'open') {
    findings.push(`your SSH session (${session.client} to port ${session.port}) would be cut (${established.reach})`);
  }
  return findings;
}
