// https://docs.stacks.co/operate/run-a-signer/opsec-best-practices — the key must survive the host without extra copies on it.
import { defineCheck } from '../../engine/define-check.js';

export default defineCheck({
  id: 'practice/cold-backup',
  title: 'The signer key has an encrypted offline backup',
  threats: ['key-generation'],
  severity: 'medium',
  description: [
    'A signer whose only key copy dies with its disk stays offline until a new key is registered for a later reward cycle,',
    'and every offline signer counts towards the 30% that halts block acceptance. The opposite mistake is as bad: backups',
    "in a cloud drive, a VM snapshot or the host's own backup job are copies an attacker can reach. Only a person can",
    'confirm where the backups are.',
    '',
    'What good looks like: the key (or the mnemonic it came from) is kept encrypted (e.g. `gpg --symmetric --cipher-algo',
    'AES256`, or an encrypted USB volume with a long passphrase) on offline media in two separate physical places (a safe',
    'and a bank box, say); the passphrase is stored apart from the media. Restoring has been tested on an offline machine',
    'by decrypting and checking the derived public key against `stacks-signer check-config` output, never by loading the',
    'backup onto a networked host. Host backups, snapshots and images of the signer exclude the config file or are',
    'encrypted with keys held elsewhere.',
  ].join('\n'),
  remediation: [
    'Make two encrypted offline copies stored in different places, record (without the secret) where they are and who',
    'may access them, test a restore offline once a year, and exclude the signer config from host backups and',
    'snapshots, or encrypt those with keys the host does not hold.',
  ].join(' '),
  references: ['https://docs.stacks.co/operate/run-a-signer/opsec-best-practices'],
  messages: {
    confirm:
      'Confirm the signer key is backed up encrypted on offline media in two separate places, the passphrase kept apart, a restore tested offline against the public key, and host backups and snapshots exclude or encrypt the config.',
  },
  run(_ctx, report) {
    report.manual('confirm');
  },
});
