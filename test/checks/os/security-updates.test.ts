import assert from 'node:assert/strict';
import check from '../../../src/checks/os/security-updates.js';
import { runCheckCases } from '../../support/check-tester.js';
import type { FileSpec } from '../../support/materialise.js';

const DEBIAN_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n';
const UBUNTU_RELEASE = 'PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nID_LIKE=debian\n';
const ROCKY_RELEASE =
  'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nPRETTY_NAME="Rocky Linux 9.4 (Blue Onyx)"\n';

function dpkgStatus(uuStatus: string | undefined): string {
  const stanzas = ['Package: apt\nStatus: install ok installed\nVersion: 2.6.1\n'];
  if (uuStatus) stanzas.push(`Package: unattended-upgrades\nStatus: ${uuStatus}\nVersion: 2.9.1+nmu3\n`);
  return stanzas.join('\n');
}

const AUTO_UPGRADES = 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n';
const PARTS = 'etc/apt/apt.conf.d';

/** A Debian host; `apt` maps apt.conf.d part names (or "apt.conf") to their text. */
function debian(
  apt: Record<string, string>,
  options: { uu?: string | undefined; release?: string | undefined } = {},
): FileSpec {
  const spec: FileSpec = { 'var/lib/dpkg/status': dpkgStatus('uu' in options ? options.uu : 'install ok installed') };
  const release = 'release' in options ? options.release : DEBIAN_RELEASE;
  if (release) spec['etc/os-release'] = release;
  for (const [name, text] of Object.entries(apt))
    spec[name === 'apt.conf' ? 'etc/apt/apt.conf' : `${PARTS}/${name}`] = text;
  return spec;
}

const TIMERS = 'usr/lib/systemd/system';
const WANTS = 'etc/systemd/system/timers.target.wants';

function rocky(options: { conf?: string; enabled?: string[] } = {}): FileSpec {
  const spec: FileSpec = {
    'etc/os-release': ROCKY_RELEASE,
    [`${TIMERS}/dnf-automatic.timer`]: '[Timer]\nOnCalendar=*-*-* 6:00\n',
    [`${TIMERS}/dnf-automatic-install.timer`]: '[Timer]\nOnCalendar=*-*-* 6:00\n',
    [`${TIMERS}/dnf-automatic-download.timer`]: '[Timer]\nOnCalendar=*-*-* 6:00\n',
  };
  if (options.conf !== undefined) spec['etc/dnf/automatic.conf'] = options.conf;
  for (const timer of options.enabled ?? []) spec[`${WANTS}/${timer}`] = { symlink: `/${TIMERS}/${timer}` };
  return spec;
}

const APPLY_YES = '[commands]\nupgrade_type = security\ndownload_updates = yes\napply_updates = yes\n';

