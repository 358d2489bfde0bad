import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSshd, PROBE_CONNECTION, SSHD_CONFIG } from '../../src/discovery/sshd.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import type { CommandResult, Target } from '../../src/target/types.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

/** Runs `body` against an offline directory target holding `files`. */
async function withTarget<T>(files: FileSpec, body: (target: DirectoryTarget) => Promise<T>): Promise<T> {
  const tree = await materialiseFiles(files);
  try {
    return await body(new DirectoryTarget(tree.root, { live: false }));
  } finally {
    tree.cleanup();
  }
}

/**
 * The same files seen as a live host whose `sshd` answers with `answer` (no real sshd is run): exercises how
 * live output and file positions are combined, and the fallback when sshd -T fails.
 */
function liveWithSshd(
  target: DirectoryTarget,
  answer: (args: readonly string[]) => Promise<CommandResult>,
  calls: string[][],
): Target {
  const live = Object.create(target) as Target & { live: boolean; run: Target['run'] };
  Object.defineProperty(live, 'live', { value: true });
  live.run = async (command, args) => {
    calls.push([command, ...args]);
    return answer(args);
  };
  return live;
}

const CONFIG = [
  'Port 2222',
  'PasswordAuthentication no',
  'PermitRootLogin prohibit-password',
  'Include /etc/ssh/sshd_config.d/*.conf',
  'Match User alice',
  '  PasswordAuthentication yes',
  '',
].join('\n');

describe('loadSshd offline', () => {
  test('absent: no config and no binary', async () => {
    await withTarget({ 'etc/hostname': 'x\n' }, async (target) => {
      const sshd = await loadSshd(target);
      assert.equal(sshd.present, false);
      assert.equal(sshd.mainPath, SSHD_CONFIG);
      assert.equal(sshd.config, undefined);
      // Still answers, with sshd's built-in defaults.
      const { settings, source } = await sshd.effective();
      assert.equal(source, 'parser');
      assert.equal(settings.passwordauthentication.value, 'yes');
      assert.equal(settings.passwordauthentication.file, undefined);
      assert.deepEqual(
        settings.ports.map((port) => port.value),
        [22],
      );
    });
  });

  test('present with a config file: settings come from the files, with file and line', async () => {
    await withTarget(
      {
        'etc/ssh/sshd_config': CONFIG,
        'etc/ssh/sshd_config.d/10-x11.conf': 'X11Forwarding yes\n',
      },
      async (target) => {
        const sshd = await loadSshd(target);
        assert.equal(sshd.present, true);
        assert.deepEqual(sshd.config?.files, ['/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/10-x11.conf']);
        const { settings, source, note } = await sshd.effective();
        assert.equal(source, 'parser');
        assert.equal(note, undefined);
        assert.deepEqual(settings.passwordauthentication, {
          value: 'no',
          file: '/etc/ssh/sshd_config',
          line: 2,
          written: 'no',
        });
        assert.equal(settings.permitrootlogin.value, 'without-password');
        assert.equal(settings.x11forwarding.value, 'yes');
        assert.equal(settings.x11forwarding.file, '/etc/ssh/sshd_config.d/10-x11.conf');
        assert.deepEqual(
          settings.ports.map((port) => [port.value, port.line]),
          [[2222, 1]],
        );
      },
    );
  });

  test('present with only the sshd binary: the missing config is a problem, not a crash', async () => {
    await withTarget({ 'usr/sbin/sshd': { content: '#!/bin/false\n', mode: 0o755 } }, async (target) => {
      const sshd = await loadSshd(target);
      assert.equal(sshd.present, true);
      assert.ok(sshd.config);
      assert.equal(sshd.config.main, undefined);
      assert.match(sshd.config.problems[0]?.message ?? '', /cannot be read/);
      const { settings, source } = await sshd.effective();
      assert.equal(source, 'parser');
      assert.equal(settings.passwordauthentication.value, 'yes');
    });
  });

  test('effective() is per connection: a Match block applies to its user only', async () => {
    await withTarget({ 'etc/ssh/sshd_config': CONFIG }, async (target) => {
      const sshd = await loadSshd(target);
      const probe = await sshd.effective();
      const alice = await sshd.effective({ ...PROBE_CONNECTION, user: 'alice' });
      assert.equal(probe.settings.passwordauthentication.value, 'no');
      assert.equal(alice.settings.passwordauthentication.value, 'yes');
      assert.equal(alice.settings.passwordauthentication.line, 6);
    });
  });

  test('the same connection is evaluated once and shared; the default is the probe connection', async () => {
    await withTarget({ 'etc/ssh/sshd_config': CONFIG }, async (target) => {
      const sshd = await loadSshd(target);
      const first = sshd.effective();
      assert.equal(sshd.effective(), first);
      assert.equal(sshd.effective({ ...PROBE_CONNECTION }), first);
      const root = sshd.effective({ ...PROBE_CONNECTION, user: 'root' });
      assert.notEqual(root, first);
      assert.equal(sshd.effective({ ...PROBE_CONNECTION, user: 'root' }), root);
      assert.equal(await first, await sshd.effective());
    });
  });

  test('connections differing only in their groups are not mixed up', async () => {
    await withTarget(
      { 'etc/ssh/sshd_config': 'PasswordAuthentication no\nMatch Group admins\n  PasswordAuthentication yes\n' },
      async (target) => {
        const sshd = await loadSshd(target);
        const member = await sshd.effective({ ...PROBE_CONNECTION, user: 'bob', groups: ['admins'] });
        const outsider = await sshd.effective({ ...PROBE_CONNECTION, user: 'bob', groups: ['users'] });
        assert.equal(member.settings.passwordauthentication.value, 'yes');
        assert.equal(outsider.settings.passwordauthentication.value, 'no');
      },
    );
  });

  test('an offline target never runs sshd, even when the binary is there', async () => {
    await withTarget(
      { 'etc/ssh/sshd_config': CONFIG, 'usr/sbin/sshd': { content: '#!/bin/false\n', mode: 0o755 } },
      async (target) => {
        const sshd = await loadSshd(target);
        // DirectoryTarget.run throws NotEvaluableError offline; a parser answer proves it was not called.
        const { source, note } = await sshd.effective();
        assert.equal(source, 'parser');
        assert.equal(note, undefined);
      },
    );
  });
});

