import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyPlan } from '../../src/harden/apply.js';
import { BACKUP_DIRECTORY, readManifest } from '../../src/harden/manifest.js';
import { listBackups, rollbackBackup } from '../../src/harden/rollback.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { FIXTURE_CHANGE_COUNT, FIXTURE_FILES, fixturePlan } from '../support/harden-plans.js';
import { materialiseFiles } from '../support/materialise.js';
import { type SnapshotEntry, snapshotTree } from '../support/snapshot-tree.js';

const APPLY_FIXTURE = fileURLToPath(new URL('../support/harden-apply-fixture.js', import.meta.url));
const EXCLUDE = { exclude: [BACKUP_DIRECTORY] };
const offline = (root: string) => new DirectoryTarget(root, { live: false });

/** The tree after a complete apply of the fixture plan, for "fully new" comparisons. */
async function appliedSnapshot(): Promise<Record<string, SnapshotEntry>> {
  const tree = await materialiseFiles(FIXTURE_FILES);
  try {
    const result = await applyPlan(await fixturePlan(tree.root), offline(tree.root), { reload: false });
    assert.equal(result.status, 'applied');
    return snapshotTree(tree.root, EXCLUDE);
  } finally {
    tree.cleanup();
  }
}

async function fixturePlanOnFreshTree() {
  const tree = await materialiseFiles(FIXTURE_FILES);
  try {
    return (await fixturePlan(tree.root)).pending;
  } finally {
    tree.cleanup();
  }
}

/** Every path is as it was before or as a complete apply leaves it: never a mix, never a stray temp file. */
function assertEachOldOrNew(
  now: Record<string, SnapshotEntry>,
  before: Record<string, SnapshotEntry>,
  after: Record<string, SnapshotEntry>,
  label: string,
): { old: number; new: number } {
  const counts = { old: 0, new: 0 };
  for (const path of new Set([...Object.keys(now), ...Object.keys(before), ...Object.keys(after)])) {
    if (path === '/' || (before[path] && after[path] && JSON.stringify(before[path]) === JSON.stringify(after[path]))) {
      continue;
    }
    assert.doesNotMatch(path, /\.(tmp|lnk)$/, `${label}: temp file left: ${path}`);
    const isOld = JSON.stringify(now[path]) === JSON.stringify(before[path]);
    const isNew = JSON.stringify(now[path]) === JSON.stringify(after[path]);
    assert.ok(isOld || isNew, `${label}: ${path} is neither the old nor the new version: ${JSON.stringify(now[path])}`);
    if (isOld) counts.old++;
    else counts.new++;
  }
  return counts;
}

