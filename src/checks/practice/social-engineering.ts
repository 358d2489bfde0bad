// https://docs.stacks.co/operate/run-a-signer/opsec-best-practices — social engineering against the signer community harvests key material.
import { defineCheck } from '../../engine/define-check.js';

export default defineCheck({
  id: 'practice/social-engineering',
  title: 'Operators know no one ever needs the signer key',
  threats: ['social-engineering'],
  severity: 'high',
  description: [
    'The cheapest way to a signer key is to ask for it: a "support agent" in Discord, a fake upgrade guide, a link to a',
    '"signer health check" site that wants the config, or a message that seems to come from a colleague. No legitimate',
    'process ever needs the private key, a mnemonic or the auth password: not Stacks core developers, not a pool, not a',
    'monitoring service, not this tool. Only the people running the signer can make sure everyone with access knows it.',
    '',
    'What good looks like: a written rule, known to everyone with access to the signer host or its backups, that the key,',
    'the mnemonic, the config file and the auth password are never pasted into chat, email, tickets, support forms,',
    'AI assistants or websites, and never shown on a screen share. Diagnostics are shared with `stacks-signer',
    'check-config` output (it prints the public key, not the secret) or with logs, which never contain the key.',
    'Requests for key material are reported, not answered, and upgrade instructions are taken only from the',
    'stacks-network GitHub releases and docs.stacks.co. The team knows the key-compromise plan: who rotates the key',
    'and how.',
  ].join('\n'),
  remediation: [
    'Write the rule down where the team keeps its runbooks, repeat it to everyone who gets host or backup access, and',
    'rehearse the response: on any suspected disclosure, generate a new key offline and move the stacking registration',
    'to it. When sharing diagnostics, share `stacks-signer check-config --config <file>` output, never the config file.',
  ].join(' '),
  references: ['https://docs.stacks.co/operate/run-a-signer/opsec-best-practices'],
  messages: {
    confirm:
      'Confirm everyone with access to the signer knows that nobody legitimately needs the key, mnemonic, config or auth password: never paste them into chat, support, tickets, AI tools or websites, and share `stacks-signer check-config` output instead.',
  },
  run(_ctx, report) {
    report.manual('confirm');
  },
});
