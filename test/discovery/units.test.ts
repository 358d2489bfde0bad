import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { dashPrefixNames, discoverUnits, loadUnit, loadUnits } from '../../src/discovery/units.js';
import { findConfigArg, parseExecCommand } from '../../src/parsers/exec-command.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';

/** A file map: text content, or `{ symlink }`, or `{ dir: true }`. */
type Fixture = Record<string, string | { symlink: string } | { dir: true }>;

const roots: string[] = [];
after(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

function makeRoot(files: Fixture): string {
  const root = fs.mkdtempSync(os.tmpdir() + '/so-');
  roots.push(root);
  for (const [relative, content] of Object.entries(files)) {
    const full = path.join(root, relative);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    if (typeof content === 'string') fs.writeFileSync(full, content);
    else if ('symlink' in content) fs.symlinkSync(content.symlink, full);
    else fs.mkdirSync(full, { recursive: true });
  }
  return root;
}

const SYSTEM = 'etc/systemd/system';
const VENDOR = 'usr/lib/systemd/system';

describe('loadUnits', () => {
  test('finds services in every directory; the first directory wins for the unit file', async () => {
    const root = makeRoot({
      [`${VENDOR}/stacks-signer.service`]: '[Service]\nUser=vendor\n',
      [`${SYSTEM}/stacks-signer.service`]: '[Service]\nUser=local\n',
      [`${VENDOR}/stacks-node.service`]: '[Service]\nUser=stacks-node\n',
      'usr/local/lib/systemd/system/other.service': '[Service]\nUser=other\n',
      [`${VENDOR}/getty@.service`]: '[Service]\n',
      [`${VENDOR}/timer.timer`]: '[Timer]\n',
      [`${SYSTEM}/multi-user.target.wants/stacks-signer.service`]: { symlink: `/${SYSTEM}/stacks-signer.service` },
      [`${SYSTEM}/weird.service`]: { dir: true },
    });
    const units = await loadUnits(new DirectoryTarget(root, { live: false }));
    assert.deepEqual(units.map((u) => u.name).sort(), [
      'other.service',
      'stacks-node.service',
      'stacks-signer.service',
    ]);
    const signer = units.find((u) => u.name === 'stacks-signer.service')!;
    assert.equal(signer.path, `/${SYSTEM}/stacks-signer.service`);
    assert.equal(signer.effective.get('Service', 'User')?.value, 'local');
    assert.deepEqual(signer.effective.files, [`/${SYSTEM}/stacks-signer.service`]);
    assert.equal(signer.loaded, true);
    assert.equal(signer.masked, false);
  });

  test('/lib as a symlink to /usr/lib does not load a unit twice', async () => {
    const root = makeRoot({
      lib: { symlink: 'usr/lib' },
      [`${VENDOR}/ssh.service`]: '[Service]\nExecStart=/usr/sbin/sshd -D\n',
      [`${VENDOR}/ssh.service.d/10-a.conf`]: '[Service]\nPrivateTmp=yes\n',
    });
    const units = await loadUnits(new DirectoryTarget(root, { live: false }));
    assert.equal(units.length, 1);
    assert.equal(units[0]!.effective.files.length, 2);
    assert.equal(units[0]!.effective.bool('Service', 'PrivateTmp'), true);
  });

  test('masked units (symlink to /dev/null, empty file) are reported, not loaded', async () => {
    const root = makeRoot({
      'dev/null': '',
      [`${VENDOR}/stacks-signer.service`]: '[Service]\nUser=x\n',
      [`${SYSTEM}/stacks-signer.service`]: { symlink: '/dev/null' },
      [`${VENDOR}/empty.service`]: '',
    });
    const target = new DirectoryTarget(root, { live: false });
    const signer = await loadUnit(target, 'stacks-signer.service');
    assert.equal(signer?.masked, true);
    assert.equal(signer?.loaded, false);
    assert.equal(signer?.effective.get('Service', 'User'), undefined);
    assert.equal((await loadUnit(target, 'empty.service'))?.masked, true);
    assert.equal(await loadUnit(target, 'absent.service'), undefined);
  });

  test('symlinks are followed: a linked unit file and an alias name', async () => {
    const root = makeRoot({
      'opt/signer/stacks-signer.service': '[Service]\nUser=signer\n',
      [`${SYSTEM}/stacks-signer.service`]: { symlink: '/opt/signer/stacks-signer.service' },
      [`${SYSTEM}/signer.service`]: { symlink: `../../../${SYSTEM}/stacks-signer.service` },
      [`${SYSTEM}/signer.service.d/50-alias.conf`]: '[Service]\nNoNewPrivileges=yes\n',
    });
    const target = new DirectoryTarget(root, { live: false });
    const units = await loadUnits(target);
    assert.equal(units.length, 1);
    const viaAlias = await loadUnit(target, 'signer.service');
    assert.equal(viaAlias?.name, 'stacks-signer.service');
    assert.deepEqual(viaAlias?.aliases, ['signer.service']);
    assert.deepEqual(viaAlias?.effective.files, [
      '/opt/signer/stacks-signer.service',
      `/${SYSTEM}/signer.service.d/50-alias.conf`,
    ]);
    assert.equal(viaAlias?.effective.bool('Service', 'NoNewPrivileges'), true);
  });

  test('unreadable files become problems and loading goes on', async () => {
    const root = makeRoot({
      [`${VENDOR}/a.service`]: '[Service]\nUser=a\n',
      [`${SYSTEM}/a.service.d/10-dangling.conf`]: { symlink: '/nowhere/x.conf' },
      [`${SYSTEM}/a.service.d/20-loop.conf`]: { symlink: '20-loop.conf' },
      [`${SYSTEM}/a.service.d/30-dir.conf`]: { dir: true },
      [`${SYSTEM}/a.service.d/40-good.conf`]: '[Service]\nUser=good\ngarbage\n',
      [`${SYSTEM}/a.service.d/.hidden.conf`]: '[Service]\nUser=hidden\n',
      [`${SYSTEM}/a.service.d/README`]: 'not a drop-in',
      [`${SYSTEM}/b.service`]: { symlink: '/nowhere/b.service' },
    });
    const { units, problems } = await discoverUnits(new DirectoryTarget(root, { live: false }));
    assert.deepEqual(problems, []);
    const a = units.find((u) => u.name === 'a.service')!;
    assert.equal(a.effective.get('Service', 'User')?.value, 'good');
    assert.deepEqual(
      a.problems.map((p) => [p.file, p.line, p.message.split(':')[0]]),
      [
        [`/${SYSTEM}/a.service.d/10-dangling.conf`, 0, 'cannot read'],
        [`/${SYSTEM}/a.service.d/20-loop.conf`, 0, 'cannot read'],
        [`/${SYSTEM}/a.service.d/40-good.conf`, 3, 'missing "=", line ignored'],
      ],
    );
    const b = units.find((u) => u.name === 'b.service')!;
    assert.equal(b.loaded, false);
    assert.equal(b.masked, false);
    assert.match(b.problems[0]!.message, /dangling symlink/);
  });

  test('dash prefixes of a unit name, as systemd walks them', () => {
    assert.deepEqual(dashPrefixNames('foo-bar-baz.service'), ['foo-bar-.service', 'foo-.service']);
    assert.deepEqual(dashPrefixNames('stacks-signer.service'), ['stacks-.service']);
    assert.deepEqual(dashPrefixNames('foo.service'), []);
    assert.deepEqual(dashPrefixNames('foo-.service'), []);
    assert.deepEqual(dashPrefixNames('-foo.service'), []);
    assert.deepEqual(dashPrefixNames('a--b.service'), ['a--.service', 'a-.service']);
  });
});

// systemd-analyze security --offline reads the unit exactly as PID 1 would (search path, drop-in order and
// masking, list resets, booleans) and reports which settings are in force: our loader must agree with it.
describe('agreement with systemd-analyze (systemd 252)', () => {
  const BOOLEAN_SETTINGS = [
    'PrivateTmp',
    'NoNewPrivileges',
    'PrivateDevices',
    'ProtectClock',
    'ProtectKernelLogs',
    'ProtectControlGroups',
    'ProtectKernelModules',
    'PrivateMounts',
    'MemoryDenyWriteExecute',
    'RestrictSUIDSGID',
    'ProtectHostname',
    'LockPersonality',
    'ProtectKernelTunables',
    'RestrictRealtime',
    'PrivateNetwork',
    'PrivateUsers',
  ];

  function securityReport(root: string, unit: string): { stdout: string; fields: Map<string, boolean | null> } {
    const result = spawnSync(
      'systemd-analyze',
      ['security', '--offline=true', `--root=${root}`, '--json=short', '--no-pager', unit],
      { encoding: 'utf8' },
    );
    if (result.error) assert.fail(`systemd-analyze is needed for this test: ${result.error.message}`);
    const fields = new Map<string, boolean | null>();
    if (result.stdout.trim().startsWith('[')) {
      for (const entry of JSON.parse(result.stdout) as { json_field: string; set: boolean | null }[]) {
        fields.set(entry.json_field, entry.set);
      }
    }
    return { stdout: result.stdout + result.stderr, fields };
  }

  test('drop-in order, masking by file name, type and prefix drop-ins, resets and continuations', async () => {
    const root = makeRoot({
      // The first directory wins: the /usr/lib copy (which would set ProtectKernelTunables) is ignored.
      'usr/local/lib/systemd/system/stacks-signer.service': [
        '[Unit]',
        'Description=Stacks signer',
        '[Service]',
        'ExecStart=/usr/local/bin/stacks-signer run \\',
        '  --config /etc/stacks/signer/signer-config.toml',
        'User=stacks-signer',
        'PrivateTmp=yes',
        'PrivateDevices=on',
        'RestrictAddressFamilies=AF_INET AF_INET6',
        'NoNewPrivileges=\\',
        '# systemd drops this comment from the continuation',
        'yes',
        '',
      ].join('\n'),
      [`${VENDOR}/stacks-signer.service`]: '[Service]\nExecStart=/bin/true\nProtectKernelTunables=yes\n',
      // Same file name in /etc masks this one entirely (ProtectClock must stay unset).
      [`${VENDOR}/stacks-signer.service.d/10-vendor.conf`]: '[Service]\nPrivateTmp=no\nProtectClock=yes\n',
      [`${SYSTEM}/stacks-signer.service.d/10-vendor.conf`]: '[Service]\nProtectKernelModules=yes\n',
      [`${SYSTEM}/stacks-signer.service.d/20-local.conf`]: [
        'garbage line',
        '[Service]',
        'User=',
        '; a comment',
        'RestrictAddressFamilies=',
        'RestrictAddressFamilies=AF_UNIX',
        // Not booleans: systemd ignores both and keeps the earlier values.
        'PrivateDevices=maybe',
        'NoNewPrivileges=',
        'ProtectControlGroups=1',
        'RestrictSUIDSGID=True',
      ].join('\n'),
      // The prefix directory comes before service.d for the same file name, so PrivateUsers stays unset.
      [`${SYSTEM}/stacks-.service.d/30-prefix.conf`]: '[Service]\nProtectHostname=yes\nLockPersonality=yes\n',
      [`${SYSTEM}/service.d/30-prefix.conf`]: '[Service]\nPrivateUsers=yes\n',
      [`${VENDOR}/service.d/40-all.conf`]: '[Service]\nMemoryDenyWriteExecute=yes\nRestrictRealtime=yes\n',
      // Applied last (sorted by file name, whatever the directory): turns PrivateTmp back on.
      [`${VENDOR}/stacks-signer.service.d/90-late.conf`]: '[Service]\nPrivateTmp=true\nPrivateNetwork=off\n',
    });
    const unit = await loadUnit(new DirectoryTarget(root, { live: false }), 'stacks-signer.service');
    assert.ok(unit?.loaded);
    const { effective } = unit;
    const oracle = securityReport(root, 'stacks-signer.service');
    assert.ok(oracle.fields.size > 0, `systemd-analyze gave no JSON: ${oracle.stdout}`);

    for (const setting of BOOLEAN_SETTINGS) {
      assert.equal(effective.bool('Service', setting) === true, oracle.fields.get(setting), `${setting}`);
    }
    // "User=" reset the user: systemd sees root, and so do we.
    assert.equal(effective.get('Service', 'User'), undefined);
    assert.equal(oracle.fields.get('UserOrDynamicUser'), false);
    // The list reset left only AF_UNIX allowed.
    const families = effective.words('Service', 'RestrictAddressFamilies');
    assert.deepEqual(families, ['AF_UNIX']);
    assert.equal(oracle.fields.get('RestrictAddressFamilies_AF_UNIX'), !families.includes('AF_UNIX'));
    assert.equal(oracle.fields.get('RestrictAddressFamilies_AF_INET_INET6'), !families.includes('AF_INET'));
    assert.equal(oracle.fields.get('RestrictAddressFamilies_AF_PACKET'), !families.includes('AF_PACKET'));

    assert.deepEqual(effective.files, [
      '/usr/local/lib/systemd/system/stacks-signer.service',
      `/${SYSTEM}/stacks-signer.service.d/10-vendor.conf`,
      `/${SYSTEM}/stacks-signer.service.d/20-local.conf`,
      `/${SYSTEM}/stacks-.service.d/30-prefix.conf`,
      `/${VENDOR}/service.d/40-all.conf`,
      `/${VENDOR}/stacks-signer.service.d/90-late.conf`,
    ]);
    assert.deepEqual(
      unit.problems.map((p) => [path.basename(p.file), p.line]),
      [['20-local.conf', 1]],
    );
    const command = parseExecCommand(effective.get('Service', 'ExecStart')!.value)!;
    assert.equal(findConfigArg(command.argv, 'signer'), '/etc/stacks/signer/signer-config.toml');
  });

  test('masking and /etc overrides agree with systemd-analyze', async () => {
    const root = makeRoot({
      'dev/null': '',
      [`${VENDOR}/stacks-node.service`]: '[Service]\nExecStart=/usr/local/bin/stacks-node start\n',
      [`${SYSTEM}/stacks-node.service`]: { symlink: '/dev/null' },
      [`${VENDOR}/stacks-signer.service`]: '[Service]\nExecStart=/bin/true\nPrivateTmp=yes\n',
      [`${SYSTEM}/stacks-signer.service`]: '[Service]\nExecStart=/bin/true\nPrivateNetwork=yes\n',
    });
    const target = new DirectoryTarget(root, { live: false });
    const node = await loadUnit(target, 'stacks-node.service');
    assert.equal(node?.masked, true);
    assert.match(securityReport(root, 'stacks-node.service').stdout, /is masked/);

    const signer = await loadUnit(target, 'stacks-signer.service');
    const oracle = securityReport(root, 'stacks-signer.service');
    for (const setting of ['PrivateTmp', 'PrivateNetwork']) {
      assert.equal(signer?.effective.bool('Service', setting) === true, oracle.fields.get(setting), setting);
    }
  });
});
