import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuditContext } from '../../src/engine/context.js';
import { accountsCreatedBy, buildPlan } from '../../src/harden/plan.js';
import type { HardenArea, Planner, PlanPart } from '../../src/harden/types.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { FIXTURE_CHANGE_COUNT, FIXTURE_FILES, FIXTURE_LAYOUT, fixtureParts } from '../support/harden-plans.js';
import { materialiseFiles } from '../support/materialise.js';
import { serviceHost } from '../support/service-hosts.js';

/** Planners that return the fixture's parts, recording the order they were called in. */
function fixturePlanners(calls: HardenArea[], override: Partial<Record<HardenArea, Planner>> = {}) {
  const planners: Partial<Record<HardenArea, () => Promise<Planner>>> = {};
  for (const part of fixtureParts()) {
    planners[part.area] = async () =>
      override[part.area] ??
      (async () => {
        calls.push(part.area);
        return part;
      });
  }
  return planners;
}

async function withTree<T>(run: (ctx: AuditContext) => Promise<T>): Promise<T> {
  const tree = await materialiseFiles(FIXTURE_FILES);
  try {
    return await run(new AuditContext(new DirectoryTarget(tree.root, { live: false })));
  } finally {
    tree.cleanup();
  }
}

const decideLayout = async () => FIXTURE_LAYOUT;

describe('buildPlan', () => {
  test('runs the planners in HARDEN_AREAS order, whatever the registry order, and honours --only/--skip', async () => {
    await withTree(async (ctx) => {
      const calls: HardenArea[] = [];
      const plan = await buildPlan(
        ctx,
        { consoleAccess: false },
        {},
        { decideLayout, planners: fixturePlanners(calls) },
      );
      assert.deepEqual(calls, ['accounts', 'configs', 'permissions', 'systemd', 'sshd', 'firewall']);
      assert.equal(plan.pending.length, FIXTURE_CHANGE_COUNT);
      assert.equal(plan.live, false);
      const only: HardenArea[] = [];
      await buildPlan(
        ctx,
        { consoleAccess: false },
        { only: ['sshd', 'accounts'], skip: ['accounts'] },
        { decideLayout, planners: fixturePlanners(only) },
      );
      assert.deepEqual(only, ['sshd']);
    });
  });

  test('drops what the target already satisfies: same bytes, mode and owner; existing link; absent file', async () => {
    const tree = await materialiseFiles({
      ...FIXTURE_FILES,
      // Already as planned:
      'etc/ssh/sshd_config.d/10-signer-opsec.conf':
        (fixtureParts()[4] as PlanPart).changes.map((change) => (change.kind === 'write' ? change.content : ''))[0] ??
        '',
      'etc/systemd/system/sysinit.target.wants/nftables.service': { symlink: '/lib/systemd/system/nftables.service' },
      'var/lib/stacks-signer': { dir: true, mode: 0o700, uid: 990, gid: 990 },
      // Same bytes, wrong mode: still to change.
      'etc/group': { content: 'root:x:0:\nop:x:1000:\nstacks-signer:x:990:\n', mode: 0o664 },
    });
    try {
      const ctx = new AuditContext(new DirectoryTarget(tree.root, { live: false }));
      const plan = await buildPlan(ctx, { consoleAccess: false }, {}, { decideLayout, planners: fixturePlanners([]) });
      assert.equal(plan.satisfied, 3);
      const paths = plan.pending.map((pending) => pending.change.path);
      assert.ok(paths.includes('/etc/group'));
      assert.ok(!paths.includes('/etc/ssh/sshd_config.d/10-signer-opsec.conf'));
      assert.ok(!paths.includes('/var/lib/stacks-signer'));
      assert.equal(plan.parts.find((part) => part.area === 'sshd')?.changes.length, 0);
    } finally {
      tree.cleanup();
    }
  });

  test('a throwing planner becomes a part error that blocks apply; failed validations and refusals block too', async () => {
    await withTree(async (ctx) => {
      const failingValidation: PlanPart = {
        ...(fixtureParts()[5] as PlanPart),
        validations: [{ tool: 'nft -c', artefact: '/etc/nftables.conf', ok: false, detail: 'syntax error' }],
        refusals: [{ code: 'ssh-port-closed', message: 'the ruleset would close SSH' }],
      };
      const plan = await buildPlan(
        ctx,
        { consoleAccess: true },
        {},
        {
          decideLayout,
          planners: fixturePlanners([], {
            systemd: async () => {
              throw new Error('unit file unreadable\nsecond line');
            },
            firewall: async () => failingValidation,
          }),
        },
      );
      assert.deepEqual(plan.blockers, [
        'systemd: the systemd planner failed: unit file unreadable',
        'firewall: nft -c failed on /etc/nftables.conf',
        'firewall: refused: the ruleset would close SSH',
      ]);
    });
  });

  test('a refusal naming --i-have-console-access blocks unless the operator has console access', async () => {
    await withTree(async (ctx) => {
      const refusing: PlanPart = {
        ...(fixtureParts()[4] as PlanPart),
        refusals: [{ code: 'no-key', message: 'no login user has a key', override: '--i-have-console-access' }],
      };
      const planners = fixturePlanners([], { sshd: async () => refusing });
      const blocked = await buildPlan(ctx, { consoleAccess: false }, {}, { decideLayout, planners });
      assert.equal(blocked.blockers.length, 1);
      const allowed = await buildPlan(ctx, { consoleAccess: true }, {}, { decideLayout, planners });
      assert.deepEqual(allowed.blockers, []);
    });
  });

  test('with the real layout and no planners: nothing to change', async () => {
    const tree = await materialiseFiles(serviceHost({ signer: ['User=stacks-signer'], node: ['User=stacks-node'] }));
    try {
      const ctx = new AuditContext(new DirectoryTarget(tree.root, { live: false }));
      const plan = await buildPlan(ctx, { consoleAccess: false }, {}, { planners: {} });
      assert.equal(plan.layout.signer?.account?.name, 'stacks-signer');
      assert.deepEqual([plan.pending.length, plan.parts.length, plan.blockers.length], [0, 0, 0]);
    } finally {
      tree.cleanup();
    }
  });

  test('parts that chown to or name an account only the accounts area creates are blocked without it', async () => {
    await withTree(async (ctx) => {
      const skipped = await buildPlan(
        ctx,
        { consoleAccess: false },
        { skip: ['accounts'] },
        { decideLayout, planners: fixturePlanners([]) },
      );
      assert.deepEqual(skipped.blockers, [
        'configs/permissions/systemd need the account stacks-signer, which the accounts area creates, but accounts is not selected: drop --skip accounts (or add accounts to --only)',
      ]);
      // sshd and firewall do not rely on it.
      const unrelated = await buildPlan(
        ctx,
        { consoleAccess: false },
        { only: ['sshd', 'firewall'] },
        { decideLayout, planners: fixturePlanners([]) },
      );
      assert.deepEqual(unrelated.blockers, []);
      const failed = await buildPlan(
        ctx,
        { consoleAccess: false },
        { only: ['accounts', 'systemd'] },
        {
          decideLayout,
          planners: fixturePlanners([], {
            accounts: async () => {
              throw new Error('/etc/passwd: line 3 malformed');
            },
          }),
        },
      );
      assert.deepEqual(failed.blockers, [
        'accounts: the accounts planner failed: /etc/passwd: line 3 malformed',
        'systemd needs the account stacks-signer, which the accounts area creates, but the accounts area could not be planned (see its error)',
      ]);
      assert.deepEqual(accountsCreatedBy(failed), []);
      assert.deepEqual(accountsCreatedBy(skipped), []);
    });
  });
});
