// https://wiki.debian.org/UnattendedUpgrades — and dnf-automatic(8) on RHEL-like systems: security fixes applied without waiting for a person.
import type { AuditContext } from '../../engine/context.js';
import { defineCheck, type Reporter } from '../../engine/define-check.js';
import { at } from '../../facts/services/discovered-services.js';
import { type AptConfigFile, effectiveAptSetting, isAptPartName, parseAptConfig } from '../../parsers/apt-config.js';
import { installedPackage, parseDpkgStatus } from '../../parsers/dpkg-status.js';
import { compareBytes } from '../../parsers/glob.js';
import { iniBoolean, iniValue, parseIni } from '../../parsers/ini.js';
import { type OsFamily, osFamily, parseOsRelease } from '../../parsers/os-release.js';

const DPKG_STATUS = '/var/lib/dpkg/status';
const APT_PARTS = '/etc/apt/apt.conf.d';
const APT_MAIN = '/etc/apt/apt.conf';
const DNF_AUTOMATIC_CONF = '/etc/dnf/automatic.conf';
const TIMER_WANTS = '/etc/systemd/system/timers.target.wants';
const DNF_TIMER_FILES = ['/usr/lib/systemd/system/dnf-automatic.timer', '/lib/systemd/system/dnf-automatic.timer'];
const UNATTENDED_KEY = 'APT::Periodic::Unattended-Upgrade';
const PERIODIC_ENABLE_KEY = 'APT::Periodic::Enable';

const messages = {
  unknownOs:
    '{{os}} uses neither apt nor dnf as this tool reads them: confirm by hand that security updates are installed automatically.',
  uuMissing: 'The unattended-upgrades package is not installed.',
  uuInstalled: 'unattended-upgrades is installed.',
  uuNotSet: `${UNATTENDED_KEY} is set in no apt configuration file (the default 0 never runs unattended-upgrade).`,
  uuZero: `${UNATTENDED_KEY} is "{{value}}" at {{file}}:{{line}}: unattended-upgrade never runs.`,
  uuEnabled: `${UNATTENDED_KEY} is "{{value}}" at {{file}}:{{line}}: updates are installed daily.`,
  uuInfrequent: `${UNATTENDED_KEY} is "{{value}}" at {{file}}:{{line}}: updates are installed only every {{value}} days.`,
  uuUnrecognised: `${UNATTENDED_KEY} is "{{value}}" at {{file}}:{{line}}, which is not a number of days.`,
  periodicDisabled: `${PERIODIC_ENABLE_KEY} is "0" at {{file}}:{{line}}: apt's daily jobs, unattended-upgrade included, never run.`,
  dnfMissing: 'dnf-automatic is not installed (no dnf-automatic.timer, no /etc/dnf/automatic.conf).',
  dnfInstallTimer: 'dnf-automatic-install.timer is enabled: updates are downloaded and installed.',
  dnfApplies:
    'dnf-automatic.timer is enabled and apply_updates = {{value}} ({{file}}:{{line}}): updates are installed.',
  dnfNoApply:
    'dnf-automatic.timer is enabled but apply_updates is {{value}}: updates are only downloaded, never installed.',
  dnfNotInstalling: 'Only {{timers}} is enabled: those timers download or notify, they never install updates.',
  dnfTimerDisabled: 'dnf-automatic is installed but none of its timers is enabled in timers.target.wants.',
} as const;
type MessageId = keyof typeof messages;

async function readIfPresent(ctx: AuditContext, path: string): Promise<string | undefined> {
  if (!(await ctx.target.stat(path))) return undefined;
  return ctx.target.readText(path);
}

async function listIfPresent(ctx: AuditContext, path: string): Promise<string[]> {
  const stat = await ctx.target.stat(path);
  return stat?.type === 'dir' ? ctx.target.readDir(path) : [];
}

