import assert from 'node:assert/strict';
import { test } from 'node:test';
import check from '../../../src/checks/identity/signer-user-unprivileged.js';
import type { DetailedResult } from '../../../src/engine/runner.js';
import { grantCovers } from '../../../src/facts/accounts/privileges.js';
import { runCheckCases } from '../../support/check-tester.js';
import { GROUP, PASSWD, signerHost } from '../../support/hosts.js';
import { composeSigner, passwdWithout, SIGNER_UNIT, serviceHost } from '../../support/service-hosts.js';

const signer = (extra = {}, options = {}) => serviceHost({ signer: ['User=stacks-signer'], ...options }, extra);
const sudoers = (text: string) => ({ 'etc/sudoers': { content: text, mode: 0o440 } });

function evidenceAt(file: string, line: number) {
  return ({ result }: DetailedResult) =>
    assert.ok(
      result.evidence.some((item) => item.file === file && item.line === line),
      `expected evidence at ${file}:${line}; got ${JSON.stringify(result.evidence)}`,
    );
}

runCheckCases(check, {
  pass: [
    { name: 'system account, nologin, no groups, no sudoers', files: signer(), messages: ['unprivileged'] },
    {
      name: 'sudoers names only others',
      files: signer(
        sudoers('Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\nalice ALL=(ALL) NOPASSWD: ALL\n'),
      ),
      messages: ['unprivileged'],
    },
    {
      name: 'empty authorized_keys grants nothing',
      files: signer({ 'var/lib/stacks-signer/.ssh/authorized_keys': '' }),
      messages: ['unprivileged'],
    },
    {
      name: 'DynamicUser',
      files: serviceHost({ signer: ['DynamicUser=yes'], passwd: passwdWithout('stacks-signer') }),
      messages: ['dynamic'],
    },
    { name: 'container user', files: composeSigner('"990:990"'), messages: ['container'] },
    {
      name: 'shell /bin/false',
      files: signer(
        {},
        { passwd: PASSWD.replace('/var/lib/stacks-signer:/usr/sbin/nologin', '/var/lib/stacks-signer:/bin/false') },
      ),
      messages: ['unprivileged'],
    },
  ],
  fail: [
    { name: 'runs as root', files: serviceHost({ signer: [] }), messages: ['root'] },
    {
      name: 'member of sudo in /etc/group',
      files: signer({}, { group: GROUP.replace('sudo:x:27:alice', 'sudo:x:27:alice,stacks-signer') }),
      messages: ['privilegedGroup'],
      verify: evidenceAt('/etc/group', 3),
    },
    {
      name: 'primary group docker',
      files: signer({}, { passwd: PASSWD.replace('stacks-signer:x:990:990:', 'stacks-signer:x:990:998:') }),
      messages: ['privilegedGroup'],
      verify: evidenceAt('/etc/passwd', 3),
    },
    {
      name: 'SupplementaryGroups=adm in the unit',
      files: serviceHost({ signer: ['User=stacks-signer', 'SupplementaryGroups=stacks-signer adm'] }),
      messages: ['privilegedGroup'],
      verify: evidenceAt(`/${SIGNER_UNIT}`, 7),
    },
    {
      name: 'systemd-journal and shadow members',
      files: signer({}, { group: `${GROUP}systemd-journal:x:101:stacks-signer\nshadow:x:42:stacks-signer\n` }),
      messages: ['privilegedGroup'],
      verify: ({ items }) => assert.equal(items.filter((item) => item.messageId === 'privilegedGroup').length, 2),
    },
    {
      name: 'sudoers names the user',
      files: signer(sudoers('stacks-signer ALL=(ALL) NOPASSWD: ALL\n')),
      messages: ['sudoRule'],
      verify: evidenceAt('/etc/sudoers', 1),
    },
    {
      name: 'sudoers names its group',
      files: signer(sudoers('# admins\n%stacks-signer ALL=(ALL) ALL\n')),
      messages: ['sudoRule'],
      verify: evidenceAt('/etc/sudoers', 2),
    },
    { name: 'sudoers names its uid', files: signer(sudoers('#990 ALL=(ALL) ALL\n')), messages: ['sudoRule'] },
    {
      name: 'a sudo rule found, and an include that could not be read: the failure stands',
      files: signer({
        ...sudoers('stacks-signer ALL=(ALL) ALL\n@include /etc/sudoers.local\n'),
        'etc/sudoers.local': { dir: true },
      }),
      messages: ['sudoRule'],
      verify: ({ result }) =>
        // The include is named by the line that includes it (the path it holds is text of the file).
        assert.ok(
          result.evidence.some((item) => /not checked: \/etc\/sudoers:2: the file it includes/.test(item.detail ?? '')),
        ),
    },
    { name: 'sudoers names its gid', files: signer(sudoers('%#990 ALL=(ALL) ALL\n')), messages: ['sudoRule'] },
    { name: 'sudoers ALL users', files: signer(sudoers('ALL ALL=(ALL) /usr/bin/systemctl\n')), messages: ['sudoRule'] },
    {
      name: 'sudoers User_Alias in an includedir file',
      files: signer({
        ...sudoers('@includedir /etc/sudoers.d\n'),
        'etc/sudoers.d/stacks': {
          content:
            'User_Alias OPS = alice, stacks-signer\nOPS ALL=(root) NOPASSWD: /usr/bin/systemctl restart stacks-signer\n',
          mode: 0o440,
        },
      }),
      messages: ['sudoRule'],
      verify: evidenceAt('/etc/sudoers.d/stacks', 2),
    },
    {
      name: 'login shell',
      files: signer(
        {},
        { passwd: PASSWD.replace('/var/lib/stacks-signer:/usr/sbin/nologin', '/var/lib/stacks-signer:/bin/bash') },
      ),
      messages: ['loginShell'],
      verify: evidenceAt('/etc/passwd', 3),
    },
    {
      name: 'empty shell field means /bin/sh',
      files: signer(
        {},
        { passwd: PASSWD.replace('/var/lib/stacks-signer:/usr/sbin/nologin', '/var/lib/stacks-signer:') },
      ),
      messages: ['loginShell'],
    },
    {
      name: 'authorized_keys in its home',
      files: signer({
        'var/lib/stacks-signer/.ssh/authorized_keys': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFake ops@laptop\n',
      }),
      messages: ['authorizedKeys'],
      verify: ({ result }) =>
        assert.ok(result.evidence.some((item) => item.file === '/var/lib/stacks-signer/.ssh/authorized_keys')),
    },
    {
      name: 'authorized_keys2 in its home',
      files: signer({
        'var/lib/stacks-signer/.ssh/authorized_keys2': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFake ops@laptop\n',
      }),
      messages: ['authorizedKeys'],
    },
    {
      name: 'dynamic user with a privileged supplementary group',
      files: serviceHost({
        signer: ['DynamicUser=yes', 'SupplementaryGroups=docker'],
        passwd: passwdWithout('stacks-signer'),
      }),
      messages: ['privilegedGroup'],
    },
  ],
  error: [
    {
      // Fail closed (issue 18): a warn here let `--fail-on` pass a sudoers file nobody read.
      name: 'an unreadable sudoers include',
      files: signer({ ...sudoers('@include /etc/sudoers.local\n'), 'etc/sudoers.local': { dir: true } }),
      messages: ['sudoersProblem'],
    },
  ],
  notApplicable: [{ name: 'no signer', files: {} }],
  notEvaluable: [
    { name: 'user not in passwd', files: serviceHost({ signer: ['User=ghost'] }), messages: ['unknownUser'] },
    { name: 'no unit offline', files: signerHost(), messages: ['unknown'] },
  ],
});

test('grantCovers: sudoers principal forms', () => {
  const groups = [{ name: 'stacks-signer', gid: 990, evidence: { detail: '' } }];
  const user = { name: 'stacks-signer', uid: 990 };
  for (const principal of ['ALL', 'stacks-signer', '#990', '%stacks-signer', '%#990'])
    assert.ok(grantCovers(principal, user, groups), principal);
  for (const principal of ['alice', '#0', '%sudo', '%#27', 'stacks'])
    assert.ok(!grantCovers(principal, user, groups), principal);
});
