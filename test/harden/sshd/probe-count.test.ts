// Issue 18 item 18: harden asked `sshd -T -C user=…` once per passwd line, duplicates included (2,000 root lines took
// 108 s). The runs are counted here: one per distinct user at most, one for all when no Match block can tell them
// apart, and none past MAX_PROBED_USERS, where the plan is refused instead.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuditContext } from '../../../src/engine/context.js';
import { planSshd } from '../../../src/harden/sshd/plan.js';
import { MAX_PROBED_USERS, validateSshdConfig } from '../../../src/harden/sshd/validate.js';
import type { HardenLayout } from '../../../src/harden/types.js';
import { DirectoryTarget } from '../../../src/target/directory-target.js';
import { ADMIN_PUBLIC_KEY } from '../../support/harden-hosts.js';
import { materialiseFiles } from '../../support/materialise.js';

const PROBE = { host: 'probe.invalid', addr: '203.0.113.1' };
const CONFIG = 'PasswordAuthentication no\nKbdInteractiveAuthentication no\n';
const MATCHED = `${CONFIG}Match User admin\n  PasswordAuthentication yes\n`;
const SPEC = 'user=probe,host=probe.invalid,addr=203.0.113.1';
/** A copy of one sshd_config with no Include. */
const copyOf = (text: string) => ({
  files: new Map([['/etc/ssh/sshd_config', text]]),
  includes: new Map(),
  canonical: new Map(),
});
const many = (count: number) => Array.from({ length: count }, (_, i) => `user${i}`);

describe('sshd runs per plan', { timeout: 240_000 }, () => {
  test('2,000 duplicate root names and no Match block: three runs (-t, -T, one -C for everyone)', async () => {
    const files = copyOf(CONFIG);
    const names = [...Array.from({ length: 2_000 }, () => 'root'), ...many(500)];
    const result = await validateSshdConfig('/etc/ssh/sshd_config', files, SPEC, 'drop-in', {
      names,
      probe: PROBE,
      uniform: true,
    });
    assert.deepEqual(
      result.validations.filter((validation) => !validation.ok),
      [],
    );
    assert.equal(result.sshdRuns, 3);
    assert.equal(result.perUser?.size, 501);
    assert.deepEqual(result.perUser?.get('user499')?.passwordauthentication, ['no']);
  });

  test('with a Match block, duplicates are asked about once each', async () => {
    const files = copyOf(MATCHED);
    const names = [...Array.from({ length: 2_000 }, () => 'root'), 'admin'];
    const result = await validateSshdConfig('/etc/ssh/sshd_config', files, SPEC, 'drop-in', { names, probe: PROBE });
    assert.equal(result.sshdRuns, 4);
    assert.deepEqual(result.perUser?.get('admin')?.passwordauthentication, ['yes']);
    assert.deepEqual(result.perUser?.get('root')?.passwordauthentication, ['no']);
  });

  test('with a Match block and more distinct users than the cap: refused without running sshd', async () => {
    const files = copyOf(MATCHED);
    const result = await validateSshdConfig('/etc/ssh/sshd_config', files, SPEC, 'drop-in', {
      names: many(MAX_PROBED_USERS + 1),
      probe: PROBE,
    });
    assert.equal(result.sshdRuns, 0);
    assert.equal(result.validations.length, 1);
    assert.match(
      result.validations[0]!.detail,
      /101 login users .* more than 100: harden can't prove nobody is locked out/,
    );
  });

  test('harden plan over a passwd of 2,000 root lines and 500 users completes and plans the drop-in', async () => {
    const users = many(500).map((name, i) => `${name}:x:${2000 + i}:${2000 + i}::/home/${name}:/bin/bash`);
    const passwd = [
      ...Array.from({ length: 2_000 }, () => 'root:x:0:0:root:/root:/bin/bash'),
      'sshd:x:101:65534::/run/sshd:/usr/sbin/nologin',
      'admin:x:1000:1000::/home/admin:/bin/bash',
      ...users,
      '',
    ].join('\n');
    const tree = await materialiseFiles({
      'etc/passwd': passwd,
      'etc/group': 'root:x:0:\nadmin:x:1000:\n',
      'usr/sbin/sshd': { content: '#!/bin/sh\n', mode: 0o755 },
      'lib/systemd/system/ssh.service': '[Service]\nExecStart=/usr/sbin/sshd -D\n',
      'etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\n',
      'home/admin/.ssh/authorized_keys': { content: ADMIN_PUBLIC_KEY, mode: 0o600, uid: 1000, gid: 1000 },
    });
    try {
      const layout: HardenLayout = {
        colocated: true,
        notes: [],
        signer: { nodeAddresses: [] },
        node: { p2pPort: 20444 },
      };
      const ctx = new AuditContext(new DirectoryTarget(tree.root, { live: false }));
      const part = await planSshd({ ctx, layout, options: { consoleAccess: false } });
      assert.ok(part);
      assert.deepEqual(part.errors, []);
      assert.ok(part.changes.some((change) => change.kind === 'write'));
    } finally {
      tree.cleanup();
    }
  });
});