describe('loadSshd with a live target (sshd answers stubbed)', () => {
  const files: FileSpec = { 'etc/ssh/sshd_config': CONFIG, 'usr/sbin/sshd': { content: '', mode: 0o755 } };

  test('uses `sshd -T -C <connection>` and keeps file/line where sshd and the files agree', async () => {
    await withTarget(files, async (target) => {
      const calls: string[][] = [];
      const live = liveWithSshd(
        target,
        async () => ({
          code: 0,
          stdout: 'port 2222\npasswordauthentication no\npermitrootlogin no\nx11forwarding no\n',
          stderr: '',
        }),
        calls,
      );
      const sshd = await loadSshd(live);
      const { settings, source, note } = await sshd.effective();
      assert.equal(source, 'sshd -T');
      assert.equal(note, undefined);
      assert.deepEqual(calls, [['sshd', '-T', '-C', 'user=signer-opsec-probe,host=probe.invalid,addr=203.0.113.1']]);
      // Same value in the files: the position is carried over.
      assert.equal(settings.passwordauthentication.value, 'no');
      assert.equal(settings.passwordauthentication.line, 2);
      // sshd says otherwise than the files: its value, without a position it did not come from.
      assert.equal(settings.permitrootlogin.value, 'no');
      assert.equal(settings.permitrootlogin.file, undefined);
      assert.deepEqual(
        settings.ports.map((port) => port.value),
        [2222],
      );
      // Cached: a second call does not run sshd again.
      await sshd.effective();
      assert.equal(calls.length, 1);
    });
  });

  test('sshd -T failing: the parser answers, with a note giving where sshd failed and why, never its quote', async () => {
    await withTarget(files, async (target) => {
      // What sshd prints for an `Include /etc/shadow` (issue 18 item 6): the quoted "keyword" is a shadow line.
      const stderr = '/etc/shadow line 9: no argument after keyword "stacks:$6$Zq8Xv2Lk$planted:19700:0:99999:7:::"\n';
      const live = liveWithSshd(target, async () => ({ code: 255, stdout: '', stderr }), []);
      const { settings, source, note } = await (await loadSshd(live)).effective();
      assert.equal(source, 'parser');
      assert.equal(
        note,
        'sshd -T failed (sshd: /etc/shadow:9: no argument after keyword); read the config files instead',
      );
      assert.equal(settings.passwordauthentication.line, 2);
    });
  });

  test('sshd that cannot be run: the parser answers, with a note', async () => {
    await withTarget(files, async (target) => {
      const live = liveWithSshd(target, async () => {
        throw new Error('spawn sshd ENOENT');
      }, []);
      const { source, note } = await (await loadSshd(live)).effective();
      assert.equal(source, 'parser');
      assert.equal(note, 'spawn sshd ENOENT; read the config files instead');
    });
  });

  test('a live target without an sshd binary does not try to run one', async () => {
    await withTarget({ 'etc/ssh/sshd_config': CONFIG }, async (target) => {
      const calls: string[][] = [];
      const live = liveWithSshd(target, async () => assert.fail('sshd must not be run'), calls);
      const { source } = await (await loadSshd(live)).effective();
      assert.equal(source, 'parser');
      assert.deepEqual(calls, []);
    });
  });
});
