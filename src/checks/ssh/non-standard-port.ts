// https://man.openbsd.org/sshd_config#Port — noise reduction, not protection.
import { findSshPorts, portNumbers } from '../../discovery/ssh-ports.js';
import { defineCheck } from '../../engine/define-check.js';
import { at } from '../../facts/services/discovered-services.js';
import { appliesToSshd, sourceEvidence } from '../../facts/sshd/sshd-settings.js';

export default defineCheck({
  id: 'ssh/non-standard-port',
  title: 'sshd listens on a port other than 22',
  threats: ['host-compromise'],
  severity: 'low',
  description:
    'Moving sshd off port 22 protects nothing against a targeted attacker, but it removes the bulk of internet-wide ' +
    'brute-force noise from the logs, so that a real attempt stands out. Fails when any port sshd serves is 22. The ' +
    'ports are taken with their precedence: live, the ports sshd processes hold; an enabled `ssh.socket` hands sshd ' +
    "its `ListenStream=` sockets (sshd_config `Port` is then not listened on); `-p` in the ssh unit's `ExecStart` " +
    '(after `EnvironmentFile=`, e.g. `SSHD_OPTS`) replaces `Port` (sshd(8)); a `ListenAddress` with a port listens ' +
    'there only; otherwise every `Port`, 22 by default.',
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
    const sshd = await ctx.sshd();
    const { source, note } = await sshd.effective();
    report.evidence(sourceEvidence(source));
    if (note) report.evidence(at(undefined, undefined, note));
    const served = (await findSshPorts(ctx.target, sshd)).listening;
    const evidence = served.map((entry) => at(entry.file, entry.line, `${entry.source} ${entry.port}`));
    const ports = portNumbers(served);
    const others = ports.filter((port) => port !== 22);
    if (ports.includes(22)) {
      report.fail('standard', { others: others.length ? ` (and ${others.join(', ')})` : '' }, evidence);
    } else {
      report.pass('moved', { ports: ports.join(', ') }, evidence);
    }
  },
});
