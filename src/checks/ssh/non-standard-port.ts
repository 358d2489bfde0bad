// https://man.openbsd.org/sshd_config#Port — noise reduction, not protection.
import { defineCheck } from '../../engine/define-check.js';
import { at } from '../common.js';
import { appliesToSshd, settingEvidence, sourceEvidence } from './sshd-facts.js';

export default defineCheck({
  id: 'ssh/non-standard-port',
  title: 'sshd listens on a port other than 22',
  threats: ['host-compromise'],
  severity: 'low',
  description:
    'Moving sshd off port 22 protects nothing against a targeted attacker, but it removes the bulk of internet-wide ' +
    'brute-force noise from the logs, so that a real attempt stands out. Fails when any `Port` (sshd listens on all of ' +
    'them) is 22, including the default when no Port is set.',
  remediation:
    'Set `Port <n>` (e.g. 2222) in a drop-in under /etc/ssh/sshd_config.d/, open that port in the firewall first, reload ' +
    'sshd and log in on the new port in a second session before closing the first.',
  references: ['https://man.openbsd.org/sshd_config#Port'],
  messages: {
    // "configured for": offline, or with sshd stopped, nothing listens; the config is what is judged.
    moved: 'sshd is configured for port {{ports}}.',
    standard: 'sshd is configured for port 22{{others}}.',
  },
  applies: appliesToSshd,
  async run(ctx, report) {
    const { settings, source, note } = await (await ctx.sshd()).effective();
    report.evidence(sourceEvidence(source));
    if (note) report.evidence(at(undefined, undefined, note));
    const ports = settings.ports;
    const evidence = ports.map((port) => settingEvidence('Port', port));
    const others = ports.filter((port) => port.value !== 22).map((port) => port.value);
    if (ports.some((port) => port.value === 22)) {
      report.fail('standard', { others: others.length ? ` (and ${others.join(', ')})` : '' }, evidence);
    } else {
      report.pass('moved', { ports: ports.map((port) => port.value).join(', ') }, evidence);
    }
  },
});
