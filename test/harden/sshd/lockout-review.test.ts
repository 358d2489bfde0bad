// Review fixes of the sshd lock-out guard: each user judged from what sshd applies to it (Match blocks), keys and
// shells that give no shell, StrictModes, `Include=`, and controls a Match block still weakens.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuditContext } from '../../../src/engine/context.js';
import { countKeyLines, countShellKeyLines } from '../../../src/harden/sshd/key-holders.js';
import { planSshd } from '../../../src/harden/sshd/plan.js';
import { includeSite, includesOutside, rewriteSshdIncludes } from '../../../src/harden/sshd/validate.js';
import type { HardenLayout, PlanPart } from '../../../src/harden/types.js';
import { DirectoryTarget } from '../../../src/target/directory-target.js';
import { ADMIN_PUBLIC_KEY } from '../../support/harden-hosts.js';
import { type FileSpec, materialiseFiles } from '../../support/materialise.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'sshd:x:101:65534::/run/sshd:/usr/sbin/nologin',
  'admin:x:1000:1000::/home/admin:/bin/bash',
  'stacks:x:1001:1001::/home/stacks:/usr/sbin/nologin',
  '',
].join('\n');
const GROUP = 'root:x:0:\nadmin:x:1000:\nstacks:x:1001:\n';
const LAYOUT: HardenLayout = { colocated: true, notes: [], signer: { nodeAddresses: [] }, node: { p2pPort: 20444 } };
const KEY_FILE = { content: ADMIN_PUBLIC_KEY, mode: 0o600, uid: 1000, gid: 1000 };
const ADMIN_KEYS: FileSpec = {
  'home/admin': { dir: true, mode: 0o750, uid: 1000, gid: 1000 },
  'home/admin/.ssh': { dir: true, mode: 0o700, uid: 1000, gid: 1000 },
  'home/admin/.ssh/authorized_keys': KEY_FILE,
};

async function plan(files: FileSpec, consoleAccess = false): Promise<PlanPart> {
  const tree = await materialiseFiles({
    'etc/passwd': PASSWD,
    'etc/group': GROUP,
    'usr/sbin/sshd': { content: '#!/bin/sh\n', mode: 0o755 },
    'lib/systemd/system/ssh.service': '[Service]\nExecStart=/usr/sbin/sshd -D\n',
    ...files,
  });
  try {
    const ctx = new AuditContext(new DirectoryTarget(tree.root, { live: false }));
    const part = await planSshd({ ctx, layout: LAYOUT, options: { consoleAccess } });
    assert.ok(part);
    return part;
  } finally {
    tree.cleanup();
  }
}

const refusal = (part: PlanPart) => part.refusals.find((entry) => entry.code === 'no-key-login')?.message ?? '';

describe('sshd lock-out guard judges each user from the resulting config (sshd -T -C user=…)', () => {
  test('Match User AuthorizedKeysFile pointing at a missing file: refused although ~/.ssh holds a key', async () => {
    const part = await plan({
      'etc/ssh/sshd_config': 'PasswordAuthentication yes\nMatch User admin\n  AuthorizedKeysFile /etc/ssh/keys/%u\n',
      ...ADMIN_KEYS,
    });
    assert.match(refusal(part), /admin: \/etc\/ssh\/keys\/admin does not exist/);
    assert.ok(
      part.notes.some((note) => /Match User at \/etc\/ssh\/sshd_config:\d+ sets AuthorizedKeysFile for/.test(note)),
    );
  });

  test('Match User PubkeyAuthentication no, and AuthenticationMethods needing a second factor: refused', async () => {
    const pubkeyOff = await plan({
      'etc/ssh/sshd_config': 'PasswordAuthentication yes\nMatch User admin\n  PubkeyAuthentication no\n',
      ...ADMIN_KEYS,
    });
    assert.match(refusal(pubkeyOff), /admin: PubkeyAuthentication no/);
    const twoFactor = await plan({
      'etc/ssh/sshd_config': 'UsePAM yes\nMatch User admin\n  AuthenticationMethods publickey,keyboard-interactive\n',
      ...ADMIN_KEYS,
    });
    assert.match(refusal(twoFactor), /AuthenticationMethods publickey,keyboard-interactive needs more than a key/);
    assert.ok(
      twoFactor.notes.some((note) =>
        /Match User at \/etc\/ssh\/sshd_config:\d+ sets AuthenticationMethods publickey,keyboard-interactive/.test(
          note,
        ),
      ),
    );
    const keyOr2fa = await plan({
      'etc/ssh/sshd_config':
        'UsePAM yes\nMatch User admin\n  AuthenticationMethods publickey,keyboard-interactive publickey\n',
      ...ADMIN_KEYS,
    });
    assert.equal(refusal(keyOr2fa), '', 'a list publickey alone completes lets the key in');
  });

  test('a Match block for another user changes nothing for admin', async () => {
    const part = await plan({
      'etc/ssh/sshd_config': 'PasswordAuthentication yes\nMatch User backup\n  PubkeyAuthentication no\n',
      ...ADMIN_KEYS,
    });
    assert.deepEqual(part.refusals, []);
    assert.ok(part.notes.includes('key login stays possible for: admin'));
  });
});

