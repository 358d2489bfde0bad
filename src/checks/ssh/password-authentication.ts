// https://man.openbsd.org/sshd_config#PasswordAuthentication — key-only logins.
import { defineCheck } from '../../engine/define-check.js';
import { at } from '../../facts/services/discovered-services.js';
import { conditionalSettings, shownValue } from '../../facts/sshd/match-blocks.js';
import { appliesToSshd, settingEvidence, sourceEvidence } from '../../facts/sshd/sshd-settings.js';
import type { SshdSetting } from '../../parsers/sshd-config.js';

const REQUIRED = [
  ['passwordauthentication', 'PasswordAuthentication', 'no'],
  ['kbdinteractiveauthentication', 'KbdInteractiveAuthentication', 'no'],
  ['pubkeyauthentication', 'PubkeyAuthentication', 'yes'],
] as const;

export default defineCheck({
  id: 'ssh/password-authentication',
  title: 'sshd accepts public keys only',
  threats: ['host-compromise'],
  severity: 'high',
  description:
    'A signer host reachable over SSH with passwords can be brute-forced or phished into; keys cannot be guessed. ' +
    'Passes when the effective configuration has `PasswordAuthentication no`, `KbdInteractiveAuthentication no` ' +
    '(its old name `ChallengeResponseAuthentication` counts; with `UsePAM yes` keyboard-interactive is a password prompt) ' +
    'and `PubkeyAuthentication yes`. Live hosts are read with `sshd -T` for a connection no Match block singles out; ' +
    'offline, the files are evaluated the way sshd does. A Match block that turns passwords back on for some users or ' +
    'addresses is a warning.',
  remediation:
    'Put `PasswordAuthentication no`, `KbdInteractiveAuthentication no` and `PubkeyAuthentication yes` in a drop-in that is ' +
    'read first (e.g. /etc/ssh/sshd_config.d/10-signer.conf — sshd keeps the first value it sees), check with `sshd -t`, ' +
    'then reload sshd while keeping your current session open.',
  references: [
    'https://man.openbsd.org/sshd_config#PasswordAuthentication',
    'https://man.openbsd.org/sshd_config#KbdInteractiveAuthentication',
  ],
  messages: {
    keyOnly: 'Only public-key authentication is enabled ({{source}}).',
    wrong: '{{name}} is "{{value}}" ({{where}}); expected "{{expected}}".',
    methodsForceKeys:
      'AuthenticationMethods "{{methods}}" requires a public key for every login, so passwords alone never suffice.',
    relaxedInMatch: 'A Match block ({{match}}) sets {{name}} {{value}} for the connections it selects.',
  },
  applies: appliesToSshd,
  async run(ctx, report) {
    const sshd = await ctx.sshd();
    const { settings, source, note } = await sshd.effective();
    report.evidence(sourceEvidence(source));
    if (note) report.evidence(at(undefined, undefined, note));
    const methods = settings.authenticationmethods.value;
    // Every list starting with publickey: a password can only ever be a second factor.
    const keysRequired = methods !== 'any' && methods.split(' ').every((list) => list.split(',')[0] === 'publickey');
    let failed = false;
    for (const [key, name, expected] of REQUIRED) {
      const setting = settings[key] as SshdSetting<string>;
      if (setting.value === expected) {
        report.evidence(settingEvidence(name, setting));
        continue;
      }
      if (keysRequired && key !== 'pubkeyauthentication') continue;
      failed = true;
      report.fail(
        'wrong',
        {
          name,
          value: setting.value,
          expected,
          where: setting.file ? `${setting.file}:${setting.line}` : "sshd's default",
        },
        settingEvidence(name, setting),
      );
    }
    if (keysRequired && !failed)
      report.pass(
        'methodsForceKeys',
        { methods },
        settingEvidence('AuthenticationMethods', settings.authenticationmethods),
      );
    for (const keyword of ['passwordauthentication', 'kbdinteractiveauthentication'] as const) {
      for (const { directive, match } of conditionalSettings(sshd.config, keyword)) {
        const value = shownValue(directive);
        if (value?.toLowerCase() !== 'yes') continue;
        report.warn(
          'relaxedInMatch',
          { match, name: directive.written, value },
          at(directive.file, directive.line, `${match}: ${directive.written} ${value}`),
        );
      }
    }
    if (!failed && !keysRequired) report.pass('keyOnly', { source });
  },
});
