import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { applyPlan } from '../../src/harden/apply.js';
import { BACKUP_DIRECTORY, readManifest } from '../../src/harden/manifest.js';
import { rollbackBackup } from '../../src/harden/rollback.js';
import type { PlanPart } from '../../src/harden/types.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { FIXTURE_FILES, fixtureParts, fixturePlan } from '../support/harden-plans.js';
import { materialiseFiles } from '../support/materialise.js';

// A directory root marked live makes the target run real host programs: the reloads here are harmless shell
// commands that write into the test's own tree, so the order, the stdin and the failure handling are real.
function withReloads(log: string, failing = false): PlanPart[] {
  const parts = fixtureParts();
  const append = (word: string) => ({
    argv: ['sh', '-c', `cat >> "$0"; echo ${word} >> "$0"`, log],
    stdin: `${word}-in\n`,
    why: word,
  });
  (parts[3] as PlanPart).reloads = [append('daemon-reload')];
  (parts[3] as PlanPart).rollbackReloads = [append('daemon-reload-after-rollback')];
  (parts[4] as PlanPart).reloads = [
    failing ? { argv: ['sh', '-c', 'echo "sshd: bad config" >&2; exit 1'], why: 'sshd' } : append('sshd-reload'),
  ];
  (parts[5] as PlanPart).reloads = [append('nft-load')];
  return parts;
}

