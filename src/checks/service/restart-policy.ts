// https://www.freedesktop.org/software/systemd/man/latest/systemd.service.html#Restart= — an offline signer counts towards the 30% that halts block acceptance.
import type { Service } from '../../discovery/types.js';
import type { LoadedUnit } from '../../discovery/units.js';
import type { AuditContext } from '../../engine/context.js';
import { defineCheck, type Reporter } from '../../engine/define-check.js';
import { at } from '../../facts/services/discovered-services.js';
import {
  appliesToSignerUnit,
  describeSetting,
  lastValidSetting,
  settingEvidence,
  stacksUnits,
} from '../../facts/services/unit-settings.js';
import { parseUnitFile, type UnitAssignment } from '../../parsers/systemd-unit.js';

const RESTART_VALUES = ['no', 'on-success', 'on-failure', 'on-abnormal', 'on-watchdog', 'on-abort', 'always'] as const;
type RestartValue = (typeof RESTART_VALUES)[number];

/** systemd's manager defaults (v252): DefaultStartLimitIntervalSec=10s, DefaultStartLimitBurst=5, RestartSec=100ms. */
const DEFAULT_RESTART_SEC = 0.1;
const MANAGER_DEFAULTS = { intervalSec: 10, burst: 5 };

const TIME_UNITS: Record<string, number> = {
  us: 1e-6,
  usec: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  msec: 1e-3,
  s: 1,
  sec: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
  w: 604800,
  week: 604800,
  weeks: 604800,
  M: 2629800,
  month: 2629800,
  months: 2629800,
  y: 31557600,
  year: 31557600,
  years: 31557600,
};

/** A systemd time span ("5min 20s", "100ms", "3" = seconds) in seconds; Infinity for "infinity"; undefined if invalid. */
export function parseTimeSpan(text: string): number | undefined {
  const value = text.trim();
  if (value === 'infinity') return Number.POSITIVE_INFINITY;
  if (value === '') return undefined;
  let total = 0;
  const part = /\s*(\d+(?:\.\d+)?)\s*([a-zA-Z\u00b5]*)/y;
  let index = 0;
  while (index < value.length) {
    part.lastIndex = index;
    const match = part.exec(value);
    if (!match) return undefined;
    const factor = match[2] === '' ? 1 : TIME_UNITS[match[2]!];
    if (factor === undefined) return undefined;
    total += Number(match[1]) * factor;
    index = part.lastIndex;
  }
  return total;
}

const messages = {
  restarts: '{{unit}}: {{how}}: systemd restarts the {{role}} when it fails.',
  noRestart:
    '{{unit}}: {{how}}: when the {{role}} crashes or exits with an error it stays down until someone restarts it.',
  abnormalOnly:
    '{{unit}}: {{how}} restarts the {{role}} after a crash or timeout, but not when it exits with an error code (node unreachable, database error).',
  narrow:
    '{{unit}}: {{how}} does not restart the {{role}} when it exits with an error; expected Restart=on-failure or always.',
  startLimit:
    '{{unit}}: restarts {{restartSec}} apart with StartLimitBurst={{burst}} in StartLimitIntervalSec={{interval}}: {{burst}} quick failures (e.g. while the node is down) hit the start limit and systemd stops restarting the {{role}}.',
} as const;
type MessageId = keyof typeof messages;

interface StartLimit {
  intervalSec: number;
  burst: number;
  sources: UnitAssignment[];
}

/** DefaultStartLimit*= of etc/systemd/system.conf, else systemd's built-in defaults. */
async function managerDefaults(ctx: AuditContext): Promise<{ intervalSec: number; burst: number }> {
  const text = await ctx.target.readText('/etc/systemd/system.conf').catch(() => undefined);
  const defaults = { ...MANAGER_DEFAULTS };
  if (text === undefined) return defaults;
  for (const assignment of parseUnitFile(text, '/etc/systemd/system.conf').assignments) {
    if (assignment.section !== 'Manager') continue;
    const interval = assignment.key === 'DefaultStartLimitIntervalSec' ? parseTimeSpan(assignment.value) : undefined;
    if (interval !== undefined) defaults.intervalSec = interval;
    if (assignment.key === 'DefaultStartLimitBurst' && /^\d+$/.test(assignment.value))
      defaults.burst = Number(assignment.value);
  }
  return defaults;
}

function startLimit(unit: LoadedUnit, defaults: { intervalSec: number; burst: number }): StartLimit {
  const limit: StartLimit = { ...defaults, sources: [] };
  // [Unit] is the home of both; [Service] StartLimitInterval=/StartLimitBurst= are still accepted (compat).
  for (const assignment of unit.effective.assignments) {
    if (assignment.section !== 'Unit' && assignment.section !== 'Service') continue;
    if (['StartLimitIntervalSec', 'StartLimitInterval'].includes(assignment.key)) {
      const seconds = parseTimeSpan(assignment.value);
      if (seconds === undefined) continue;
      limit.intervalSec = seconds;
      limit.sources.push(assignment);
    } else if (assignment.key === 'StartLimitBurst' && /^\d+$/.test(assignment.value)) {
      limit.burst = Number(assignment.value);
      limit.sources.push(assignment);
    }
  }
  return limit;
}

