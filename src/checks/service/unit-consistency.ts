// https://docs.stacks.co/operate/run-a-signer/opsec-best-practices — the guide's unit checks /etc but starts the signer with a config under /home while ProtectHome=true.
import { posix } from 'node:path';
import type { SignerService } from '../../discovery/types.js';
import type { LoadedUnit } from '../../discovery/units.js';
import type { AuditContext } from '../../engine/context.js';
import { defineCheck, type Reporter } from '../../engine/define-check.js';
import type { Evidence } from '../../engine/types.js';
import { at } from '../../facts/services/discovered-services.js';
import { summariseExecLine } from '../../facts/services/exec-lines.js';
import {
  isAtOrBelow,
  normalisePath,
  pathAccess,
  type SandboxRule,
  sandboxRules,
} from '../../facts/services/sandbox-paths.js';
import { type Condition, unitConditions } from '../../facts/services/unit-conditions.js';
import { appliesToSignerUnit, loadedUnit, where } from '../../facts/services/unit-settings.js';
import { findConfigArg } from '../../parsers/exec-command.js';
import type { EffectiveUnit } from '../../parsers/systemd-unit.js';

const messages = {
  noConfigArg:
    '{{unit}} starts {{binary}} without `run --config FILE`: the signer has no config to read and will not start.',
  configMissing: '{{unit}} starts the signer with --config {{config}}, which does not exist on this host.',
  configNotFile: '{{unit}} starts the signer with --config {{config}}, which is a {{type}}, not a file.',
  configHidden:
    '{{rule}} hides {{area}} from the service, but ExecStart= passes --config {{config}}, which is inside it: the signer cannot read its config and will not start.',
  configReadable: 'The config {{config}} that ExecStart= passes exists and the sandbox lets the service read it.',
  binaryMissing: '{{unit}} runs {{binary}}, which does not exist on this host.',
  binaryNotExecutable: '{{unit}} runs {{binary}}, which is not executable (mode {{mode}}).',
  fileNotEmptyOther:
    'ConditionFileNotEmpty={{path}} ({{where}}) checks a different file than the config ExecStart= passes to the signer ({{config}}): systemd checks one file, the signer reads another.',
  pathExistsOther:
    'ConditionPathExists={{path}} ({{where}}) is neither the config ExecStart= passes ({{config}}), a directory above it, nor the signer binary.',
  executableOther: 'ConditionFileIsExecutable={{path}} ({{where}}) is not the binary ExecStart= runs ({{binary}}).',
  negated:
    "{{condition}}=!{{path}} ({{where}}) requires the signer's {{what}} to be absent: systemd skips the unit while it is in place.",
  conditionsMatch: "The unit's conditions ({{conditions}}) check the config and binary that ExecStart= uses.",
  dbHidden:
    '{{rule}} hides {{area}} from the service, but the signer database {{db}} (db_path) is inside it: the signer cannot open its database.',
  dbReadOnly:
    'The signer database directory {{dir}} is read-only for the service ({{rule}}) and no ReadWritePaths= or StateDirectory= makes it writable: the signer cannot write its database.',
  dbWritable: 'The signer database directory {{dir}} is writable for the service ({{how}}).',
  dbInMemory: 'db_path is :memory:: the signer writes no database file.',
} as const;
type MessageId = keyof typeof messages;

/** A path written in the unit or config, as the service sees it: relative ones start at WorkingDirectory= (default /). */
function servicePath(path: string, unit: EffectiveUnit): string {
  if (path.startsWith('/')) return normalisePath(path);
  const workingDirectory = unit.get('Service', 'WorkingDirectory')?.value.replace(/^-/, '');
  const base = workingDirectory?.startsWith('/') ? workingDirectory : '/';
  return normalisePath(posix.join(base, path));
}

function conditionEvidence(condition: Condition, detail: string): Evidence {
  return at(
    condition.assignment.file,
    condition.assignment.line,
    `${condition.key}=${condition.assignment.value}: ${detail}`,
  );
}