describe('keys and shells that give no shell do not count', () => {
  test('key options: command= and restrict (without pty) give no shell; restrict,pty and from= do', () => {
    const key = ADMIN_PUBLIC_KEY.trim();
    const lines = [
      key,
      `command="/usr/bin/rrsync -ro /var/backups" ${key}`,
      `restrict ${key}`,
      `restrict,pty ${key}`,
      `from="192.0.2.1,198.51.100.0/24" ${key}`,
      `no-port-forwarding,command="echo a, b" ${key}`,
    ].join('\n');
    assert.equal(countKeyLines(lines), 6);
    assert.equal(countShellKeyLines(lines), 3);
  });

  test('a forced-command key is no way in; the message names it without printing the key', async () => {
    const part = await plan({
      'etc/ssh/sshd_config': 'PasswordAuthentication yes\n',
      ...ADMIN_KEYS,
      'home/admin/.ssh/authorized_keys': {
        ...KEY_FILE,
        content: `restrict,command="/usr/bin/rrsync -ro /var/backups" ${ADMIN_PUBLIC_KEY}`,
      },
    });
    assert.match(refusal(part), /only keys limited by command= or restrict/);
    assert.doesNotMatch(JSON.stringify(part), /AAAAC3/);
  });

  test('git-shell, and a shell missing from /etc/shells, allow no login', async () => {
    const gitShell = await plan({
      'etc/passwd': `${PASSWD}git:x:1002:1002::/home/git:/usr/bin/git-shell\n`.replace(
        'admin:x:1000:1000::/home/admin:/bin/bash\n',
        '',
      ),
      'etc/ssh/sshd_config': 'PasswordAuthentication yes\n',
      'home/git/.ssh/authorized_keys': { content: ADMIN_PUBLIC_KEY, mode: 0o600, uid: 1002, gid: 1002 },
    });
    assert.match(refusal(gitShell), /no non-root user has a login shell/);
    const unlisted = await plan({
      'etc/shells': '/bin/sh\n/bin/dash\n',
      'etc/ssh/sshd_config': 'PasswordAuthentication yes\n',
      ...ADMIN_KEYS,
    });
    assert.match(refusal(unlisted), /no non-root user has a login shell/);
    const listed = await plan({
      'etc/shells': '# /etc/shells\n/bin/sh\n/bin/bash\n',
      'etc/ssh/sshd_config': 'PasswordAuthentication yes\n',
      ...ADMIN_KEYS,
    });
    assert.deepEqual(listed.refusals, []);
  });
});

describe('StrictModes: sshd ignores a key file others could have changed', () => {
  const cases: [string, FileSpec, RegExp][] = [
    [
      'home writable by others',
      { 'home/admin': { dir: true, mode: 0o777, uid: 1000, gid: 1000 } },
      /under \/home\/admin, which is writable/,
    ],
    [
      '~/.ssh group-writable',
      { 'home/admin/.ssh': { dir: true, mode: 0o770, uid: 1000, gid: 1000 } },
      /under \/home\/admin\/\.ssh, which is writable/,
    ],
    [
      '~/.ssh owned by another user',
      { 'home/admin/.ssh': { dir: true, mode: 0o700, uid: 1001, gid: 1000 } },
      /\.ssh, which is owned by uid 1001/,
    ],
    [
      'key file owned by another user',
      { 'home/admin/.ssh/authorized_keys': { ...KEY_FILE, uid: 1001 } },
      /authorized_keys is owned by uid 1001/,
    ],
  ];
  for (const [name, override, expected] of cases) {
    test(`${name}: refused`, async () => {
      const part = await plan({ 'etc/ssh/sshd_config': 'PasswordAuthentication yes\n', ...ADMIN_KEYS, ...override });
      assert.match(refusal(part), expected);
    });
  }

  test('StrictModes no in the resulting config: the same loose home is accepted', async () => {
    const part = await plan({
      'etc/ssh/sshd_config': 'PasswordAuthentication yes\nStrictModes no\n',
      ...ADMIN_KEYS,
      'home/admin': { dir: true, mode: 0o777, uid: 1000, gid: 1000 },
      'home/admin/.ssh/authorized_keys': { ...KEY_FILE, mode: 0o666 },
    });
    assert.deepEqual(part.refusals, []);
  });

  test('a root-owned key file under a root-owned /etc/ssh/keys is fine', async () => {
    const part = await plan({
      'etc/ssh/sshd_config': 'PasswordAuthentication yes\nAuthorizedKeysFile /etc/ssh/keys/%u\n',
      'etc/ssh/keys/admin': { content: ADMIN_PUBLIC_KEY, mode: 0o644 },
    });
    assert.deepEqual(part.refusals, []);
  });
});