describe('harden apply under failure', () => {
  test('killed after each change in turn: every file fully old or new; rollback of the partial apply restores the tree', async () => {
    const after = await appliedSnapshot();
    for (let crashAfter = 1; crashAfter <= FIXTURE_CHANGE_COUNT; crashAfter++) {
      const tree = await materialiseFiles(FIXTURE_FILES);
      try {
        const before = snapshotTree(tree.root, EXCLUDE);
        const run = spawnSync(process.execPath, [APPLY_FIXTURE, tree.root], {
          env: { PATH: process.env.PATH, SIGNER_OPSEC_FAILPOINT: `crash-after:${crashAfter}` },
          encoding: 'utf8',
        });
        assert.equal(run.signal, 'SIGKILL', `crash-after:${crashAfter}: ${run.stderr}`);
        assertEachOldOrNew(snapshotTree(tree.root, EXCLUDE), before, after, `crash-after:${crashAfter}`);
        // The manifest was written ahead: the last change made is recorded, still 'pending'.
        const [backup] = listBackups(tree.root);
        assert.equal(backup?.status, 'applying');
        const manifest = readManifest(join(tree.root, BACKUP_DIRECTORY, backup?.id ?? ''));
        assert.equal(manifest.entries.length, crashAfter);
        assert.equal(manifest.entries.at(-1)?.status, 'pending');
        // The killed process's lock is stale: rollback takes it over.
        assert.ok(existsSync(join(tree.root, BACKUP_DIRECTORY, '.lock')));
        const rolled = await rollbackBackup(tree.root, offline(tree.root), undefined, { force: false, reload: false });
        assert.equal(rolled.status, 'rolled-back', `crash-after:${crashAfter}: ${rolled.error}`);
        assert.deepEqual(snapshotTree(tree.root, EXCLUDE), before, `crash-after:${crashAfter}`);
      } finally {
        tree.cleanup();
      }
    }
  });

  test('killed inside each write, before its rename: the recorded temp file is removed by rollback, or by the next apply', async () => {
    const after = await appliedSnapshot();
    const kinds = (await fixturePlanOnFreshTree()).map((pending) => pending.change.kind);
    const inWrites = kinds.flatMap((kind, index) => (kind === 'write' || kind === 'symlink' ? [index + 1] : []));
    assert.ok(inWrites.length >= 6);
    for (const crashAt of inWrites) {
      for (const next of ['rollback', 'apply'] as const) {
        const tree = await materialiseFiles(FIXTURE_FILES);
        try {
          const before = snapshotTree(tree.root, EXCLUDE);
          const run = spawnSync(process.execPath, [APPLY_FIXTURE, tree.root], {
            env: { PATH: process.env.PATH, SIGNER_OPSEC_FAILPOINT: `crash-before-rename:${crashAt}` },
            encoding: 'utf8',
          });
          const label = `crash-before-rename:${crashAt} then ${next}`;
          assert.equal(run.signal, 'SIGKILL', `${label}: ${run.stderr}`);
          const [backup] = listBackups(tree.root);
          const manifest = readManifest(join(tree.root, BACKUP_DIRECTORY, backup?.id ?? ''));
          const last = manifest.entries.at(-1);
          assert.equal(manifest.entries.length, crashAt, label);
          // Recorded before it was created, and there: the new bytes (for the config, the key) under a known name.
          assert.ok(last?.temp, label);
          assert.ok(lstatSync(join(tree.root, last.temp)), `${label}: ${last.temp}`);
          if (next === 'rollback') {
            const rolled = await rollbackBackup(tree.root, offline(tree.root), undefined, {
              force: false,
              reload: false,
            });
            assert.equal(rolled.status, 'rolled-back', `${label}: ${rolled.error}`);
            assert.deepEqual(snapshotTree(tree.root, EXCLUDE), before, label);
          } else {
            const result = await applyPlan(await fixturePlan(tree.root), offline(tree.root), { reload: false });
            assert.equal(result.status, 'applied', `${label}: ${result.error}`);
            assert.deepEqual(snapshotTree(tree.root, EXCLUDE), after, label);
          }
          assert.ok(!existsSync(join(tree.root, last.temp)), label);
        } finally {
          tree.cleanup();
        }
      }
    }
  });

  test('a read-only /etc/ssh (bind mount in a private mount namespace) stops the apply midway; rollback restores', async () => {
    const after = await appliedSnapshot();
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const before = snapshotTree(tree.root, EXCLUDE);
      const run = spawnSync(
        'unshare',
        [
          '-m',
          'sh',
          '-c',
          'mount --bind -o ro "$2/etc/ssh" "$2/etc/ssh" && exec "$0" "$1" "$2"',
          process.execPath,
          APPLY_FIXTURE,
          tree.root,
        ],
        { env: { PATH: process.env.PATH }, encoding: 'utf8' },
      );
      assert.equal(run.error, undefined, 'unshare (util-linux) must be installed');
      assert.equal(run.status, 2, run.stderr);
      const result = JSON.parse(run.stdout) as { status: string; error: string; applied: number; id: string };
      assert.equal(result.status, 'failed');
      assert.match(
        result.error,
        /^\/etc\/ssh\/sshd_config\.d\/10-signer-opsec\.conf: EROFS \(read-only file system\)$/,
      );
      assert.equal(result.applied, 9);
      const counts = assertEachOldOrNew(snapshotTree(tree.root, EXCLUDE), before, after, 'read-only /etc/ssh');
      assert.ok(counts.old > 0 && counts.new > 0, `midway: ${JSON.stringify(counts)}`);
      const manifest = readManifest(join(tree.root, BACKUP_DIRECTORY, result.id));
      assert.equal(manifest.status, 'failed');
      assert.deepEqual(
        manifest.entries.map((entry) => entry.status),
        [...Array(9).fill('applied'), 'failed'],
      );
      assert.equal(readFileSync(join(tree.root, 'etc/nftables.conf'), 'utf8'), '#!/usr/sbin/nft -f\nflush ruleset\n');
      const rolled = await rollbackBackup(tree.root, offline(tree.root), result.id, { force: false, reload: false });
      assert.equal(rolled.status, 'rolled-back', rolled.error);
      assert.deepEqual(snapshotTree(tree.root, EXCLUDE), before);
    } finally {
      tree.cleanup();
    }
  });
});