function judgeConditions(
  unit: LoadedUnit,
  paths: { config: string | undefined; binary: string },
  report: Reporter<MessageId>,
): void {
  const { config, binary } = paths;
  const relevant = unitConditions(unit.effective).filter((condition) =>
    ['ConditionFileNotEmpty', 'ConditionPathExists', 'ConditionFileIsExecutable'].includes(condition.key),
  );
  let mismatches = 0;
  for (const condition of relevant) {
    const path = normalisePath(condition.path);
    const data = { path, where: where(condition.assignment), config: config ?? '(none)', binary };
    const aboveConfig = config !== undefined && isAtOrBelow(config, path);
    const aboveBinary = isAtOrBelow(binary, path);
    if (condition.negated) {
      const what =
        condition.key === 'ConditionFileIsExecutable'
          ? path === binary && 'binary'
          : condition.key === 'ConditionFileNotEmpty'
            ? path === config && 'config'
            : (aboveConfig && 'config') || (aboveBinary && 'binary');
      if (what) {
        mismatches++;
        report.fail(
          'negated',
          { ...data, condition: condition.key, what },
          conditionEvidence(condition, `negated check on the ${what}`),
        );
      }
      continue;
    }
    if (condition.key === 'ConditionFileNotEmpty' && config !== undefined && path !== config) {
      mismatches++;
      report.fail('fileNotEmptyOther', data, conditionEvidence(condition, `ExecStart= reads ${config}`));
    } else if (condition.key === 'ConditionPathExists' && !aboveConfig && !aboveBinary) {
      mismatches++;
      report.fail('pathExistsOther', data, conditionEvidence(condition, `not ${config ?? 'the config'} or above it`));
    } else if (condition.key === 'ConditionFileIsExecutable' && path !== binary) {
      mismatches++;
      report.fail('executableOther', data, conditionEvidence(condition, `ExecStart= runs ${binary}`));
    }
  }
  if (relevant.length > 0 && mismatches === 0) {
    const conditions = relevant.map((condition) => `${condition.key}=${condition.assignment.value}`).join(', ');
    report.pass(
      'conditionsMatch',
      { conditions },
      relevant.map((condition) => conditionEvidence(condition, 'matches ExecStart=')),
    );
  }
}

function ruleEvidence(rule: SandboxRule | undefined, detail: string): Evidence {
  return at(rule?.file, rule?.line, rule ? `${rule.directive}: ${detail}` : detail);
}

async function judgeBinary(
  ctx: AuditContext,
  unit: LoadedUnit,
  binary: string,
  report: Reporter<MessageId>,
): Promise<void> {
  if (!binary.startsWith('/')) return; // a bare name is looked up in systemd's PATH; nothing to compare
  const stat = await ctx.target.stat(binary);
  const execStart = unit.effective.list('Service', 'ExecStart').at(-1);
  const evidence = at(execStart?.file, execStart?.line, `ExecStart= runs ${binary}`);
  if (!stat) return report.fail('binaryMissing', { unit: unit.name, binary }, evidence);
  if (stat.type !== 'file' || (stat.mode & 0o111) === 0) {
    report.fail(
      'binaryNotExecutable',
      { unit: unit.name, binary, mode: `0${(stat.mode & 0o7777).toString(8)}` },
      evidence,
    );
  }
}