describe('harden reloads', () => {
  test('live: reloads run after every file is written, in part order, with their stdin; rollback runs the rollback reloads', async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const log = join(tree.root, 'reloads.log');
      const target = new DirectoryTarget(tree.root, { live: true });
      const plan = { ...(await fixturePlan(tree.root, withReloads(log))), live: true };
      const result = await applyPlan(plan, target, { reload: true });
      assert.equal(result.status, 'applied', result.error);
      assert.equal(
        readFileSync(log, 'utf8'),
        'daemon-reload-in\ndaemon-reload\nsshd-reload-in\nsshd-reload\nnft-load-in\nnft-load\n',
      );
      const rolled = await rollbackBackup(tree.root, target, result.id, { force: false, reload: true });
      assert.equal(rolled.status, 'rolled-back');
      assert.match(readFileSync(log, 'utf8'), /daemon-reload-after-rollback-in\ndaemon-reload-after-rollback\n$/);
    } finally {
      tree.cleanup();
    }
  });

  test('a failing reload is reported with its first error line; later reloads do not run; --no-reload runs none', async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const log = join(tree.root, 'reloads.log');
      const target = new DirectoryTarget(tree.root, { live: true });
      const result = await applyPlan(
        { ...(await fixturePlan(tree.root, withReloads(log, true))), live: true },
        target,
        { reload: true },
      );
      assert.equal(result.status, 'reload-failed');
      assert.equal(result.error, 'sh -c echo "sshd: bad config" >&2; exit 1 exited 1: sshd: bad config');
      assert.equal(readFileSync(log, 'utf8'), 'daemon-reload-in\ndaemon-reload\n');
      assert.equal(readManifest(join(tree.root, BACKUP_DIRECTORY, result.id ?? '')).status, 'reload-failed');
    } finally {
      tree.cleanup();
    }
    const quiet = await materialiseFiles(FIXTURE_FILES);
    try {
      const log = join(quiet.root, 'reloads.log');
      const target = new DirectoryTarget(quiet.root, { live: true });
      const result = await applyPlan({ ...(await fixturePlan(quiet.root, withReloads(log))), live: true }, target, {
        reload: false,
      });
      assert.equal(result.status, 'applied');
      assert.throws(() => readFileSync(log), /ENOENT/);
    } finally {
      quiet.cleanup();
    }
  });

  test('a failed reload is run again by the next apply with nothing to change; a failed rollback reload by the next rollback', async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const log = join(tree.root, 'reloads.log');
      const fixed = join(tree.root, 'fixed');
      // Fails until the test creates `fixed` (the operator mended what made the reload fail).
      const untilFixed = (word: string) => ({
        argv: [
          'sh',
          '-c',
          `test -e "$0" || { echo "${word}: not yet" >&2; exit 1; }; echo ${word} >> "$1"`,
          fixed,
          log,
        ],
        why: word,
      });
      const parts = () => {
        const each = withReloads(log);
        (each[4] as PlanPart).reloads = [untilFixed('sshd-reload')];
        (each[3] as PlanPart).rollbackReloads = [untilFixed('daemon-reload-after-rollback')];
        return each;
      };
      const target = new DirectoryTarget(tree.root, { live: true });
      const first = await applyPlan({ ...(await fixturePlan(tree.root, parts())), live: true }, target, {
        reload: true,
      });
      assert.equal(first.status, 'reload-failed');
      const lines: string[] = [];
      const again = { ...(await fixturePlan(tree.root, parts())), live: true };
      assert.equal(again.pending.length, 0);
      const stillFailing = await applyPlan(again, target, { reload: true, log: (line) => lines.push(line) });
      assert.deepEqual([stillFailing.status, stillFailing.id], ['reload-failed', first.id]);
      assert.match(stillFailing.error ?? '', /exited 1: sshd-reload: not yet$/);
      writeFileSync(fixed, '');
      const retried = await applyPlan(again, target, { reload: true, log: (line) => lines.push(line) });
      assert.deepEqual([retried.status, retried.id, retried.applied], ['reloaded', first.id, 0]);
      assert.ok(lines.includes(`the reloads of backup ${first.id} failed; running them again`), lines.join('\n'));
      assert.match(readFileSync(log, 'utf8'), /\nsshd-reload\nnft-load-in\nnft-load\n$/);
      const dir = join(tree.root, BACKUP_DIRECTORY, first.id ?? '');
      assert.equal(readManifest(dir).status, 'applied');
      // Once reloaded, a further apply has nothing to run.
      assert.equal((await applyPlan(again, target, { reload: true })).status, 'nothing');

      rmSync(fixed);
      const rolled = await rollbackBackup(tree.root, target, undefined, { force: false, reload: true });
      assert.deepEqual([rolled.status, rolled.id], ['reload-failed', first.id]);
      assert.equal(readManifest(dir).status, 'rollback-reload-failed');
      writeFileSync(fixed, '');
      const retriedRollback = await rollbackBackup(tree.root, target, undefined, { force: false, reload: true });
      assert.deepEqual([retriedRollback.status, retriedRollback.restored], ['rolled-back', 0]);
      assert.equal(readManifest(dir).status, 'rolled-back');
      assert.match(readFileSync(log, 'utf8'), /\ndaemon-reload-after-rollback\n$/);
    } finally {
      tree.cleanup();
    }
  });
  test('an apply killed before its reloads: the next apply runs them once (its files are in place, the services are not)', async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const log = join(tree.root, 'reloads.log');
      const target = new DirectoryTarget(tree.root, { live: true });
      const first = await applyPlan({ ...(await fixturePlan(tree.root, withReloads(log))), live: true }, target, {
        reload: true,
      });
      assert.equal(first.status, 'applied', first.error);
      // As SIGNER_OPSEC_FAILPOINT=crash-after:<last> leaves it: every file written, the manifest still 'applying',
      // no reload run (the failpoint kills the process, so it is simulated here; test/booted/failpoints runs it live).
      const dir = join(tree.root, BACKUP_DIRECTORY, first.id ?? '');
      const manifest = readManifest(dir);
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, status: 'applying' }));
      rmSync(log);
      const again = { ...(await fixturePlan(tree.root, withReloads(log))), live: true };
      assert.equal(again.pending.length, 0);
      const lines: string[] = [];
      const resumed = await applyPlan(again, target, { reload: true, log: (line) => lines.push(line) });
      assert.deepEqual([resumed.status, resumed.id], ['reloaded', first.id]);
      assert.ok(
        lines.some((line) => line.includes('stopped before its reloads')),
        lines.join('\n'),
      );
      assert.equal(
        readFileSync(log, 'utf8'),
        'daemon-reload-in\ndaemon-reload\nsshd-reload-in\nsshd-reload\nnft-load-in\nnft-load\n',
      );
      assert.equal(readManifest(dir).status, 'applying', 'rollback still sees a partial apply');
      assert.ok(readManifest(dir).reloadedAt);
      // Once reloaded, a further apply has nothing to run.
      assert.equal((await applyPlan(again, target, { reload: true })).status, 'nothing');
    } finally {
      tree.cleanup();
    }
  });
});