function seconds(value: number): string {
  return value < 1 ? `${Math.round(value * 1000)}ms` : `${value}s`;
}

async function judge(
  ctx: AuditContext,
  service: Service,
  unit: LoadedUnit,
  report: Reporter<MessageId>,
): Promise<void> {
  const restart = lastValidSetting<RestartValue>(
    unit.effective,
    'Restart',
    (value) => RESTART_VALUES.find((candidate) => candidate === value),
    'no',
  );
  const role = service.role === 'signer' ? 'signer' : 'stacks-node (without it the signer cannot sign)';
  const label = service.role === 'signer' ? unit.name : `${unit.name} (the stacks-node on this host)`;
  const data = { unit: label, role, how: describeSetting(restart) };
  const evidence = settingEvidence(restart, unit);
  if (restart.value === 'no') return report.fail('noRestart', data, evidence);
  if (restart.value === 'on-abnormal') report.warn('abnormalOnly', data, evidence);
  else if (restart.value !== 'on-failure' && restart.value !== 'always') return report.fail('narrow', data, evidence);
  else report.pass('restarts', data, evidence);

  const restartSec = lastValidSetting(
    unit.effective,
    'RestartSec',
    (value) => (parseTimeSpan(value) === undefined ? undefined : value),
    '100ms',
  );
  const delay = restartSec.assignment ? parseTimeSpan(restartSec.value)! : DEFAULT_RESTART_SEC;
  const limit = startLimit(unit, await managerDefaults(ctx));
  if (
    limit.intervalSec > 0 &&
    limit.intervalSec !== Number.POSITIVE_INFINITY &&
    limit.burst * delay < limit.intervalSec
  ) {
    const limitEvidence = [
      restartSec.assignment
        ? at(restartSec.assignment.file, restartSec.assignment.line, `RestartSec=${restartSec.value}`)
        : at(unit.effective.files[0], undefined, 'no RestartSec= (default 100ms)'),
      ...limit.sources.map((source) => at(source.file, source.line, `${source.key}=${source.value}`)),
    ];
    report.warn(
      'startLimit',
      { unit: label, role, restartSec: seconds(delay), burst: limit.burst, interval: seconds(limit.intervalSec) },
      limitEvidence,
    );
  }
}

export default defineCheck({
  id: 'service/restart-policy',
  title: 'systemd restarts the signer when it fails',
  threats: ['liveness', 'stake-threshold'],
  severity: 'low',
  description: [
    'Block acceptance halts when more than 30% of signer weight is offline or rejecting, so a signer that stays down',
    'after a crash helps whoever wants the chain halted, and costs its own stackers. systemd restarts a failed',
    'service only when told to.',
    '',
    "What is read: `Restart=` of the signer's effective unit (drop-ins applied; an empty or unknown value is ignored,",
    'as systemd 252 does). `on-failure` and `always` pass. `on-abnormal` is a warning: it covers crashes, signals and',
    'timeouts but not an exit with an error code, which is how the signer stops on most runtime errors.',
    '`no` (the default when unset), `on-success`, `on-abort` and `on-watchdog` fail. With a restarting policy, the',
    'start limit is checked too: when `StartLimitBurst=` restarts `RestartSec=` apart fit in `StartLimitIntervalSec=`',
    '(systemd defaults 5 in 10s, with restarts 100ms apart; manager defaults read from /etc/systemd/system.conf), a',
    'burst of quick failures, e.g. while the node is down, makes systemd give up for good: a warning.',
    '',
    "When a stacks-node runs from a unit on this host, its unit is judged the same way: the signer can't sign without",
    'its node.',
  ].join('\n'),
  remediation: [
    'Add a drop-in (`systemctl edit stacks-signer`) with `[Service]` `Restart=on-failure` and `RestartSec=5s` (restarts',
    "slower than the start limit's burst; or set `StartLimitIntervalSec=0` under `[Unit]`), then",
    '`systemctl daemon-reload`. Do the same for the stacks-node unit.',
  ].join(' '),
  references: [
    'https://www.freedesktop.org/software/systemd/man/latest/systemd.service.html#Restart=',
    'https://www.freedesktop.org/software/systemd/man/latest/systemd.unit.html#StartLimitIntervalSec=interval',
  ],
  messages,
  applies: appliesToSignerUnit,
  async run(ctx, report) {
    for (const { service, unit } of await stacksUnits(ctx)) await judge(ctx, service, unit, report);
  },
});