async function judgeConfig(
  ctx: AuditContext,
  unit: LoadedUnit,
  config: string,
  rules: readonly SandboxRule[],
  report: Reporter<MessageId>,
  execStart: Evidence,
): Promise<void> {
  let execEvidence: Evidence | undefined = execStart;
  const data = { unit: unit.name, config };
  const verdict = pathAccess(config, rules);
  if (verdict.access === 'hidden') {
    const area = verdict.rule?.path ?? config;
    report.fail('configHidden', { ...data, rule: verdict.rule?.source ?? 'the sandbox', area }, [
      execEvidence,
      ruleEvidence(verdict.rule, `${area} is inaccessible to the service`),
    ]);
    execEvidence = undefined; // named once is enough
  }
  const stat = await ctx.target.stat(config);
  if (!stat) return report.fail('configMissing', data, execEvidence);
  if (stat.type !== 'file')
    return report.fail(
      'configNotFile',
      { ...data, type: stat.type === 'dir' ? 'directory' : 'special file' },
      execEvidence,
    );
  if (verdict.access !== 'hidden') report.pass('configReadable', data, execEvidence);
}

function judgeDatabase(
  signer: SignerService,
  unit: LoadedUnit,
  rules: readonly SandboxRule[],
  report: Reporter<MessageId>,
): void {
  const state = signer.config;
  if (state.status !== 'ok') {
    const reason = 'reason' in state ? state.reason : 'not readable';
    report.evidence(
      at('path' in state ? state.path : undefined, undefined, `db_path unknown (${reason}): database not checked`),
    );
    return;
  }
  const dbPath = state.parsed.config.dbPath;
  const line = state.parsed.lineOf('db_path');
  if (dbPath === undefined) {
    report.evidence(at(state.path, undefined, 'no db_path in the config: database not checked'));
    return;
  }
  const dbEvidence = at(state.path, line, `db_path = "${dbPath}"`);
  if (dbPath === ':memory:') {
    report.pass('dbInMemory', {}, dbEvidence);
    return;
  }
  const db = servicePath(dbPath, unit.effective);
  const dir = posix.dirname(db);
  const verdict = pathAccess(dir, rules);
  if (verdict.access === 'hidden') {
    const area = verdict.rule?.path ?? dir;
    report.fail('dbHidden', { rule: verdict.rule?.source ?? 'the sandbox', area, db }, [
      dbEvidence,
      ruleEvidence(verdict.rule, `${area} is inaccessible to the service`),
    ]);
  } else if (verdict.access === 'read-only') {
    report.fail('dbReadOnly', { dir, rule: verdict.rule?.source ?? 'the sandbox' }, [
      dbEvidence,
      ruleEvidence(verdict.rule, `${verdict.rule?.path} is read-only for the service`),
    ]);
  } else {
    const how = verdict.rule ? verdict.rule.source : 'no sandbox setting restricts it';
    report.pass('dbWritable', { dir, how }, [dbEvidence, ruleEvidence(verdict.rule, `${dir} writable`)]);
  }
}