describe('Include= is rewritten into the temp copy', () => {
  test('every spelling points at the copies of the files the parser read; an escape is caught', () => {
    const text = 'Include=/etc/ssh/a.conf\ninclude = b.conf\n  INCLUDE /etc/ssh/c/*.conf d.conf\nPort 22\n';
    const rewritten = rewriteSshdIncludes(
      {
        files: new Map([['/etc/ssh/sshd_config', text]]),
        includes: new Map([
          [includeSite('/etc/ssh/sshd_config', 1), ['/etc/ssh/a.conf']],
          [includeSite('/etc/ssh/sshd_config', 2), ['/etc/ssh/b.conf']],
          [includeSite('/etc/ssh/sshd_config', 3), []],
        ]),
        canonical: new Map(),
      },
      '/tmp/x',
    );
    assert.ok('files' in rewritten);
    const copied = rewritten.files.get('/etc/ssh/sshd_config')!;
    assert.deepEqual(includesOutside(copied, '/tmp/x'), []);
    assert.match(copied, /^Include "\/tmp\/x\/etc\/ssh\/a\.conf"$/m);
    assert.match(copied, /^Include "\/tmp\/x\/etc\/ssh\/b\.conf"$/m);
    assert.match(copied, /^# Include: matches no file$/m);
    assert.deepEqual(includesOutside('Include=/etc/ssh/a.conf\n', '/tmp/x'), ['/etc/ssh/a.conf']);
  });

  test('an Include line the parser did not resolve, or a file with `..` in its place, is an error', () => {
    const unresolved = rewriteSshdIncludes(
      {
        files: new Map([['/etc/ssh/sshd_config', 'Include /etc/ssh/../../../../etc/shadow\n']]),
        includes: new Map([[includeSite('/etc/ssh/sshd_config', 1), ['/etc/ssh/../../../../etc/shadow']]]),
        canonical: new Map(),
      },
      '/tmp/x',
    );
    assert.deepEqual(unresolved, {
      errors: ['/etc/ssh/sshd_config:1: Include names a path that cannot be resolved inside the target'],
    });
  });

  test('a bad file reached through Include= fails sshd -t (it used to read this machine’s copy)', async () => {
    const part = await plan({
      'etc/ssh/sshd_config': 'Include=/etc/ssh/extra.conf\nPasswordAuthentication yes\n',
      'etc/ssh/extra.conf': 'Ciphers no-such-cipher@example\n',
      ...ADMIN_KEYS,
    });
    assert.match(part.errors.join('\n'), /extra\.conf:1: Bad SSH2 cipher spec$/m);
    assert.ok(!part.errors.join('\n').includes('no-such-cipher'), 'sshd quotes the value; it is not relayed');
    assert.deepEqual(part.changes, []);
  });
});

describe('controls a Match block still weakens are not claimed', () => {
  test('Match Address with PasswordAuthentication yes: ssh/password-authentication not claimed', async () => {
    const part = await plan({
      'etc/ssh/sshd_config': 'PasswordAuthentication yes\nMatch Address 10.0.0.0/8\n  PasswordAuthentication yes\n',
      ...ADMIN_KEYS,
    });
    assert.deepEqual(part.addresses, ['ssh/root-login']);
    assert.ok(part.notes.some((note) => /ssh\/password-authentication is not claimed/.test(note)));
    const root = await plan({
      'etc/ssh/sshd_config': 'Match User admin\n  PermitRootLogin prohibit-password\n',
      ...ADMIN_KEYS,
    });
    assert.deepEqual(root.addresses, ['ssh/password-authentication']);
  });
});
