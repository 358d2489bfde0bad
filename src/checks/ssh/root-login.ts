// https://man.openbsd.org/sshd_config#PermitRootLogin — no direct root login.

import { PROBE_CONNECTION } from '../../discovery/sshd.js';
import { defineCheck } from '../../engine/define-check.js';
import { at } from '../../facts/services/discovered-services.js';
import { conditionalSettings, shownValue } from '../../facts/sshd/match-blocks.js';
import { appliesToSshd, settingEvidence } from '../../facts/sshd/sshd-settings.js';

export default defineCheck({
  id: 'ssh/root-login',
  title: 'sshd refuses direct root login',
  threats: ['host-compromise'],
  severity: 'high',
  description:
    'Root can read the signer key whatever the file permissions say. Logging in as an ordinary user and escalating leaves ' +
    'an audit trail and needs a second secret; a direct root login does not. Evaluated for a connection as `root` (so a ' +
    '`Match User root` block counts). `PermitRootLogin no` passes; `prohibit-password` (printed by sshd as ' +
    '`without-password`) and `forced-commands-only` still let a stolen root key in and are a warning; `yes` fails.',
  remediation:
    'Set `PermitRootLogin no` in a drop-in under /etc/ssh/sshd_config.d/ that is read first, check with `sshd -t`, and reload sshd.',
  references: ['https://man.openbsd.org/sshd_config#PermitRootLogin'],
  messages: {
    refused: 'PermitRootLogin is "no".',
    allowed: 'PermitRootLogin is "{{value}}": root may log in with a password.',
    keyOnly: 'Root may log in directly with a key (PermitRootLogin {{value}}); expected "no".',
    relaxedInMatch: 'A Match block ({{match}}) sets PermitRootLogin {{value}}.',
  },
  applies: appliesToSshd,
  async run(ctx, report) {
    const sshd = await ctx.sshd();
    const { settings, note } = await sshd.effective({ ...PROBE_CONNECTION, user: 'root' });
    if (note) report.evidence(at(undefined, undefined, note));
    const setting = settings.permitrootlogin;
    const evidence = settingEvidence('PermitRootLogin', setting);
    if (setting.value === 'no') report.pass('refused', {}, evidence);
    else if (setting.value === 'yes') report.fail('allowed', { value: setting.value }, evidence);
    else report.warn('keyOnly', { value: setting.written ?? setting.value }, evidence);
    for (const { directive, match } of conditionalSettings(sshd.config, 'permitrootlogin')) {
      const value = shownValue(directive) ?? '(a value sshd accepts)';
      if (value.toLowerCase() === 'no') continue;
      report.warn(
        'relaxedInMatch',
        { match, value },
        at(directive.file, directive.line, `${match}: PermitRootLogin ${value}`),
      );
    }
  },
});
