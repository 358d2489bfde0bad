// https://docs.stacks.co/operate/run-a-signer — one key, one signer: two hosts with the same key double-sign.
import { defineFleetCheck } from '../../engine/define-fleet-check.js';
import { groupBy, hostList } from '../../fleet/fleet-hosts.js';

export default defineFleetCheck({
  id: 'fleet/duplicate-signer-key',
  title: 'No signer key is on two hosts',
  threats: ['host-compromise', 'key-generation'],
  severity: 'critical',
  description: [
    'Compares the signer keys of every audited host (by the SHA-256 of the key bytes, never the key) and fails when',
    'one key is configured on more than one host. Two signers with one key sign conflicting messages (the network',
    'sees one signer equivocating), and every extra host holding the key is one more place it can be stolen from:',
    'a "hot spare" is a copy. No single-host audit can see this. Not applicable when no audited host has a valid key.',
  ].join(' '),
  remediation:
    'Keep each signer key on exactly one host. Remove the key from the spare (keep a cold, encrypted backup instead: `signer-opsec key backup`), and if a copy may have leaked, rotate the key.',
  references: ['https://docs.stacks.co/operate/run-a-signer'],
  messages: {
    duplicate: 'The signer key {{fingerprint}} is configured on {{count}} hosts: {{hosts}}.',
    unique: 'Each of the {{count}} signer keys found is on one host only.',
    noKeys: 'No audited host has a valid signer key to compare.',
  },
  run(hosts, report) {
    const withKey = hosts.filter((host) => host.facts.signerKey);
    if (withKey.length === 0) return report.notApplicable('noKeys');
    const byKey = groupBy(withKey, (host) => host.facts.signerKey!.digest);
    let duplicates = 0;
    for (const group of byKey.values()) {
      if (group.length < 2) continue;
      duplicates++;
      const key = group[0]!.facts.signerKey!;
      report.fail(
        'duplicate',
        { fingerprint: key.fingerprint, count: group.length, hosts: hostList(group) },
        group.map((host) => ({
          file: host.facts.signerKey!.file,
          detail: `${host.name}: signer key ${key.fingerprint} (public key ${key.publicKey})`,
        })),
      );
    }
    if (duplicates === 0) report.pass('unique', { count: byKey.size });
  },
});
