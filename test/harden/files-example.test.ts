// The accounts, configs and permissions parts on the bundled insecure example (published-guide): planned, applied,
// audited with the real controls, planned again (nothing left to do), and never a secret in what is printed.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { allChecks } from '../../src/checks/index.js';
import { runCheckDetailed } from '../../src/engine/runner.js';
import { planAccounts } from '../../src/harden/accounts/plan.js';
import { planConfigsWith } from '../../src/harden/configs/plan.js';
import { decideLayout } from '../../src/harden/layout.js';
import { planPermissions } from '../../src/harden/permissions/plan.js';
import type { PlannerInput, PlanPart } from '../../src/harden/types.js';
import { materialiseExample } from '../support/materialise.js';
import { applyChanges, contextOf, NO_CONSOLE, printable } from './apply-changes.js';

const TOKEN = '9f1c2e7d4b8a6035e1d7c9b2a4f60e8d3c5b7a9102f4e6d8c0b2a4968e7f1d3c';

/**
 * What the systemd part (another area) puts in its drop-in for this host, written here by hand so the identity
 * controls see the new account: User=/Group= and ExecStart with the config path the signer really has.
 */
function standInSystemdDropIn(root: string): void {
  const dir = join(root, 'etc/systemd/system/stacks-signer.service.d');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'zz-test-stand-in.conf'),
    '[Service]\nUser=stacks-signer\nGroup=stacks-signer\nExecStart=\nExecStart=/usr/local/bin/stacks-signer run --config /etc/stacks/signer/signer-config.toml\n',
  );
}

async function planFiles(root: string): Promise<PlanPart[]> {
  const ctx = contextOf(root);
  const input: PlannerInput = { ctx, layout: await decideLayout(ctx), options: NO_CONSOLE };
  const parts = [
    await planAccounts(input),
    await planConfigsWith(input, { newToken: () => TOKEN }),
    await planPermissions(input),
  ];
  return parts.filter((part): part is PlanPart => part !== undefined);
}

describe('accounts + configs + permissions on examples/hosts/published-guide', () => {
  test('applied, every control the parts address passes; a second plan changes nothing', async () => {
    const root = await materialiseExample('published-guide');
    try {
      const signerKey = /stacks_private_key = "([0-9a-f]+)"/.exec(
        readFileSync(join(root, 'etc/stacks/signer/signer-config.toml'), 'utf8'),
      )?.[1];
      assert.ok(signerKey);
      const parts = await planFiles(root);
      assert.deepEqual(
        parts.map((part) => part.area),
        ['accounts', 'configs', 'permissions'],
      );
      for (const part of parts) {
        assert.deepEqual(part.errors, [], `${part.area}: ${part.errors.join('; ')}`);
        const text = printable(part);
        assert.ok(!text.includes(signerKey), `${part.area} prints the signer key`);
        assert.ok(!text.includes(TOKEN), `${part.area} prints the new auth token`);
      }
      for (const part of parts) applyChanges(root, part.changes);
      standInSystemdDropIn(root);

      const ctx = contextOf(root);
      const addressed = [...new Set(parts.flatMap((part) => part.addresses))].sort();
      assert.deepEqual(addressed, [
        'binary/not-writable-by-service',
        'identity/config-owner',
        'identity/separate-service-users',
        'identity/signer-not-root',
        'identity/signer-user-unprivileged',
        'keys/auth-token-strength',
        'keys/node-config-permissions',
        'keys/signer-config-permissions',
        'keys/signer-db-permissions',
        'topology/metrics-endpoint-local',
        'topology/signer-endpoint-exposure',
      ]);
      for (const id of addressed) {
        const check = allChecks.find((candidate) => candidate.id === id);
        assert.ok(check, id);
        const { result } = await runCheckDetailed(check, ctx);
        assert.equal(result.status, 'pass', `${id}: ${result.message}`);
      }

      const again = await planFiles(root);
      for (const part of again) {
        assert.deepEqual(part.errors, []);
        assert.deepEqual(part.changes, [], `${part.area} would change again: ${printable(part)}`);
      }
      assert.ok(!again.some((part) => part.area === 'accounts'), 'the account exists now: nothing to add');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
