// https://docs.stacks.co/operate/run-a-signer/opsec-best-practices — the signer key can be compromised during generation or deployment.
import { defineCheck } from '../../engine/define-check.js';

export default defineCheck({
  id: 'practice/offline-key-generation',
  title: 'The signer key was generated offline and deployed without copies',
  threats: ['key-generation'],
  severity: 'high',
  description: [
    'A key is most exposed the moment it is created: on a networked laptop it passes through shell history, terminal',
    'scrollback, clipboard managers, cloud-synced folders and logs, and every one of those is a copy an attacker can',
    'find later. No file on the signer host can prove how the key was made, so a person has to confirm it.',
    '',
    'What good looks like: the key was generated on an air-gapped machine (a laptop with networking removed or a live',
    'USB system such as Tails booted with networking off), with output redirected to a file on encrypted removable media',
    'rather than printed, e.g. `npx @stacks/cli make_keychain > /media/usb/keychain.json` run from a package cache copied',
    'over beforehand. The key reached the signer host once, over an encrypted channel the operator controls (`scp` from the',
    'offline medium, or typed into the config with an editor that keeps no backup), straight into the config file',
    'with mode 0600 owned by the signer user. The key never appeared on a command line, in an environment variable, in a',
    'shell history, a ticket, a chat, a password manager shared with others, or a CI secret. Afterwards the transfer',
    'medium was wiped or stored with the cold backup, and the generating machine kept no copy.',
  ].join('\n'),
  remediation: [
    'Confirm each point above with whoever generated the key. If any is doubtful (generated online, pasted into a chat,',
    'left in a history file or a download folder), treat the key as exposed: generate a new one offline, update the',
    'stacking registration to the new signer key at the next reward cycle, and retire the old one. `keys/key-copies-on-host`',
    'and `keys/key-in-git` look for copies left on this host.',
  ].join(' '),
  references: ['https://docs.stacks.co/operate/run-a-signer/opsec-best-practices', 'https://tails.net/'],
  messages: {
    confirm:
      'Confirm the signer key was generated on an air-gapped machine, written straight to encrypted removable media (never printed, pasted or put in a command line or environment variable), and copied once into the signer config; otherwise rotate it.',
  },
  run(_ctx, report) {
    report.manual('confirm');
  },
});