/** The OS family from os-release, else from what package databases are present. */
async function detectFamily(ctx: AuditContext): Promise<{ family: OsFamily | undefined; name: string }> {
  const text = (await readIfPresent(ctx, '/etc/os-release')) ?? (await readIfPresent(ctx, '/usr/lib/os-release'));
  const fields = text ? parseOsRelease(text) : {};
  const name = fields.PRETTY_NAME ?? fields.NAME ?? 'This system (no /etc/os-release)';
  const family = osFamily(fields);
  if (family) return { family, name };
  if (await ctx.target.stat(DPKG_STATUS)) return { family: 'debian', name };
  if ((await ctx.target.stat('/etc/redhat-release')) || (await ctx.target.stat('/etc/dnf')))
    return { family: 'rhel', name };
  return { family: undefined, name };
}

/** apt.conf.d parts in byte order, then apt.conf, as apt's ReadConfigFiles() reads them. */
async function aptConfigFiles(ctx: AuditContext): Promise<{ path: string; config: AptConfigFile }[]> {
  const paths = (await listIfPresent(ctx, APT_PARTS))
    .filter(isAptPartName)
    .sort(compareBytes)
    .map((name) => `${APT_PARTS}/${name}`);
  paths.push(APT_MAIN);
  const files: { path: string; config: AptConfigFile }[] = [];
  for (const path of paths) {
    if ((await ctx.target.stat(path))?.type !== 'file') continue;
    files.push({ path, config: parseAptConfig(await ctx.target.readText(path)) });
  }
  return files;
}

async function judgeDebian(ctx: AuditContext, report: Reporter<MessageId>): Promise<void> {
  const status = await readIfPresent(ctx, DPKG_STATUS);
  const installed = status === undefined ? undefined : installedPackage(parseDpkgStatus(status), 'unattended-upgrades');
  if (installed) report.evidence(at(DPKG_STATUS, installed.line, `unattended-upgrades: Status: ${installed.status}`));
  else
    report.fail(
      'uuMissing',
      {},
      at(DPKG_STATUS, undefined, status === undefined ? 'no dpkg database' : 'no installed unattended-upgrades stanza'),
    );

  const files = await aptConfigFiles(ctx);
  for (const { path, config } of files) {
    for (const problem of config.problems) report.evidence(at(path, problem.line, `apt config: ${problem.message}`));
  }
  const enable = effectiveAptSetting(files, PERIODIC_ENABLE_KEY);
  if (enable?.value.trim() === '0') {
    report.fail(
      'periodicDisabled',
      { file: enable.file, line: enable.line },
      at(enable.file, enable.line, `${PERIODIC_ENABLE_KEY} "0"`),
    );
  }
  const setting = effectiveAptSetting(files, UNATTENDED_KEY);
  if (!setting)
    return report.fail(
      'uuNotSet',
      {},
      at(APT_PARTS, undefined, `read: ${files.map((file) => file.path).join(', ') || 'none'}`),
    );
  const value = setting.value.trim();
  const data = { value, file: setting.file, line: setting.line };
  const evidence = at(setting.file, setting.line, `${UNATTENDED_KEY} "${value}"`);
  if (value === 'always' || value === '1') {
    if (installed) report.pass('uuInstalled');
    return report.pass('uuEnabled', data, evidence);
  }
  if (!/^\d+$/.test(value)) return report.warn('uuUnrecognised', data, evidence);
  if (Number(value) === 0) return report.fail('uuZero', data, evidence);
  report.warn('uuInfrequent', data, evidence);
}

