import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import authTokenStrength from '../../../src/checks/keys/auth-token-strength.js';
import metricsEndpointLocal from '../../../src/checks/topology/metrics-endpoint-local.js';
import signerEndpointExposure from '../../../src/checks/topology/signer-endpoint-exposure.js';
import { runCheckDetailed } from '../../../src/engine/runner.js';
import { planConfigsWith } from '../../../src/harden/configs/plan.js';
import { decideLayout } from '../../../src/harden/layout.js';
import { signerToml, TEST_SIGNER_KEY } from '../../support/hosts.js';
import { materialiseFiles } from '../../support/materialise.js';
import { NODE_TOML, serviceHost, unitFile } from '../../support/service-hosts.js';
import { applyChanges, contextOf, NO_CONSOLE, printable } from '../apply-changes.js';

const FRESH = '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0';
const HOME_CONFIG = 'home/alice/signer.toml';

function insecureHost() {
  return serviceHost(
    { node: ['User=stacks-node'] },
    {
      'etc/systemd/system/stacks-signer.service': unitFile(
        `ExecStart=/usr/local/bin/stacks-signer run --config /${HOME_CONFIG}`,
        ['User=stacks-signer'],
      ),
      [HOME_CONFIG]: {
        content: signerToml({
          endpoint: '0.0.0.0:30000',
          metrics_endpoint: '0.0.0.0:9154',
          auth_password: 'password123',
        }),
        mode: 0o644,
        uid: 1000,
        gid: 1000,
      },
      'etc/stacks/node/node-config.toml': {
        content: `${NODE_TOML}\n[[events_observer]]\nendpoint = "127.0.0.1:30000"\nevents_keys = ["stackerdb"]\n`,
        mode: 0o600,
        uid: 991,
        gid: 991,
      },
    },
  );
}

async function plan(root: string) {
  const ctx = contextOf(root);
  const layout = await decideLayout(ctx);
  return { layout, part: await planConfigsWith({ ctx, layout, options: NO_CONSOLE }, { newToken: () => FRESH }) };
}

describe('configs planner', () => {
  test('a config under /home moves to /etc/stacks/signer with its edits; the old copy goes; controls pass', async () => {
    const spec = insecureHost();
    delete spec['etc/stacks/signer/signer-config.toml'];
    const tree = await materialiseFiles(spec);
    try {
      const { layout, part } = await plan(tree.root);
      assert.equal(layout.signer?.configTarget, '/etc/stacks/signer/signer-config.toml');
      assert.ok(part);
      assert.deepEqual(part.errors, []);
      assert.deepEqual(
        part.changes.map((change) => `${change.kind} ${change.path}`),
        [
          'mkdir /etc/stacks/signer',
          'write /etc/stacks/signer/signer-config.toml',
          `remove /${HOME_CONFIG}`,
          'write /etc/stacks/node/node-config.toml',
        ],
      );
      assert.ok(part.changes.every((change) => change.kind !== 'write' || change.sensitive === true));
      const text = printable(part);
      for (const secret of [FRESH, TEST_SIGNER_KEY, 'password123']) assert.ok(!text.includes(secret));

      applyChanges(tree.root, part.changes);
      assert.equal(existsSync(join(tree.root, HOME_CONFIG)), false);
      const moved = join(tree.root, 'etc/stacks/signer/signer-config.toml');
      assert.equal(statSync(moved).mode & 0o777, 0o600);
      assert.equal(statSync(moved).uid, 990);
      assert.match(readFileSync(moved, 'utf8'), /^endpoint = "127\.0\.0\.1:30000"$/m);

      // The ExecStart fix is the systemd part's: the unit now names the moved config, as its drop-in would.
      applyChanges(tree.root, [
        {
          kind: 'write',
          path: '/etc/systemd/system/stacks-signer.service',
          content: unitFile(
            'ExecStart=/usr/local/bin/stacks-signer run --config /etc/stacks/signer/signer-config.toml',
            ['User=stacks-signer'],
          ),
          mode: 0o644,
          uid: 0,
          gid: 0,
          reason: 'test stand-in for the systemd part',
        },
      ]);
      const ctx = contextOf(tree.root);
      for (const check of [signerEndpointExposure, metricsEndpointLocal, authTokenStrength]) {
        const { result } = await runCheckDetailed(check, ctx);
        assert.equal(result.status, 'pass', `${check.id}: ${result.message}`);
        assert.ok(part.addresses.includes(check.id));
      }
      const again = await plan(tree.root);
      assert.deepEqual(again.part?.changes, [], 'the token is strong and equal now: not generated again');
    } finally {
      tree.cleanup();
    }
  });

  test('an unreadable node config stops the part with where and why', async () => {
    const tree = await materialiseFiles(serviceHost({ signer: ['User=stacks-signer'], node: ['User=stacks-node'] }));
    try {
      const ctx = contextOf(tree.root);
      const layout = await decideLayout(ctx);
      layout.node!.configPath = '/etc/stacks/node/missing.toml';
      const part = await planConfigsWith({ ctx, layout, options: NO_CONSOLE });
      assert.deepEqual(part?.changes, []);
      assert.match(part?.errors[0] ?? '', /node config \/etc\/stacks\/node\/missing\.toml: does not exist/);
    } finally {
      tree.cleanup();
    }
  });
});
