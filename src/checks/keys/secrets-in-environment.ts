// https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#Environment= — "not suitable for secrets".
import type { Service } from '../../discovery/types.js';
import { defineCheck } from '../../engine/define-check.js';
import type { Evidence } from '../../engine/types.js';
import { facts } from '../../facts/index.js';
import { classifyVariable, findInArgv, knownSecrets, type SecretFinding } from '../../facts/secrets/secret-values.js';
import { absent, at, NO_SIGNER, octal } from '../../facts/services/discovered-services.js';
import { serviceProcesses } from '../../facts/services/service-user.js';
import { parseExecLine } from '../../parsers/exec-command.js';

function serviceLabel(service: Service): string {
  return (
    service.unit?.name ?? (service.container ? `compose service ${service.container.name}` : `the ${service.role}`)
  );
}

function describe(finding: SecretFinding): string {
  return finding.fingerprint ? `${finding.why}; fingerprint ${finding.fingerprint}` : finding.why;
}

export default defineCheck({
  id: 'keys/secrets-in-environment',
  title: 'No key or token in service environments or command lines',
  threats: ['key-generation', 'host-compromise'],
  severity: 'high',
  description: [
    'stacks-signer reads its key only from its config file, but deployments often pass keys and tokens through the',
    "environment too (templating, `.env` files of compose projects). A variable in a unit's `Environment=` is shown to",
    'every local user by `systemctl show`; a compose `environment:` value is written in the compose file and shown by',
    "`docker inspect`; both fail. A file named by `EnvironmentFile=`, compose `env_file:`, or the compose project's",
    '`.env` may hold secrets only when it gives group and others no permission. A variable counts as a secret when its',
    'value equals a secret of the signer or node config (key compared in any encoding), has the shape of a private key',
    '(64/66 hex, `0x` allowed), or its name contains PRIVATE_KEY, AUTH, TOKEN, PASSWORD, SEED, MNEMONIC or SECRET with a',
    'non-empty value (flags such as `1`/`true`, `*_FILE`/`*_PATH` names holding a path, and `$VAR` placeholders are not',
    "secrets). The unit's `ExecStart` and the compose `command:` must not carry one either. On a live host every",
    "process command line (readable by all users in /proc) is searched for the configs' secrets, and the signer's and",
    "node's own for key-shaped arguments; offline that part cannot be evaluated, which the evidence says, and the verdict",
    'covers the rest. Secrets are named by where they are, never printed; key-shaped values get a fingerprint.',
  ].join(' '),
  remediation:
    'Remove keys and tokens from `Environment=` and compose `environment:`; keep them only in the 0600 config files (or an `EnvironmentFile=`/`env_file` made `chmod 600`, owned by the service user), pass nothing secret on command lines, and rotate any key or token that was exposed.',
  references: [
    'https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#Environment=',
    'https://docs.docker.com/compose/how-tos/environment-variables/best-practices/',
  ],
  messages: {
    unitEnvironment:
      '{{service}} sets {{name}} in Environment= ({{why}}): every local user can read it with systemctl show.',
    composeEnvironment:
      '{{service}} sets {{name}} in environment: ({{why}}): it is in the compose file and docker inspect output.',
    exposedFile: '{{file}} ({{mode}}) holds {{name}} ({{why}}) and gives group or others access.',
    commandLine: '{{service}} passes a secret on its command line ({{why}}).',
    processCommandLine:
      'Process {{pid}} ({{comm}}) has a secret on its command line ({{why}}), readable by every user in /proc.',
    unreadableFile:
      'The environment file {{file}} could not be read ({{problem}}); a key or token in it would be missed.',
    clean: 'No key or token found in {{examined}}.',
    nothingToExamine: 'No unit or container environment to examine, and no live processes (offline target).',
  },
  async applies(ctx) {
    const discovery = await ctx.discovery();
    return discovery.signer || discovery.node ? true : absent(discovery, NO_SIGNER);
  },
  async run(ctx, report) {
    const discovery = await ctx.discovery();
    const secrets = knownSecrets(discovery);
    const users = await ctx.users();
    const examined: string[] = [];
    // Compose services of one project share their .env (and may share an env_file): one finding per file and variable.
    const reportedFileVariables = new Set<string>();
    let findings = 0;
    const unread: { path: string; problem?: string }[] = [];
    for (const service of [discovery.signer, discovery.node]) {
      if (!service) continue;
      const label = serviceLabel(service);
      const { variables, files } = await facts(ctx).serviceEnvironment(service);
      if (service.unit) examined.push(`${label} Environment=/ExecStart`);
      if (service.container) examined.push(`${label} environment:/command:`);
      for (const file of files) if (file.stat && !examined.includes(file.path)) examined.push(file.path);
      for (const variable of variables) {
        const finding = classifyVariable(variable.name, variable.value, secrets);
        if (!finding) continue;
        const evidence = at(variable.file, variable.line, `${variable.origin} ${variable.name}: ${describe(finding)}`);
        if (variable.origin === 'unit Environment=') {
          findings += 1;
          report.fail('unitEnvironment', { service: label, name: variable.name, why: finding.why }, evidence);
        } else if (variable.origin === 'compose environment:') {
          findings += 1;
          report.fail('composeEnvironment', { service: label, name: variable.name, why: finding.why }, evidence);
        } else {
          const key = `${variable.file}\u0000${variable.name}`;
          if (reportedFileVariables.has(key)) continue;
          reportedFileVariables.add(key);
          const stat = files.find((file) => file.path === variable.file)?.stat;
          if (stat && (stat.mode & 0o077) !== 0) {
            findings += 1;
            const owner = `${users.userName(stat.uid)}:${users.groupName(stat.gid)}`;
            report.fail(
              'exposedFile',
              { file: variable.file ?? '', mode: octal(stat.mode), name: variable.name, why: finding.why },
              [evidence, at(variable.file, undefined, `mode ${octal(stat.mode)}, owner ${owner}`)],
            );
          } else {
            report.evidence(
              at(variable.file, variable.line, `${variable.name} is a secret in a file closed to group and others`),
            );
          }
        }
      }
      for (const file of files) if (file.problem) unread.push(file);
      const commandLines: { argv: string[]; evidence: Evidence }[] = [];
      for (const assignment of service.unit?.effective.list('Service', 'ExecStart') ?? []) {
        const argv = parseExecLine(assignment.value).commands.flatMap((command) => command.argv);
        commandLines.push({ argv, evidence: at(assignment.file, assignment.line, 'ExecStart=') });
      }
      if (service.container)
        commandLines.push({
          argv: service.container.command,
          evidence: at(service.container.file, undefined, `service ${service.container.name}: command:`),
        });
      for (const command of commandLines) {
        const finding = findInArgv(command.argv, secrets, true);
        if (!finding) continue;
        findings += 1;
        report.fail(
          'commandLine',
          { service: label, why: finding.why },
          { ...command.evidence, detail: `${command.evidence.detail} ${describe(finding)}` },
        );
      }
    }
    if (ctx.target.live) {
      examined.push('process command lines');
      const own = new Set(
        [...(await serviceProcesses(ctx, 'signer')), ...(await serviceProcesses(ctx, 'node'))].map(
          (process) => process.pid,
        ),
      );
      for (const process of await ctx.target.processes()) {
        const finding = findInArgv(process.argv, secrets, own.has(process.pid));
        if (!finding) continue;
        findings += 1;
        const evidence = at(
          undefined,
          undefined,
          `pid ${process.pid} (${process.comm}), uid ${users.userName(process.uid)}: ${describe(finding)}`,
        );
        report.fail('processCommandLine', { pid: process.pid, comm: process.comm, why: finding.why }, evidence);
      }
    } else {
      report.evidence(at(undefined, undefined, 'process command lines: not evaluable on an offline target'));
    }
    // Fail closed: an environment file that could not be read may hold the key, so it is an error (exit 2), never a
    // pass; a failure already found stands, the unread file named in its evidence.
    for (const file of unread) {
      const evidence = at(file.path, undefined, `not read: ${file.problem}`);
      if (findings > 0) report.evidence(evidence);
      else report.error('unreadableFile', { file: file.path, problem: file.problem ?? '' }, evidence);
    }
    if (findings > 0 || unread.length > 0) return;
    if (examined.length === 0) return report.notApplicable('nothingToExamine');
    report.pass('clean', { examined: examined.join(', ') });
  },
});
