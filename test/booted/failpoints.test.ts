// harden apply killed at each change index on a live, booted published-guide host (the SIGNER_OPSEC_FAILPOINT
// test hook SIGKILLs it right after change N): each time, either rollback or the next apply must leave a working,
// consistent host — the tree byte for byte as before (or fully hardened, the signer running), the ruleset, and the
// services as they were.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listBackups } from '../../src/harden/rollback.js';
import { toolInside } from '../support/booted-audit.js';
import { type BootedHost, bootHost } from '../support/booted-host.js';
import type { SnapshotEntry } from '../support/snapshot-tree.js';
import { journalOf, restartAll, type ServiceState, stopAll } from './services.js';
import { ruleset, snapshot, treeDifferences } from './tree.js';

const SIGNER = 'stacks-signer.service';

describe('harden apply killed at each change index (booted published-guide host)', { timeout: 3_600_000 }, () => {
  let host: BootedHost;
  let before0: Record<string, SnapshotEntry>;
  let statesBefore: ServiceState[];
  let rulesetBefore: string;
  let changes = 0;

  before(async () => {
    host = await bootHost({ example: 'published-guide' });
    statesBefore = await restartAll(host, 1000);
    await stopAll(host);
    rulesetBefore = await ruleset(host);
    before0 = snapshot(host);
    // How many changes a full apply makes: counted from a complete apply, then rolled back.
    const applied = await toolInside(host, ['harden', 'apply', '--yes']);
    assert.equal(applied.code, 0, `${applied.stdout}${applied.stderr}`);
    changes = listBackups(host.root).at(-1)?.entries ?? 0;
    const rolled = await toolInside(host, ['harden', 'rollback']);
    assert.equal(rolled.code, 0, `${rolled.stdout}${rolled.stderr}`);
    assert.deepEqual(treeDifferences(before0, snapshot(host)), []);
  });

  after(async () => {
    await host?.stop();
  });

  it('killed at each change index: rollback, or the next apply, leaves a working, consistent host', async (t) => {
    assert.ok(changes > 0);
    for (let index = 1; index <= changes; index++) {
      const killed = await toolInside(host, ['harden', 'apply', '--yes'], {
        SIGNER_OPSEC_FAILPOINT: `crash-after:${index}`,
      });
      assert.notEqual(killed.code, 0, `crash-after:${index} did not stop the apply`);
      assert.equal(listBackups(host.root).at(-1)?.status, 'applying', `crash-after:${index}`);
      if (index % 2 === 1) {
        // Rollback of the partial apply: the tree as before, services as before.
        const rolled = await toolInside(host, ['harden', 'rollback']);
        assert.equal(rolled.code, 0, `crash-after:${index}: ${rolled.stdout}${rolled.stderr}`);
      } else {
        // The next apply finishes the job: the signer runs hardened; then both backups roll back, newest first.
        const again = await toolInside(host, ['harden', 'apply', '--yes']);
        assert.equal(again.code, 0, `crash-after:${index}, apply again: ${again.stdout}${again.stderr}`);
        const states = await restartAll(host, 1000);
        assert.deepEqual(
          states.map((s) => s.state),
          ['active', 'active'],
          `crash-after:${index}, apply again: ${await journalOf(host, SIGNER)}`,
        );
        await stopAll(host);
        for (let backups = 0; backups < 2; backups++) {
          const rolled = await toolInside(host, ['harden', 'rollback']);
          assert.equal(
            rolled.code,
            0,
            `crash-after:${index}, rollback ${backups + 1}: ${rolled.stdout}${rolled.stderr}`,
          );
        }
      }
      assert.deepEqual(treeDifferences(before0, snapshot(host)), [], `crash-after:${index}`);
      assert.equal(await ruleset(host), rulesetBefore, `crash-after:${index}: ruleset`);
      assert.deepEqual(await restartAll(host, 1000), statesBefore, `crash-after:${index}: services`);
      await stopAll(host);
    }
    t.diagnostic(`published-guide: killed at each of ${changes} change indexes, each time made whole`);
  });
});