runCheckCases(check, {
  pass: [
    {
      name: 'installed with 20auto-upgrades',
      files: debian({ '20auto-upgrades': AUTO_UPGRADES }),
      messages: ['uuEnabled', 'uuInstalled'],
      verify: ({ result }) => {
        assert.ok(
          result.evidence.some((item) => item.file === '/etc/apt/apt.conf.d/20auto-upgrades' && item.line === 2),
        );
        assert.ok(result.evidence.some((item) => item.file === '/var/lib/dpkg/status' && item.line === 5));
      },
    },
    {
      name: 'Ubuntu, nested form',
      files: debian(
        { '99local': 'APT {\n  Periodic {\n    Unattended-Upgrade "1";\n  };\n};\n' },
        { release: UBUNTU_RELEASE },
      ),
      messages: ['uuEnabled'],
    },
    {
      name: '"always"',
      files: debian({ '20auto-upgrades': 'APT::Periodic::Unattended-Upgrade "always";\n' }),
      messages: ['uuEnabled'],
    },
    {
      name: 'no os-release, dpkg database present',
      files: debian({ '20auto-upgrades': AUTO_UPGRADES }, { release: undefined }),
      messages: ['uuEnabled'],
    },
    {
      name: 'a later part re-enables',
      files: debian({ '10periodic': 'APT::Periodic::Unattended-Upgrade "0";\n', '20auto-upgrades': AUTO_UPGRADES }),
      messages: ['uuEnabled'],
    },
    {
      name: 'apt.conf is read after the parts',
      files: debian({
        '20auto-upgrades': 'APT::Periodic::Unattended-Upgrade "0";\n',
        'apt.conf': 'APT::Periodic::Unattended-Upgrade "1";\n',
      }),
      messages: ['uuEnabled'],
    },
    {
      name: 'dnf-automatic.timer with apply_updates = yes',
      files: rocky({ conf: APPLY_YES, enabled: ['dnf-automatic.timer'] }),
      messages: ['dnfApplies'],
    },
    {
      name: 'dnf-automatic-install.timer',
      files: rocky({ enabled: ['dnf-automatic-install.timer'] }),
      messages: ['dnfInstallTimer'],
    },
  ],
  fail: [
    {
      name: 'package removed, config kept',
      files: debian({ '20auto-upgrades': AUTO_UPGRADES }, { uu: 'deinstall ok config-files' }),
      messages: ['uuMissing'],
    },
    { name: 'package never installed', files: debian({}, { uu: undefined }), messages: ['uuMissing', 'uuNotSet'] },
    {
      name: 'installed but not enabled',
      files: debian({ '50unattended-upgrades': 'Unattended-Upgrade::Origins-Pattern { "origin=Debian"; };\n' }),
      messages: ['uuNotSet'],
    },
    {
      name: 'set to "0"',
      files: debian({ '20auto-upgrades': 'APT::Periodic::Unattended-Upgrade "0";\n' }),
      messages: ['uuZero'],
    },
    {
      name: 'a later part disables it',
      files: debian({ '20auto-upgrades': AUTO_UPGRADES, '99disable': 'APT::Periodic::Unattended-Upgrade "0";\n' }),
      messages: ['uuZero'],
      verify: ({ result }) => assert.match(result.message, /99disable:1/),
    },
    {
      name: 'only a .dpkg-old copy sets it',
      files: debian({ '20auto-upgrades.dpkg-old': AUTO_UPGRADES }),
      messages: ['uuNotSet'],
    },
    {
      name: 'commented out',
      files: debian({
        '20auto-upgrades': '// APT::Periodic::Unattended-Upgrade "1";\n/* APT::Periodic::Unattended-Upgrade "1"; */\n',
      }),
      messages: ['uuNotSet'],
    },
    {
      name: 'APT::Periodic::Enable "0"',
      files: debian({ '20auto-upgrades': AUTO_UPGRADES, '99off': 'APT::Periodic::Enable "0";\n' }),
      messages: ['periodicDisabled'],
    },
    { name: 'dnf-automatic not installed', files: { 'etc/os-release': ROCKY_RELEASE }, messages: ['dnfMissing'] },
    {
      name: 'dnf-automatic installed, no timer enabled',
      files: rocky({ conf: APPLY_YES }),
      messages: ['dnfTimerDisabled'],
    },
    {
      name: 'apply_updates = no',
      files: rocky({ conf: '[commands]\napply_updates = no\n', enabled: ['dnf-automatic.timer'] }),
      messages: ['dnfNoApply'],
    },
    {
      name: 'apply_updates unset',
      files: rocky({ conf: '[commands]\ndownload_updates = yes\n', enabled: ['dnf-automatic.timer'] }),
      messages: ['dnfNoApply'],
    },
    {
      name: 'only the download timer',
      files: rocky({ conf: APPLY_YES, enabled: ['dnf-automatic-download.timer'] }),
      messages: ['dnfNotInstalling'],
    },
  ],
  warn: [
    {
      name: 'every 7 days',
      files: debian({ '20auto-upgrades': 'APT::Periodic::Unattended-Upgrade "7";\n' }),
      messages: ['uuInfrequent'],
    },
    {
      name: 'not a number',
      files: debian({ '20auto-upgrades': 'APT::Periodic::Unattended-Upgrade "daily";\n' }),
      messages: ['uuUnrecognised'],
    },
  ],
  notEvaluable: [
    {
      name: 'Alpine',
      files: { 'etc/os-release': 'NAME="Alpine Linux"\nID=alpine\nPRETTY_NAME="Alpine Linux v3.20"\n' },
      messages: ['unknownOs'],
      verify: ({ result }) => assert.match(result.message, /^Alpine Linux v3\.20 uses neither apt nor dnf/),
    },
    { name: 'an empty root', files: { 'etc/hostname': 'x\n' }, messages: ['unknownOs'] },
  ],
});
