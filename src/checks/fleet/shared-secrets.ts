// https://docs.stacks.co/reference/signer-configuration — auth_password / auth_token are per signer–node pair.
import { defineFleetCheck, type FleetHost } from '../../engine/define-fleet-check.js';
import { groupBy, hostList, nodeHostTarget } from '../../fleet/fleet-hosts.js';

interface Holder {
  host: FleetHost;
  file: string;
  fingerprint: string;
  digest: string;
  what: string;
}

export default defineFleetCheck({
  id: 'fleet/shared-secrets',
  title: 'No auth token or bitcoind password is reused across hosts',
  threats: ['host-compromise'],
  severity: 'high',
  description: [
    "Compares, across the audited hosts, the signer `auth_password`, the node's `auth_token` (and the legacy",
    '`block_proposal_token`) and the bitcoind RPC `password`, by a slow (scrypt) digest, never the value. A value',
    'found on more than one host fails: one compromised host then hands the attacker the token of every other signer',
    "or node (the signer's endpoint and the node's block-proposal API trust it), or every bitcoind. The one sharing",
    "that must happen is allowed: a signer's `auth_password` equal to the `auth_token` of the node its `node_host`",
    'names on another audited host.',
  ].join(' '),
  remediation:
    'Give each signer–node pair its own random token (`openssl rand -hex 32`) and each bitcoind its own RPC password; update both sides of each pair and restart them.',
  references: ['https://docs.stacks.co/reference/signer-configuration'],
  messages: {
    shared: 'The {{what}} {{fingerprint}} is the same on {{count}} hosts: {{hosts}}.',
    distinct: 'The {{count}} tokens and passwords found are each on one host (or one signer–node pair).',
    none: 'No audited host has an auth token or bitcoind password to compare.',
  },
  run(hosts, report) {
    const holders: Holder[] = hosts.flatMap((host) => [
      ...host.facts.tokens.map((token) => ({ host, ...token, what: token.kind })),
      ...(host.facts.bitcoindPassword ? [{ host, ...host.facts.bitcoindPassword, what: 'bitcoind password' }] : []),
    ]);
    if (holders.length === 0) return report.notApplicable('none');
    let shared = 0;
    for (const group of groupBy(holders, (holder) => holder.digest).values()) {
      const distinctHosts = [...new Set(group.map((holder) => holder.host))];
      if (distinctHosts.length < 2) continue;
      // A signer and the node its node_host names share the token by design.
      const pair =
        distinctHosts.length === 2 &&
        distinctHosts.some((host) => nodeHostTarget(host, hosts) === distinctHosts.find((other) => other !== host));
      if (pair) continue;
      shared++;
      const first = group[0]!;
      report.fail(
        'shared',
        {
          what: first.what,
          fingerprint: first.fingerprint,
          count: distinctHosts.length,
          hosts: hostList(distinctHosts),
        },
        group.map((holder) => ({
          file: holder.file,
          detail: `${holder.host.name}: ${holder.what} ${holder.fingerprint}`,
        })),
      );
    }
    if (shared === 0) report.pass('distinct', { count: new Set(holders.map((holder) => holder.digest)).size });
  },
});
