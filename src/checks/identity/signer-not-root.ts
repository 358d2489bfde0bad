// https://docs.stacks.co/operate/run-a-signer/opsec-best-practices — run the stacks-signer as a distinct unprivileged user.
import type { ComposeService } from '../../discovery/compose.js';
import type { SignerService } from '../../discovery/types.js';
import type { AuditContext } from '../../engine/context.js';
import { defineCheck, type Reporter } from '../../engine/define-check.js';
import { parseContainerUser } from '../../facts/accounts/service-accounts.js';
import { containerEvidence, containerLabel } from '../../facts/containers/stacks-containers.js';
import { facts } from '../../facts/index.js';
import { appliesToSigner, at } from '../../facts/services/discovered-services.js';
import { serviceProcesses } from '../../facts/services/service-user.js';

const messages = {
  unitNoUser: '{{unit}} sets no User=: a system unit runs the signer as root.',
  unitRoot: '{{unit}} runs the signer as {{user}}, which is uid 0.',
  unitUser: '{{unit}} runs the signer as {{user}} (uid {{uid}}).',
  unitDynamic: '{{unit}} runs the signer with DynamicUser=yes (a transient unprivileged uid).',
  unitUnknownUser:
    "{{unit}} sets User={{user}}, which the target's /etc/passwd does not define: systemd will refuse to start the signer unless another name service knows the user.",
  containerNoUser: 'The {{container}} sets no user: the official stacks-signer image has no USER and runs as root.',
  containerRoot: 'The {{container}} runs the signer as "{{user}}", which is root.',
  containerUser: 'The {{container}} runs the signer as "{{user}}".',
  processRoot: 'stacks-signer process {{pid}} runs as root.',
  processUser: 'stacks-signer process {{pid}} runs as {{user}} (uid {{uid}}).',
  offline:
    "No systemd unit or compose service declares the signer's user, and an offline target has no running processes: run on the live host, or pass --signer-unit.",
  notRunning: "No systemd unit or compose service declares the signer's user, and no stacks-signer process is running.",
} as const;
type MessageId = keyof typeof messages;

async function judgeUnit(ctx: AuditContext, signer: SignerService, report: Reporter<MessageId>): Promise<void> {
  const account = await facts(ctx).serviceUser({ ...signer, container: undefined });
  const unit = signer.unit!.name;
  if (!account) return;
  if (account.dynamic) return report.pass('unitDynamic', { unit }, account.evidence);
  const written = signer.unit!.effective.get('Service', 'User')?.value;
  // DynamicUser=yes resolved to a static user of its name: that user, whether or not User= names it.
  const staticDynamic = signer.unit!.effective.bool('Service', 'DynamicUser') === true ? account.name : undefined;
  const user = written ?? staticDynamic;
  if (!user) return report.fail('unitNoUser', { unit }, account.evidence);
  if (account.isRoot) return report.fail('unitRoot', { unit, user }, account.evidence);
  if (account.uid === undefined) return report.warn('unitUnknownUser', { unit, user }, account.evidence);
  report.pass('unitUser', { unit, user: account.name ?? user, uid: account.uid }, account.evidence);
}

async function judgeContainer(
  ctx: AuditContext,
  container: ComposeService,
  report: Reporter<MessageId>,
): Promise<void> {
  const parsed = parseContainerUser(container.user);
  const setting = container.origin === 'compose' ? 'user:' : 'Config.User';
  const evidence = await containerEvidence(
    ctx,
    container,
    'user',
    parsed.written === '' ? `no ${setting} (the image's default: root)` : `${setting} ${parsed.written}`,
  );
  const label = containerLabel(container);
  if (parsed.written === '') report.fail('containerNoUser', { container: label }, evidence);
  else if (parsed.root) report.fail('containerRoot', { container: label, user: parsed.written }, evidence);
  else report.pass('containerUser', { container: label, user: parsed.written }, evidence);
}

export default defineCheck({
  id: 'identity/signer-not-root',
  title: 'The signer does not run as root',
  threats: ['host-compromise'],
  severity: 'critical',
  description: [
    'A signer running as root turns any flaw in stacks-signer or its dependencies (the event endpoint accepts unauthenticated',
    'requests) into full control of the host, and with it the key, every other secret and the ability to hide. Run it as a',
    'dedicated unprivileged account.',
    '',
    'What is read: the effective systemd unit (drop-ins applied): `User=` must be set and resolve to a uid other than 0',
    "through the target's /etc/passwd (an unset `User=` runs a system unit as root); `DynamicUser=yes` passes (systemd",
    'allocates a transient unprivileged uid; a static user of its name, `User=` or else the unit name, is used instead when the passwd has one). A compose service must set `user:` to a non-root uid or name: the official',
    '`stacks-signer` images have no `USER`, so an unset `user:` runs as root. Containers the engine records (its state',
    'under `/var/lib/docker/containers`, a `--docker-inspect` file, or the live engine) are read the same way, from',
    '`Config.User`; a container compose created is judged both from its compose files and from the engine record, since',
    'the two can differ (an override file, a compose file edited since `docker compose up`). Every signer found is judged, the unit',
    'and each signer container alike (a container run beside a unit counts), and the result names the one that runs as root.',
    'A `User=` name the passwd does not know is a',
    "warning: systemd won't start the unit unless another name service (LDAP, sssd) provides it. On a live host every running",
    '`stacks-signer` process is checked as well, by its real uid, and named by pid: a signer started by hand as root fails',
    'even when the unit is right.',
    '',
    'When neither a unit nor a compose service declares the user and the target is offline (a disk image), there is nothing',
    'that says who runs the signer: the result is `not_evaluable`.',
  ].join('\n'),
  remediation: [
    'Create a system account (`useradd --system --home-dir /var/lib/stacks-signer --shell /usr/sbin/nologin stacks-signer`),',
    'set `User=stacks-signer` (or `DynamicUser=yes`) in the unit or a drop-in, give that user the config and database, then',
    '`systemctl daemon-reload && systemctl restart stacks-signer`. For compose, set `user: "<uid>:<gid>"` to a non-zero uid that',
    'owns the bind-mounted config and data.',
  ].join(' '),
  references: [
    'https://docs.stacks.co/operate/run-a-signer/opsec-best-practices',
    'https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#User=',
    'https://docs.docker.com/reference/compose-file/services/#user',
  ],
  messages,
  applies: appliesToSigner,
  async run(ctx, report) {
    const { signer } = await ctx.discovery();
    if (!signer) return;
    if (signer.unit) await judgeUnit(ctx, signer, report);
    // Every known signer counts, the unit and each container, whichever discovery audits: a compose service and the
    // engine's record of the container it created can disagree, and a container can run beside a unit. Any as root fails.
    const containers = (await facts(ctx).stacksContainers()).filter((container) => container.role === 'signer');
    for (const container of containers) await judgeContainer(ctx, container, report);

    const users = await ctx.users();
    const processes = (await serviceProcesses(ctx, 'signer')).filter((process) => process.uid >= 0);
    for (const process of processes) {
      const evidence = at(undefined, undefined, `pid ${process.pid} (${process.comm}) uid ${process.uid}`);
      if (process.uid === 0) report.fail('processRoot', { pid: process.pid }, evidence);
      else
        report.pass('processUser', { pid: process.pid, user: users.userName(process.uid), uid: process.uid }, evidence);
    }
    if (!signer.unit && containers.length === 0 && processes.length === 0) {
      report.notEvaluable(ctx.target.live ? 'notRunning' : 'offline');
    }
  },
});
