import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import signerNotRoot from '../../../src/checks/identity/signer-not-root.js';
import identityChecks from '../../../src/checks/identity/signer-user-unprivileged.js';
import { runCheckDetailed } from '../../../src/engine/runner.js';
import { planAccounts } from '../../../src/harden/accounts/plan.js';
import type { HardenLayout } from '../../../src/harden/types.js';
import { GROUP } from '../../support/hosts.js';
import { materialiseFiles } from '../../support/materialise.js';
import { passwdWithout, serviceHost } from '../../support/service-hosts.js';
import { applyChanges, contextOf, planOn } from '../apply-changes.js';

const SHADOW = 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::';
const GSHADOW = 'root:*::\nshadow:*::\n';

function layoutFor(name: string, uid: number): HardenLayout {
  return {
    colocated: false,
    notes: [],
    signer: {
      nodeAddresses: [],
      account: { name, uid, group: name, gid: uid, create: true, reason: 'it runs as root' },
    },
  };
}

/** A signer unit already naming the account the plan adds (as the systemd part's drop-in would). */
function host() {
  return serviceHost(
    {
      signer: ['User=stacks-signer'],
      passwd: passwdWithout('stacks-signer'),
      group: GROUP.replace(/^stacks-signer:.*\n/m, ''),
    },
    {
      'etc/shadow': { content: SHADOW, mode: 0o640, uid: 0, gid: 42 },
      'etc/gshadow': { content: GSHADOW, mode: 0o640, uid: 0, gid: 42 },
      'usr/sbin/nologin': { content: '', mode: 0o755 },
    },
  );
}

describe('accounts planner', () => {
  test('adds user, group, shadow and gshadow entries keeping every other byte, mode and owner', async () => {
    const tree = await materialiseFiles(host());
    try {
      const before = readFileSync(join(tree.root, 'etc/shadow'), 'utf8');
      const part = await planOn(planAccounts, tree.root, layoutFor('stacks-signer', 985));
      assert.ok(part);
      assert.deepEqual(part.errors, []);
      assert.deepEqual(
        part.changes.map((change) => change.path),
        ['/etc/passwd', '/etc/group', '/etc/shadow', '/etc/gshadow'],
      );
      assert.ok(part.validations.length > 0 && part.validations.every((validation) => validation.ok));
      const shadow = part.changes.find((change) => change.path === '/etc/shadow');
      assert.ok(shadow?.kind === 'write' && shadow.sensitive === true && shadow.mode === 0o640 && shadow.gid === 42);
      applyChanges(tree.root, part.changes);
      assert.equal(readFileSync(join(tree.root, 'etc/shadow'), 'utf8'), `${before}\nstacks-signer:!:::::::\n`);
      assert.match(
        readFileSync(join(tree.root, 'etc/passwd'), 'utf8'),
        /\nstacks-signer:x:985:985:Stacks signer:\/nonexistent:\/usr\/sbin\/nologin\n$/,
      );
      assert.equal(statSync(join(tree.root, 'etc/gshadow')).mode & 0o7777, 0o640);

      const ctx = contextOf(tree.root);
      for (const check of [signerNotRoot, identityChecks]) {
        const { result } = await runCheckDetailed(check, ctx);
        assert.equal(result.status, 'pass', `${check.id}: ${result.message}`);
      }
      const again = await planOn(planAccounts, tree.root, layoutFor('stacks-signer', 985));
      assert.deepEqual(again?.changes, [], 'a second run adds nothing');
    } finally {
      tree.cleanup();
    }
  });

  test('no nologin on the target: /bin/false', async () => {
    const spec = host();
    delete spec['usr/sbin/nologin'];
    const tree = await materialiseFiles(spec);
    try {
      const part = await planOn(planAccounts, tree.root, layoutFor('stacks-signer', 985));
      const passwd = part?.changes[0];
      assert.ok(passwd?.kind === 'write' && passwd.content.endsWith(':/nonexistent:/bin/false\n'));
    } finally {
      tree.cleanup();
    }
  });

  test('a name or id already taken is an error with the line, and nothing is written', async () => {
    const tree = await materialiseFiles(host());
    try {
      const taken = await planOn(planAccounts, tree.root, layoutFor('alice', 985));
      assert.deepEqual(taken?.changes, []);
      assert.match(taken?.errors[0] ?? '', /\/etc\/passwd line \d+: user alice exists with other ids/);
      const uid = await planOn(planAccounts, tree.root, layoutFor('stacks-x', 0));
      assert.match(uid?.errors[0] ?? '', /uid 0 belongs to root/);
    } finally {
      tree.cleanup();
    }
  });

  test('nothing to create: no part', async () => {
    const tree = await materialiseFiles(host());
    try {
      const layout = layoutFor('stacks-signer', 985);
      layout.signer!.account!.create = false;
      assert.equal(await planOn(planAccounts, tree.root, layout), undefined);
    } finally {
      tree.cleanup();
    }
  });
});