export default defineCheck({
  id: 'service/unit-consistency',
  title: "The signer's systemd unit works as written",
  threats: ['host-compromise'],
  severity: 'high',
  description: [
    "A unit whose pieces disagree doesn't run the signer the operator thinks it runs, or doesn't run it at all: the",
    "OpSec guide's own unit checks for its config under /etc (`ConditionPathExists=/etc/stacks/signer`,",
    '`ConditionFileNotEmpty=/etc/stacks/signer/signer-config.toml`) but starts the signer with',
    '`--config /home/etc/stacks/signer/signer-config.toml` while `ProtectHome=true` hides /home from the service. Such a',
    'unit either never starts (an offline signer counts towards the 30% that halts the chain) or gets "fixed" under',
    'pressure by dropping the sandbox.',
    '',
    "What is read: the config path from the unit's own `ExecStart=` (`run --config FILE`, `--config=FILE`, `-c FILE`),",
    'never the file discovery fell back to when that one is missing. Then:',
    '- every `ConditionFileNotEmpty=` names that config; every `ConditionPathExists=` names it or a directory above it',
    '  (the signer binary or a directory above it is accepted too); every `ConditionFileIsExecutable=` names the',
    '  `ExecStart=` binary. `|` (triggering) and `!` prefixes are understood; a negated condition on the config or binary',
    '  fails (the unit is skipped while they exist); an empty `Condition…=` resets all earlier conditions, as in',
    '  systemd. A unit without such conditions is fine: they are optional.',
    '- the config exists and is a file, and the sandbox lets the service see it: `ProtectHome=yes`/`tmpfs` hide',
    '  /home, /root and /run/user, `InaccessiblePaths=` hides what it lists.',
    '- the database directory (`db_path` from the signer config discovery read, relative paths starting at',
    '  `WorkingDirectory=`) is writable for the service: not hidden (as above), and not read-only through',
    '  `ProtectSystem=strict` (the whole tree), `ProtectSystem=full` (/usr, /boot, /efi, /etc), `ProtectSystem=yes`',
    '  (/usr, /boot, /efi), `ProtectHome=read-only` or `ReadOnlyPaths=`, unless a deeper `ReadWritePaths=` (`-`/`+`',
    '  prefixes allowed), `StateDirectory=` (below /var/lib), `CacheDirectory=`, `LogsDirectory=`, `RuntimeDirectory=` or',
    '  `BindPaths=` reopens it. `db_path = ":memory:"` writes nothing. An unreadable config leaves the database unchecked.',
    '- the `ExecStart=` binary exists and is executable.',
    '',
    "Only the signer's unit is read: the node's own checks cover its config, and a node unit that cannot start is",
    'visible at once (the node stops syncing), while a signer unit skipped by a condition fails silently.',
  ].join('\n'),
  remediation: [
    'Make the unit name one config everywhere: `ExecStart=/usr/local/bin/stacks-signer run --config',
    '/etc/stacks/signer/signer-config.toml` with `ConditionFileNotEmpty=` on that same file and `ConditionPathExists=`',
    'on /etc/stacks/signer. Keep the config and database out of /home, /root and /run/user (use /etc/stacks/signer and',
    '/var/lib/stacks-signer); with `ProtectSystem=strict` or `full` add `StateDirectory=stacks-signer` (or',
    '`ReadWritePaths=/var/lib/stacks-signer`) for the database. Then `systemctl daemon-reload && systemctl restart',
    'stacks-signer` and confirm `systemctl status stacks-signer` shows it running.',
  ].join(' '),
  references: [
    'https://docs.stacks.co/operate/run-a-signer/opsec-best-practices',
    'https://www.freedesktop.org/software/systemd/man/latest/systemd.unit.html#Conditions%20and%20Asserts',
    'https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#ProtectHome=',
    'https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#ReadWritePaths=',
  ],
  messages,
  applies: appliesToSignerUnit,
  async run(ctx, report) {
    const { signer } = await ctx.discovery();
    if (!signer) return;
    const unit = loadedUnit(signer);
    const binary = signer.binary ?? '';
    const argv = signer.argv ?? [];
    const configArg = findConfigArg(argv, 'signer');
    const config = configArg === undefined ? undefined : servicePath(configArg, unit.effective);
    const execStart = unit.effective.list('Service', 'ExecStart').at(-1);
    const execEvidence = at(execStart?.file, execStart?.line, summariseExecLine('ExecStart', execStart?.value ?? ''));
    const rules = sandboxRules(unit.effective);

    if (config === undefined)
      report.fail('noConfigArg', { unit: unit.name, binary: binary || 'its ExecStart= program' }, execEvidence);
    else await judgeConfig(ctx, unit, config, rules, report, execEvidence);
    judgeConditions(unit, { config, binary: binary ? normalisePath(binary) : '' }, report);
    if (binary) await judgeBinary(ctx, unit, binary, report);
    judgeDatabase(signer, unit, rules, report);
    if (signer.config.status !== 'unknown' && config !== undefined && signer.config.path !== configArg) {
      const detail = `db_path read from ${signer.config.path}, the config discovery fell back to; ExecStart= passes ${configArg}`;
      report.evidence(at(signer.config.path, undefined, detail));
    }
  },
});
