// https://docs.stacks.co/operate/run-a-signer/opsec-best-practices — the signer unit's PrivateTmp, ProtectSystem, ProtectHome, NoNewPrivileges, PrivateDevices.
import type { Service } from '../../discovery/types.js';
import type { LoadedUnit } from '../../discovery/units.js';
import { defineCheck, type Reporter } from '../../engine/define-check.js';
import {
  appliesToSignerUnit,
  booleanSetting,
  describeSetting,
  type EffectiveSetting,
  protectHome,
  protectSystem,
  settingEvidence,
  stacksUnits,
} from '../../facts/services/unit-settings.js';

const messages = {
  allSet: '{{unit}} sets all five baseline directives: {{summary}}.',
  missing: '{{unit}}: {{how}}; expected {{expected}}.',
  disabled: '{{unit}}: {{how}} turns it off; expected {{expected}}.',
  weak: '{{unit}}: {{how}} leaves /etc writable; expected ProtectSystem=full or strict.',
} as const;
type MessageId = keyof typeof messages;

interface Directive {
  read(unit: LoadedUnit): EffectiveSetting<string>;
  accepted: readonly string[];
  expected: string;
}

const DIRECTIVES: readonly Directive[] = [
  { read: (unit) => booleanSetting(unit.effective, 'PrivateTmp'), accepted: ['yes'], expected: 'PrivateTmp=yes' },
  {
    read: (unit) => protectSystem(unit.effective),
    accepted: ['full', 'strict'],
    expected: 'ProtectSystem=full or strict',
  },
  {
    read: (unit) => protectHome(unit.effective),
    accepted: ['yes', 'read-only', 'tmpfs'],
    expected: 'ProtectHome=yes (or read-only / tmpfs)',
  },
  {
    read: (unit) => booleanSetting(unit.effective, 'NoNewPrivileges'),
    accepted: ['yes'],
    expected: 'NoNewPrivileges=yes',
  },
  {
    read: (unit) => booleanSetting(unit.effective, 'PrivateDevices'),
    accepted: ['yes'],
    expected: 'PrivateDevices=yes',
  },
];

function unitLabel(service: Service, unit: LoadedUnit): string {
  return service.role === 'node' ? `${unit.name} (the stacks-node on this host)` : unit.name;
}

/** Reports a gap; a directive that is set only adds evidence. */
function judge(
  service: Service,
  unit: LoadedUnit,
  directive: Directive,
  report: Reporter<MessageId>,
): { ok: boolean; setting: EffectiveSetting<string> } {
  const setting = directive.read(unit);
  const evidence = settingEvidence(setting, unit);
  const isNode = service.role === 'node';
  const data = { unit: unitLabel(service, unit), how: describeSetting(setting), expected: directive.expected };
  if (directive.accepted.includes(setting.value)) {
    report.evidence(evidence);
    return { ok: true, setting };
  }
  // A gap in the node's unit widens what a compromised node (the internet-facing process) reaches; the key is not in it.
  const flag = (messageId: MessageId) =>
    isNode ? report.warn(messageId, data, evidence) : report.fail(messageId, data, evidence);
  const weak = setting.key === 'ProtectSystem' && setting.value === 'yes';
  flag(weak ? 'weak' : setting.assignment ? 'disabled' : 'missing');
  return { ok: false, setting };
}

export default defineCheck({
  id: 'service/baseline-directives',
  title: "The signer's systemd unit sets the baseline sandboxing directives",
  threats: ['host-compromise', 'binary-backdoor'],
  severity: 'high',
  description: [
    "The OpSec guide's unit confines the signer with five directives. Each limits what a compromised or backdoored",
    'signer process can reach beyond its own key: `PrivateTmp=yes` (a private /tmp, no snooping on or planting into',
    "other services' temp files), `ProtectSystem=full` or `strict` (/usr, /boot, /etc read-only; `strict` makes the",
    'whole tree read-only), `ProtectHome=yes` (/home, /root, /run/user inaccessible; `read-only` and `tmpfs` are',
    'accepted), `NoNewPrivileges=yes` (no gaining privileges through setuid binaries) and `PrivateDevices=yes` (no raw',
    'disks or other device nodes).',
    '',
    'What is read: the effective unit, i.e. the unit file with every drop-in applied in systemd order (a drop-in under',
    '/etc overrides one under /usr/lib). Each directive is named with the file and line that decides it, or as not set',
    "(systemd's default is off for all five). `ProtectSystem=yes` fails: it leaves /etc, the config's usual home,",
    'writable. Values are read as systemd 252 does: the last valid assignment wins, and an empty or unparsable',
    'assignment (`PrivateTmp=`, `ProtectHome=maybe`) is ignored with a warning rather than resetting the directive, so',
    'it is listed in the evidence but does not change the verdict; a drop-in that sets `PrivateTmp=no` does turn it',
    'off and fails. `DynamicUser=yes` forces `PrivateTmp=yes`, `ProtectSystem=strict`, `NoNewPrivileges=yes` and at',
    'least `ProtectHome=read-only`, and counts for them (not for `PrivateDevices=`).',
    '',
    'When a stacks-node also runs from a unit on this host, its unit is read too and each gap is a warning: the node is',
    'the internet-facing process on the signer host, so its confinement limits lateral movement, but it never holds',
    'the signer key. A signer that runs in a container (compose) or was found only through its config file is',
    '`not_applicable` here (see `container/hardening`).',
  ].join('\n'),
  remediation: [
    'Add a drop-in, e.g. `systemctl edit stacks-signer` (writes /etc/systemd/system/stacks-signer.service.d/override.conf),',
    'with `[Service]` `PrivateTmp=yes`, `ProtectSystem=strict`, `ProtectHome=yes`, `NoNewPrivileges=yes`,',
    '`PrivateDevices=yes`; remove any drop-in that sets one of them to `no`. With `ProtectSystem=strict`, give the',
    'database directory back with `StateDirectory=stacks-signer` or `ReadWritePaths=/var/lib/stacks-signer`. Then',
    '`systemctl daemon-reload && systemctl restart stacks-signer` and check `systemd-analyze security stacks-signer`.',
  ].join(' '),
  references: [
    'https://docs.stacks.co/operate/run-a-signer/opsec-best-practices',
    'https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#Sandboxing',
    'https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#NoNewPrivileges=',
  ],
  messages,
  applies: appliesToSignerUnit,
  async run(ctx, report) {
    for (const { service, unit } of await stacksUnits(ctx)) {
      const judged = DIRECTIVES.map((directive) => judge(service, unit, directive, report));
      if (judged.some((outcome) => !outcome.ok)) continue;
      const summary = judged
        .map(
          ({ setting }) => `${setting.key}=${setting.value}${setting.impliedBy ? ' (forced by DynamicUser=yes)' : ''}`,
        )
        .join(', ');
      report.pass('allSet', { unit: unitLabel(service, unit), summary });
    }
  },
});
