import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { applyPlan } from '../../src/harden/apply.js';
import { acquireLock } from '../../src/harden/lock.js';
import { BACKUP_DIRECTORY, readManifest } from '../../src/harden/manifest.js';
import { listBackups, rollbackBackup } from '../../src/harden/rollback.js';
import type { PlanPart } from '../../src/harden/types.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import {
  FIXTURE_CHANGE_COUNT,
  FIXTURE_FILES,
  FIXTURE_SECRET,
  fixtureParts,
  fixturePlan,
  SIGNER_UID,
} from '../support/harden-plans.js';
import { materialiseFiles } from '../support/materialise.js';
import { snapshotTree } from '../support/snapshot-tree.js';

const EXCLUDE = { exclude: [BACKUP_DIRECTORY] };
const offline = (root: string) => new DirectoryTarget(root, { live: false });
const options = { reload: false, now: new Date('2026-08-12T10:15:02Z') };

function backupIds(root: string): string[] {
  const dir = join(root, BACKUP_DIRECTORY);
  return existsSync(dir) ? readdirSync(dir).filter((name) => !name.startsWith('.')) : [];
}

describe('harden apply and rollback', () => {
  test('apply makes every change kind as planned; rollback gives back the identical tree', async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const before = snapshotTree(tree.root, EXCLUDE);
      const plan = await fixturePlan(tree.root);
      assert.equal(plan.pending.length, FIXTURE_CHANGE_COUNT);
      const result = await applyPlan(plan, offline(tree.root), options);
      assert.equal(result.status, 'applied');
      assert.equal(result.applied, FIXTURE_CHANGE_COUNT);
      assert.equal(result.id, '20260812T101502Z');

      const after = snapshotTree(tree.root, EXCLUDE);
      const config = after['/etc/stacks/signer/signer-config.toml'];
      assert.deepEqual([config?.mode, config?.uid, config?.gid], ['0600', SIGNER_UID, SIGNER_UID]);
      assert.match(readFileSync(join(tree.root, 'etc/stacks/signer/signer-config.toml'), 'utf8'), /127\.0\.0\.1:30000/);
      assert.equal(after['/home/op/signer.toml'], undefined);
      assert.deepEqual(
        [after['/usr/local/bin/stacks-signer']?.mode, after['/usr/local/bin/stacks-signer']?.uid],
        ['0755', 0],
      );
      assert.deepEqual(after['/var/lib/stacks-signer'], {
        type: 'dir',
        mode: '0700',
        uid: SIGNER_UID,
        gid: SIGNER_UID,
      });
      assert.equal(readlinkSync(join(tree.root, 'var/lib/stacks-signer-old')), '/var/lib/stacks-signer');
      assert.equal(
        readlinkSync(join(tree.root, 'etc/systemd/system/sysinit.target.wants/nftables.service')),
        '/lib/systemd/system/nftables.service',
      );
      assert.equal(after['/etc/systemd/system/stacks-signer.service.d']?.mode, '0755');

      // The backup: 0700, a complete manifest, byte copies 0600 of the replaced and removed files.
      const backupDir = join(tree.root, BACKUP_DIRECTORY, '20260812T101502Z');
      assert.equal(lstatSync(backupDir).mode & 0o7777, 0o700);
      const manifest = readManifest(backupDir);
      assert.equal(manifest.status, 'applied');
      assert.equal(manifest.entries.length, FIXTURE_CHANGE_COUNT);
      assert.ok(manifest.entries.every((entry) => entry.status === 'applied'));
      const copies = readdirSync(join(backupDir, 'files'));
      assert.deepEqual(copies, [
        '0000-passwd',
        '0001-group',
        '0002-signer-config.toml',
        '0003-signer.toml',
        '0010-nftables.conf',
      ]);
      for (const copy of copies) assert.equal(lstatSync(join(backupDir, 'files', copy)).mode & 0o7777, 0o600);
      // The manifest names where secrets were, never the secret.
      assert.ok(!readFileSync(join(backupDir, 'manifest.json'), 'utf8').includes(FIXTURE_SECRET));

      const rolled = await rollbackBackup(tree.root, offline(tree.root), undefined, { force: false, reload: false });
      assert.equal(rolled.status, 'rolled-back');
      assert.deepEqual(snapshotTree(tree.root, EXCLUDE), before);
      assert.equal(readManifest(backupDir).status, 'rolled-back');

      const again = await rollbackBackup(tree.root, offline(tree.root), undefined, { force: false, reload: false });
      assert.equal(again.status, 'nothing');
      const named = await rollbackBackup(tree.root, offline(tree.root), rolled.id, { force: false, reload: false });
      assert.equal(named.status, 'already-rolled-back');
      assert.deepEqual(snapshotTree(tree.root, EXCLUDE), before);
    } finally {
      tree.cleanup();
    }
  });

  test('a second apply finds nothing to change and makes no backup directory', async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      await applyPlan(await fixturePlan(tree.root), offline(tree.root), options);
      assert.equal(backupIds(tree.root).length, 1);
      const applied = snapshotTree(tree.root);
      const second = await fixturePlan(tree.root);
      assert.equal(second.pending.length, 0);
      assert.equal(second.satisfied, FIXTURE_CHANGE_COUNT);
      const result = await applyPlan(second, offline(tree.root), { ...options, now: new Date('2026-08-12T11:00:00Z') });
      assert.equal(result.status, 'nothing');
      assert.equal(result.id, undefined);
      assert.deepEqual(snapshotTree(tree.root), applied);
      assert.equal(backupIds(tree.root).length, 1);
    } finally {
      tree.cleanup();
    }
  });

  test('a fresh host without /var/backups: apply creates it; rollback leaves only the backup behind', async () => {
    const { 'var/backups': _ignored, ...files } = FIXTURE_FILES;
    const tree = await materialiseFiles(files);
    try {
      const before = snapshotTree(tree.root);
      const result = await applyPlan(await fixturePlan(tree.root), offline(tree.root), options);
      assert.equal(result.status, 'applied');
      assert.equal(lstatSync(join(tree.root, 'var/backups')).mode & 0o7777, 0o755);
      assert.equal(lstatSync(join(tree.root, BACKUP_DIRECTORY)).mode & 0o7777, 0o700);
      await rollbackBackup(tree.root, offline(tree.root), result.id, { force: false, reload: false });
      assert.deepEqual(snapshotTree(tree.root, { exclude: ['/var/backups'] }), before);
    } finally {
      tree.cleanup();
    }
  });

  test('a symlinked directory component is refused before anything is written', async () => {
    const outside = await materialiseFiles({ 'elsewhere/placeholder': 'x' });
    const { 'etc/ssh/sshd_config': _a, 'etc/ssh/sshd_config.d': _b, ...files } = FIXTURE_FILES;
    const host = await materialiseFiles(files);
    try {
      // /etc/ssh points outside the root: the sshd drop-in would land there.
      symlinkSync(join(outside.root, 'elsewhere'), join(host.root, 'etc/ssh'));
      const before = snapshotTree(host.root);
      const result = await applyPlan(await fixturePlan(host.root), offline(host.root), options);
      assert.equal(result.status, 'failed');
      assert.match(
        result.error ?? '',
        /^nothing written: \/etc\/ssh\/sshd_config\.d\/10-signer-opsec\.conf: \/etc\/ssh is a symlink/,
      );
      assert.deepEqual(backupIds(host.root), []);
      assert.deepEqual(snapshotTree(host.root), before);
      assert.deepEqual(readdirSync(join(outside.root, 'elsewhere')), ['placeholder']);
    } finally {
      host.cleanup();
      outside.cleanup();
    }
  });

  test('a symlink as the file to replace or chmod is refused, naming it', async () => {
    for (const [path, index] of [
      ['etc/nftables.conf', 5],
      ['usr/local/bin/stacks-signer', 2],
    ] as const) {
      const tree = await materialiseFiles({
        ...FIXTURE_FILES,
        [path]: { symlink: '/etc/shadow' },
        'etc/shadow': 'secret\n',
      });
      try {
        const before = snapshotTree(tree.root);
        // The accounts part too: the permissions part chowns to the account it creates.
        const plan = await fixturePlan(tree.root, [fixtureParts()[0] as never, fixtureParts()[index] as never]);
        const result = await applyPlan(plan, offline(tree.root), options);
        assert.match(result.error ?? '', new RegExp(`^nothing written: /${path}: is a symlink`));
        assert.deepEqual(snapshotTree(tree.root), before);
      } finally {
        tree.cleanup();
      }
    }
  });

  test('rollback refuses a file changed since the apply, unless --force', async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const before = snapshotTree(tree.root, EXCLUDE);
      const result = await applyPlan(await fixturePlan(tree.root), offline(tree.root), options);
      writeFileSync(
        join(tree.root, 'etc/ssh/sshd_config.d/10-signer-opsec.conf'),
        'PermitRootLogin prohibit-password\n',
      );
      const edited = snapshotTree(tree.root, EXCLUDE);
      const refused = await rollbackBackup(tree.root, offline(tree.root), result.id, { force: false, reload: false });
      assert.equal(refused.status, 'refused');
      assert.match(refused.error ?? '', /\/etc\/ssh\/sshd_config\.d\/10-signer-opsec\.conf is now file/);
      assert.deepEqual(snapshotTree(tree.root, EXCLUDE), edited);
      const forced = await rollbackBackup(tree.root, offline(tree.root), result.id, { force: true, reload: false });
      assert.equal(forced.status, 'rolled-back');
      assert.deepEqual(snapshotTree(tree.root, EXCLUDE), before);
    } finally {
      tree.cleanup();
    }
  });

  test('a rollback keeps a created directory that now holds something else, and says so', async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const result = await applyPlan(await fixturePlan(tree.root), offline(tree.root), options);
      writeFileSync(join(tree.root, 'var/lib/stacks-signer/signer.sqlite'), 'db');
      const rolled = await rollbackBackup(tree.root, offline(tree.root), result.id, { force: false, reload: false });
      assert.equal(rolled.status, 'rolled-back');
      assert.deepEqual(rolled.leftInPlace, ['/var/lib/stacks-signer']);
      assert.ok(existsSync(join(tree.root, 'var/lib/stacks-signer/signer.sqlite')));
    } finally {
      tree.cleanup();
    }
  });

  test('a file edited between plan and apply stops the apply at that file', async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const plan = await fixturePlan(tree.root);
      writeFileSync(join(tree.root, 'etc/nftables.conf'), '#!/usr/sbin/nft -f\n# edited meanwhile\n');
      const result = await applyPlan(plan, offline(tree.root), options);
      assert.equal(result.status, 'failed');
      assert.match(result.error ?? '', /^\/etc\/nftables\.conf: changed since the plan was made/);
      assert.equal(
        readFileSync(join(tree.root, 'etc/nftables.conf'), 'utf8'),
        '#!/usr/sbin/nft -f\n# edited meanwhile\n',
      );
      const manifest = readManifest(join(tree.root, BACKUP_DIRECTORY, result.id ?? ''));
      assert.equal(manifest.status, 'failed');
      assert.equal(manifest.entries.filter((entry) => entry.status === 'applied').length, 10);
    } finally {
      tree.cleanup();
    }
  });

  test('blockers stop apply before anything is written', async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const parts = fixtureParts();
      (parts[4] as { refusals: unknown[] }).refusals.push({
        code: 'no-key-login',
        message: 'nobody has a key',
        override: '--i-have-console-access',
      });
      const before = snapshotTree(tree.root);
      const refused = await applyPlan(await fixturePlan(tree.root, parts), offline(tree.root), options);
      assert.equal(refused.status, 'failed');
      assert.match(
        refused.error ?? '',
        /refused: sshd: refused: nobody has a key \(override: --i-have-console-access\)/,
      );
      assert.deepEqual(snapshotTree(tree.root), before);
      const overridden = await applyPlan(await fixturePlan(tree.root, parts, true), offline(tree.root), options);
      assert.equal(overridden.status, 'applied');
    } finally {
      tree.cleanup();
    }
  });

  test('a stale lock (dead pid) is taken over; a live one is refused', async () => {
    const tree = await materialiseFiles({ ...FIXTURE_FILES, 'var/backups/signer-opsec': { dir: true, mode: 0o700 } });
    try {
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
        encoding: 'utf8',
      });
      const lock = join(tree.root, BACKUP_DIRECTORY, '.lock');
      writeFileSync(lock, `${dead.stdout}\n`);
      writeFileSync(join(tree.root, 'etc/ssh/sshd_config.d/.keep'), '');
      const held = `${process.ppid}\n`;
      writeFileSync(lock, held);
      // Named inside the target, never by the host path under --root.
      const refused = await applyPlan(await fixturePlan(tree.root), offline(tree.root), options);
      assert.deepEqual(refused, {
        status: 'failed',
        applied: 0,
        error: `nothing written: /var/backups/signer-opsec/.lock: another signer-opsec harden (pid ${process.ppid}) is running on this root`,
      });
      await assert.rejects(
        rollbackBackup(tree.root, offline(tree.root), undefined, { force: false, reload: false }),
        /no harden backup under/,
      );
      assert.deepEqual(backupIds(tree.root), []);
      writeFileSync(lock, `${dead.stdout}\n`);
      const result = await applyPlan(await fixturePlan(tree.root), offline(tree.root), options);
      assert.equal(result.status, 'applied');
      assert.ok(!existsSync(lock), 'the lock is released at the end');
      rmSync(join(tree.root, 'etc/ssh/sshd_config.d/.keep'));
    } finally {
      tree.cleanup();
    }
  });

  test('rollback --list shows each backup and its state', async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const result = await applyPlan(await fixturePlan(tree.root), offline(tree.root), options);
      assert.deepEqual(
        listBackups(tree.root).map((backup) => [backup.id, backup.status, backup.entries]),
        [[result.id, 'applied', FIXTURE_CHANGE_COUNT]],
      );
      await assert.rejects(
        rollbackBackup(tree.root, offline(tree.root), '20990101T000000Z', { force: false, reload: false }),
        /no harden backup 20990101T000000Z/,
      );
    } finally {
      tree.cleanup();
    }
  });

  test('a file hard-linked to one outside the root is never chmod/chowned or removed: at plan time and at apply', async () => {
    const outside = await materialiseFiles({
      'shadow-like': { content: 'outside\n', mode: 0o777, uid: 1000, gid: 1000 },
    });
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const outsidePath = join(outside.root, 'shadow-like');
      const binary = join(tree.root, 'usr/local/bin/stacks-signer');
      // Linked before the plan: the plan refuses it (the permissions part errors, apply is blocked).
      rmSync(binary);
      linkSync(outsidePath, binary);
      const planned = await fixturePlan(tree.root);
      assert.ok(
        planned.blockers.includes(
          'permissions: /usr/local/bin/stacks-signer: has 2 hard links: its inode is shared with another name (perhaps outside the target), so harden will not change it',
        ),
        planned.blockers.join('\n'),
      );
      // Linked after the plan (same mode and owner, so nothing else notices): apply refuses before any write.
      rmSync(binary);
      writeFileSync(binary, 'outside\n', { mode: 0o777 });
      chownSync(binary, 1000, 1000);
      chmodSync(binary, 0o777);
      const plan = await fixturePlan(tree.root);
      assert.deepEqual(plan.blockers, []);
      rmSync(binary);
      linkSync(outsidePath, binary);
      const before = snapshotTree(tree.root, EXCLUDE);
      const result = await applyPlan(plan, offline(tree.root), options);
      assert.equal(result.status, 'failed');
      assert.match(result.error ?? '', /^nothing written: \/usr\/local\/bin\/stacks-signer: has 2 hard links/);
      assert.deepEqual(snapshotTree(tree.root, EXCLUDE), before);
      const stats = lstatSync(outsidePath);
      assert.deepEqual([stats.mode & 0o7777, stats.uid, stats.gid], [0o777, 1000, 1000]);
      // The remove of a hard-linked copy is refused the same way.
      const stray = join(tree.root, 'home/op/signer.toml');
      const strayOutside = join(outside.root, 'stray');
      linkSync(stray, strayOutside);
      const removing = await fixturePlan(tree.root);
      assert.ok(removing.blockers.some((line) => line.startsWith('configs: /home/op/signer.toml: has 2 hard links')));
    } finally {
      tree.cleanup();
      outside.cleanup();
    }
  });

  test('rollback with no ID undoes the newest backup that changed something and is not rolled back', async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const original = snapshotTree(tree.root, EXCLUDE);
      const sshdOnly = () => [fixtureParts()[4] as PlanPart];
      const firewallOnly = () => [fixtureParts()[5] as PlanPart];
      const first = await applyPlan(await fixturePlan(tree.root, sshdOnly()), offline(tree.root), options);
      assert.equal(first.status, 'applied');
      // Stopped at its first change: nothing recorded, so no backup for rollback to pick.
      const stale = await fixturePlan(tree.root, firewallOnly());
      writeFileSync(join(tree.root, 'etc/nftables.conf'), '#!/usr/sbin/nft -f\n# edited meanwhile\n');
      const stopped = await applyPlan(stale, offline(tree.root), options);
      assert.equal(stopped.status, 'failed');
      assert.equal(stopped.id, undefined);
      assert.match(stopped.error ?? '', /^nothing written: \/etc\/nftables\.conf: changed since the plan was made/);
      assert.deepEqual(backupIds(tree.root), [first.id]);
      const second = await applyPlan(await fixturePlan(tree.root, firewallOnly()), offline(tree.root), options);
      assert.equal(second.status, 'applied');
      const undone = await rollbackBackup(tree.root, offline(tree.root), second.id, { force: false, reload: false });
      assert.equal(undone.status, 'rolled-back');
      // The newest is rolled back already: no ID means the sshd apply.
      const latest = await rollbackBackup(tree.root, offline(tree.root), undefined, { force: false, reload: false });
      assert.deepEqual([latest.status, latest.id], ['rolled-back', first.id]);
      writeFileSync(join(tree.root, 'etc/nftables.conf'), '#!/usr/sbin/nft -f\nflush ruleset\n');
      assert.deepEqual(snapshotTree(tree.root, EXCLUDE), original);
      const none = await rollbackBackup(tree.root, offline(tree.root), undefined, { force: false, reload: false });
      assert.deepEqual([none.status, none.restored], ['nothing', 0]);
    } finally {
      tree.cleanup();
    }
  });

  test('a chmod/chown of a 3 GiB database reads none of it: apply and rollback record size and mtime, not a hash', async () => {
    const tree = await materialiseFiles({
      ...FIXTURE_FILES,
      'var/lib/stacks-signer': { dir: true, mode: 0o700, uid: SIGNER_UID, gid: SIGNER_UID },
    });
    try {
      const database = join(tree.root, 'var/lib/stacks-signer/signer.sqlite');
      // Sparse: 3 GiB long, no blocks on disk; more than a Buffer (and readFileSync) can hold.
      writeFileSync(database, 'SQLite format 3\0', { mode: 0o644 });
      truncateSync(database, 3 * 1024 ** 3);
      // The database is compared by its stat below: hashing 3 GiB twice would only slow the test.
      const exclude = { exclude: [BACKUP_DIRECTORY, '/var/lib/stacks-signer/signer.sqlite'] };
      const before = snapshotTree(tree.root, exclude);
      const statOf = () => {
        const { mode, uid, gid, size, mtimeMs, blocks } = lstatSync(database);
        return { mode: mode & 0o7777, uid, gid, size, mtimeMs, blocks };
      };
      const databaseBefore = statOf();
      const parts: PlanPart[] = [
        fixtureParts()[0] as PlanPart,
        {
          ...(fixtureParts()[2] as PlanPart),
          changes: [
            {
              kind: 'attributes',
              path: '/var/lib/stacks-signer/signer.sqlite',
              mode: 0o600,
              uid: SIGNER_UID,
              gid: SIGNER_UID,
              reason: 'the database, the signer only',
            },
          ],
        },
      ];
      const result = await applyPlan(await fixturePlan(tree.root, parts), offline(tree.root), options);
      assert.equal(result.status, 'applied', result.error);
      const stats = lstatSync(database);
      assert.deepEqual([stats.mode & 0o7777, stats.uid, stats.size], [0o600, SIGNER_UID, 3 * 1024 ** 3]);
      const entry = readManifest(join(tree.root, BACKUP_DIRECTORY, result.id ?? '')).entries.at(-1);
      assert.deepEqual(entry?.prior, {
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: 3 * 1024 ** 3,
        mtimeMs: stats.mtimeMs,
      });
      const rolled = await rollbackBackup(tree.root, offline(tree.root), result.id, { force: false, reload: false });
      assert.equal(rolled.status, 'rolled-back', rolled.error);
      assert.deepEqual(snapshotTree(tree.root, exclude), before);
      assert.deepEqual(statOf(), databaseBefore);
    } finally {
      tree.cleanup();
    }
  });

  test('rollback of a chmod/chown puts the attributes back over a database its signer wrote since the apply', async () => {
    const tree = await materialiseFiles({
      ...FIXTURE_FILES,
      'var/lib/stacks-signer': { dir: true, mode: 0o700, uid: SIGNER_UID, gid: SIGNER_UID },
      'var/lib/stacks-signer/signer.sqlite': { content: 'SQLite format 3\0', mode: 0o644 },
    });
    try {
      const database = join(tree.root, 'var/lib/stacks-signer/signer.sqlite');
      const parts: PlanPart[] = [
        fixtureParts()[0] as PlanPart,
        {
          ...(fixtureParts()[2] as PlanPart),
          changes: [
            {
              kind: 'attributes',
              path: '/var/lib/stacks-signer/signer.sqlite',
              mode: 0o600,
              uid: SIGNER_UID,
              gid: SIGNER_UID,
              reason: 'the database, the signer only',
            },
          ],
        },
      ];
      const result = await applyPlan(await fixturePlan(tree.root, parts), offline(tree.root), options);
      assert.equal(result.status, 'applied', result.error);
      // The running signer writes its database: new size, new mtime, same mode and owner.
      appendFileSync(database, 'page 2');
      const rolled = await rollbackBackup(tree.root, offline(tree.root), result.id, { force: false, reload: false });
      assert.equal(rolled.status, 'rolled-back', rolled.error);
      const stats = lstatSync(database);
      assert.deepEqual([stats.mode & 0o7777, stats.uid, stats.gid], [0o644, 0, 0]);
      assert.equal(
        readFileSync(database, 'latin1'),
        'SQLite format 3\0page 2',
        "the content is the signer's, untouched",
      );
    } finally {
      tree.cleanup();
    }
  });

  test('rollback still refuses a chmod/chown whose file was since given another mode or owner', async () => {
    const tree = await materialiseFiles({
      ...FIXTURE_FILES,
      'var/lib/stacks-signer': { dir: true, mode: 0o700, uid: SIGNER_UID, gid: SIGNER_UID },
      'var/lib/stacks-signer/signer.sqlite': { content: 'SQLite format 3\0', mode: 0o644 },
    });
    try {
      const database = join(tree.root, 'var/lib/stacks-signer/signer.sqlite');
      const parts: PlanPart[] = [
        fixtureParts()[0] as PlanPart,
        {
          ...(fixtureParts()[2] as PlanPart),
          changes: [
            {
              kind: 'attributes',
              path: '/var/lib/stacks-signer/signer.sqlite',
              mode: 0o600,
              uid: SIGNER_UID,
              gid: SIGNER_UID,
              reason: 'the database, the signer only',
            },
          ],
        },
      ];
      const result = await applyPlan(await fixturePlan(tree.root, parts), offline(tree.root), options);
      assert.equal(result.status, 'applied', result.error);
      chmodSync(database, 0o640);
      const refused = await rollbackBackup(tree.root, offline(tree.root), result.id, { force: false, reload: false });
      assert.equal(refused.status, 'refused');
      assert.match(refused.error ?? '', /\/var\/lib\/stacks-signer\/signer\.sqlite is now file mode 0640/);
    } finally {
      tree.cleanup();
    }
  });

  test("the check before the first write sees the plan's own earlier changes: a chmod of a file an earlier part creates", async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const parts: PlanPart[] = [
        {
          ...(fixtureParts()[1] as PlanPart),
          changes: [
            { kind: 'write', path: '/etc/x.toml', content: 'a = 1\n', mode: 0o600, uid: 0, gid: 0, reason: 'new file' },
          ],
        },
        {
          ...(fixtureParts()[2] as PlanPart),
          changes: [{ kind: 'attributes', path: '/etc/x.toml', mode: 0o640, gid: 1000, reason: 'group-readable' }],
        },
        {
          ...(fixtureParts()[3] as PlanPart),
          changes: [
            { kind: 'remove', path: '/etc/nftables.conf', reason: 'gone' },
            { kind: 'attributes', path: '/etc/nftables.conf', mode: 0o600, reason: 'chmod of what was removed' },
          ],
        },
      ];
      const plan = await fixturePlan(tree.root, parts.slice(0, 2));
      assert.equal(plan.pending.length, 2);
      const result = await applyPlan(plan, offline(tree.root), options);
      assert.equal(result.status, 'applied', result.error);
      const stats = lstatSync(join(tree.root, 'etc/x.toml'));
      assert.deepEqual([stats.mode & 0o7777, stats.uid, stats.gid], [0o640, 0, 1000]);
      // And the other way: a chmod after the plan's own remove is refused before anything is written.
      const before = snapshotTree(tree.root, EXCLUDE);
      const removing = await fixturePlan(tree.root, parts.slice(2));
      const refused = await applyPlan(removing, offline(tree.root), options);
      assert.equal(refused.error, 'nothing written: /etc/nftables.conf: does not exist (nothing to chmod/chown)');
      assert.deepEqual(snapshotTree(tree.root, EXCLUDE), before);
    } finally {
      tree.cleanup();
    }
  });

  test('the lock: released only while it is still ours; a stale one taken over by exactly one of many at once', async () => {
    const tree = await materialiseFiles({ 'var/backups/signer-opsec': { dir: true, mode: 0o700 } });
    try {
      const backupRoot = join(tree.root, BACKUP_DIRECTORY);
      const lock = join(backupRoot, '.lock');
      const release = acquireLock(backupRoot);
      // Another process took it over meanwhile (it judged ours stale): our release must leave its lock alone.
      const theirs = `${process.ppid}\nfeedface\n`;
      writeFileSync(lock, theirs);
      release();
      assert.equal(readFileSync(lock, 'utf8'), theirs);
      rmSync(lock);

      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
        encoding: 'utf8',
      });
      writeFileSync(lock, `${dead.stdout}\n`);
      const log = join(tree.root, 'holders.log');
      const lockModule = new URL('../../src/harden/lock.js', import.meta.url).href;
      const script = `
        import { appendFileSync } from 'node:fs';
        const { acquireLock } = await import(${JSON.stringify(lockModule)});
        let release;
        try { release = acquireLock(process.argv[1]); } catch { process.exit(3); }
        appendFileSync(process.argv[2], 'in ' + process.pid + '\\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
        appendFileSync(process.argv[2], 'out ' + process.pid + '\\n');
        release();`;
      const codes = await Promise.all(
        Array.from(
          { length: 8 },
          () =>
            new Promise<number | null>((resolve) => {
              const child = spawn(process.execPath, ['--input-type=module', '-e', script, backupRoot, log]);
              child.on('exit', (code) => resolve(code));
            }),
        ),
      );
      assert.ok(
        codes.every((code) => code === 0 || code === 3),
        JSON.stringify(codes),
      );
      assert.ok(codes.includes(0));
      // Never two holders at once: every "in" is followed by the same process's "out".
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      for (let index = 0; index < lines.length; index += 2)
        assert.equal(lines[index + 1], lines[index]?.replace('in ', 'out '), lines.join('\n'));
      assert.ok(!existsSync(lock));
      assert.deepEqual(
        readdirSync(backupRoot).filter((name) => name.startsWith('.lock')),
        [],
      );
    } finally {
      tree.cleanup();
    }
  });

  test('errors outside a change (a held lock, an unreadable manifest) name the path inside the target', async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const result = await applyPlan(await fixturePlan(tree.root), offline(tree.root), options);
      const manifestPath = join(tree.root, BACKUP_DIRECTORY, result.id ?? '', 'manifest.json');
      writeFileSync(manifestPath, '{ truncated');
      const inTarget = `/var/backups/signer-opsec/${result.id}/manifest.json: not valid JSON`;
      assert.throws(() => listBackups(tree.root), { message: inTarget });
      await assert.rejects(rollbackBackup(tree.root, offline(tree.root), result.id, { force: false, reload: false }), {
        message: inTarget,
      });
      writeFileSync(join(tree.root, BACKUP_DIRECTORY, '.lock'), `${process.ppid}\n`);
      await assert.rejects(rollbackBackup(tree.root, offline(tree.root), result.id, { force: false, reload: false }), {
        message: `/var/backups/signer-opsec/.lock: another signer-opsec harden (pid ${process.ppid}) is running on this root`,
      });
    } finally {
      tree.cleanup();
    }
  });
});