async function judgeRhel(ctx: AuditContext, report: Reporter<MessageId>): Promise<void> {
  const timers = (await listIfPresent(ctx, TIMER_WANTS)).filter((name) => /^dnf-automatic.*\.timer$/.test(name));
  const confText = await readIfPresent(ctx, DNF_AUTOMATIC_CONF);
  let timerFile = false;
  for (const path of DNF_TIMER_FILES) if (await ctx.target.stat(path)) timerFile = true;
  if (!timerFile && confText === undefined && timers.length === 0) return report.fail('dnfMissing');
  const timerEvidence = timers.map((name) => at(`${TIMER_WANTS}/${name}`, undefined, 'timer enabled'));

  if (timers.includes('dnf-automatic-install.timer')) return report.pass('dnfInstallTimer', {}, timerEvidence);
  if (timers.includes('dnf-automatic.timer')) {
    const apply = confText === undefined ? undefined : iniValue(parseIni(confText), 'commands', 'apply_updates');
    if (apply && iniBoolean(apply.value) === true) {
      return report.pass('dnfApplies', { value: apply.value, file: DNF_AUTOMATIC_CONF, line: apply.line }, [
        ...timerEvidence,
        at(DNF_AUTOMATIC_CONF, apply.line, `apply_updates = ${apply.value}`),
      ]);
    }
    const value = apply ? `"${apply.value}" (${DNF_AUTOMATIC_CONF}:${apply.line})` : 'unset (default no)';
    return report.fail('dnfNoApply', { value }, [
      ...timerEvidence,
      at(DNF_AUTOMATIC_CONF, apply?.line, `apply_updates ${value}`),
    ]);
  }
  if (timers.length > 0) return report.fail('dnfNotInstalling', { timers: timers.join(', ') }, timerEvidence);
  report.fail('dnfTimerDisabled', {}, at(TIMER_WANTS, undefined, 'no dnf-automatic*.timer link'));
}

export default defineCheck({
  id: 'os/security-updates',
  title: 'Security updates are installed automatically',
  threats: ['host-compromise'],
  severity: 'low',
  description: [
    'Most host compromises use known, already-fixed vulnerabilities. A signer host should install security updates by',
    'itself rather than when someone remembers to.',
    '',
    'Debian and Ubuntu (from /etc/os-release `ID`/`ID_LIKE`, or a dpkg database): the `unattended-upgrades` package must be',
    'installed (`Status: install ok installed` in /var/lib/dpkg/status) and `APT::Periodic::Unattended-Upgrade` must be',
    '"1" (or "always") as APT computes it: files of /etc/apt/apt.conf.d read in byte order (only names APT accepts: no',
    'extension or `.conf`, so `*.dpkg-old` and `*.bak` are skipped), then /etc/apt/apt.conf; the last assignment wins, both',
    'the `A::B::C "1";` and the nested `A { B { C "1"; }; };` forms are read, and `#clear` is honoured. A larger number of days',
    'is a warning; `APT::Periodic::Enable "0"` disables it all.',
    '',
    'RHEL-like systems (RHEL, Rocky, Alma, CentOS, Fedora, Oracle, Amazon): `dnf-automatic-install.timer` enabled, or',
    '`dnf-automatic.timer` enabled with `apply_updates = yes` in the `[commands]` section of /etc/dnf/automatic.conf (its',
    'default is no: the timer then only downloads). Enabled means linked in /etc/systemd/system/timers.target.wants.',
    '',
    'Any other system (Alpine, Arch, NixOS, a distroless image) is `not_evaluable`: its update mechanism is not read here,',
    "and saying `not_applicable` would wrongly suggest the control doesn't matter there.",
  ].join('\n'),
  remediation: [
    'Debian/Ubuntu: `apt-get install unattended-upgrades && dpkg-reconfigure -plow unattended-upgrades` (writes',
    '/etc/apt/apt.conf.d/20auto-upgrades with `APT::Periodic::Update-Package-Lists "1"; APT::Periodic::Unattended-Upgrade "1";`).',
    'RHEL-like: `dnf install dnf-automatic`, set `apply_updates = yes` (and `upgrade_type = security` if you only want security',
    'fixes) in /etc/dnf/automatic.conf, then `systemctl enable --now dnf-automatic.timer`. Plan signer restarts after',
    'library updates (needrestart) so the running process picks up fixes.',
  ].join(' '),
  references: [
    'https://wiki.debian.org/UnattendedUpgrades',
    'https://manpages.debian.org/bookworm/apt/apt.conf.5.en.html',
    'https://dnf.readthedocs.io/en/latest/automatic.html',
  ],
  messages,
  async run(ctx, report) {
    const { family, name } = await detectFamily(ctx);
    if (family === 'debian') return judgeDebian(ctx, report);
    if (family === 'rhel') return judgeRhel(ctx, report);
    report.notEvaluable('unknownOs', { os: name });
  },
});
