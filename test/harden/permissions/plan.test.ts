import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import notWritableByService from '../../../src/checks/binary/not-writable-by-service.js';
import configOwner from '../../../src/checks/identity/config-owner.js';
import nodeConfigPermissions from '../../../src/checks/keys/node-config-permissions.js';
import signerConfigPermissions from '../../../src/checks/keys/signer-config-permissions.js';
import signerDbPermissions from '../../../src/checks/keys/signer-db-permissions.js';
import { runCheckDetailed } from '../../../src/engine/runner.js';
import { decideLayout } from '../../../src/harden/layout.js';
import { planPermissions } from '../../../src/harden/permissions/plan.js';
import { safeDirectory } from '../../../src/harden/permissions/rules.js';
import { type FileSpec, materialiseFiles } from '../../support/materialise.js';
import { serviceHost, unitFile } from '../../support/service-hosts.js';
import { applyChanges, contextOf, planOn } from '../apply-changes.js';

const DB = '/var/lib/stacks-signer/signer.sqlite';

/** A signer and node with loose modes and foreign owners everywhere, binaries under /opt/stacks/bin. */
function looseHost(extra: FileSpec = {}): FileSpec {
  return serviceHost(
    { node: ['User=stacks-node'], signerConfig: { mode: 0o644, uid: 1000, gid: 1000 }, nodeConfig: { mode: 0o664 } },
    {
      'etc/systemd/system/stacks-signer.service': unitFile(
        'ExecStart=/opt/stacks/bin/stacks-signer run --config /etc/stacks/signer/signer-config.toml',
        ['User=stacks-signer'],
      ),
      'etc/stacks': { dir: true, mode: 0o775, uid: 1000, gid: 27 },
      'etc/stacks/signer': { dir: true, mode: 0o750, uid: 1000, gid: 1000 },
      'var/lib/stacks-signer': { dir: true, mode: 0o755, uid: 1000, gid: 1000 },
      [DB.slice(1)]: { content: 'SQLite format 3', mode: 0o644, uid: 1000, gid: 1000 },
      [`${DB.slice(1)}-wal`]: { content: '', mode: 0o666, uid: 1000, gid: 1000 },
      'opt/stacks': { dir: true, mode: 0o775, uid: 1000, gid: 1000 },
      'opt/stacks/bin': { dir: true, mode: 0o777, uid: 991, gid: 991 },
      'opt/stacks/bin/stacks-signer': { content: '#!/bin/sh\n', mode: 0o775, uid: 990, gid: 990 },
      ...extra,
    },
  );
}

const ADDRESSED = [
  signerConfigPermissions,
  nodeConfigPermissions,
  configOwner,
  signerDbPermissions,
  notWritableByService,
];

describe('permissions planner', () => {
  test('configs, database and binary made private/root-owned; the real controls pass; a second plan is empty', async () => {
    const tree = await materialiseFiles(looseHost());
    try {
      const before = contextOf(tree.root);
      for (const check of ADDRESSED) {
        const { result } = await runCheckDetailed(check, before);
        assert.notEqual(result.status, 'pass', `${check.id} should fail before hardening`);
      }
      const part = await planOn(planPermissions, tree.root, decideLayout);
      assert.ok(part);
      assert.deepEqual([...part.addresses].sort(), ADDRESSED.map((check) => check.id).sort());
      assert.ok(part.changes.every((change) => change.kind === 'attributes'));
      assert.ok(!part.changes.some((change) => ['/', '/etc', '/opt', '/var', '/var/lib'].includes(change.path)));
      applyChanges(tree.root, part.changes);

      const after = contextOf(tree.root);
      for (const check of ADDRESSED) {
        const { result } = await runCheckDetailed(check, after);
        assert.equal(result.status, 'pass', `${check.id}: ${result.message}`);
      }
      // The signer can still reach its config through the directory chain (root-owned /etc/stacks/signer 0750 → o+x).
      const signerDir = statSync(join(tree.root, 'etc/stacks/signer'));
      assert.equal(signerDir.uid, 0);
      assert.equal(signerDir.mode & 0o001, 0o001);
      assert.equal(statSync(join(tree.root, 'var/lib/stacks-signer')).mode & 0o777, 0o700);
      assert.equal(statSync(join(tree.root, `${DB.slice(1)}-wal`)).mode & 0o777, 0o600);
      assert.deepEqual((await planOn(planPermissions, tree.root, decideLayout))?.changes, []);
    } finally {
      tree.cleanup();
    }
  });

  test('a database in a shared directory the signer cannot write: left alone, with the move to make', async () => {
    // uid 1000 owns the directory 0755: the signer could not create -wal/-journal there, so harden never
    // hands it a database it cannot use, nor takes the directory over.
    const tree = await materialiseFiles(looseHost({ 'var/lib/stacks-signer/other.log': 'x' }));
    try {
      const part = await planOn(planPermissions, tree.root, decideLayout);
      assert.ok(!part?.changes.some((change) => change.path.startsWith('/var/lib/stacks-signer')));
      assert.ok(!part?.addresses.includes('keys/signer-db-permissions'));
      assert.match(part?.notes.join('\n') ?? '', /stacks-signer cannot write.*move the database to/);
    } finally {
      tree.cleanup();
    }
  });

  test('a database in a shared directory: only its files are fixed, and a note says why', async () => {
    const tree = await materialiseFiles(
      looseHost({
        'var/lib/stacks-signer': { dir: true, mode: 0o755, uid: 990, gid: 990 },
        'var/lib/stacks-signer/other.log': 'x',
      }),
    );
    try {
      const part = await planOn(planPermissions, tree.root, decideLayout);
      assert.ok(!part?.changes.some((change) => change.path === '/var/lib/stacks-signer'));
      assert.ok(part?.changes.some((change) => change.path === DB));
      assert.ok(!part?.addresses.includes('keys/signer-db-permissions'), 'the directory stays readable by others');
      assert.match(part?.notes.join('\n') ?? '', /holds more than the signer's database/);
    } finally {
      tree.cleanup();
    }
  });

  test('a missing database directory is created 0700 for the signer', async () => {
    const spec = looseHost();
    for (const key of Object.keys(spec)) if (key.startsWith('var/lib/stacks-signer')) delete spec[key];
    const tree = await materialiseFiles({ ...spec, 'var/lib': { dir: true } });
    try {
      const part = await planOn(planPermissions, tree.root, decideLayout);
      const mkdir = part?.changes.find((change) => change.kind === 'mkdir');
      assert.deepEqual(mkdir && { ...mkdir, reason: '' }, {
        kind: 'mkdir',
        path: '/var/lib/stacks-signer',
        mode: 0o700,
        uid: 990,
        gid: 990,
        reason: '',
      });
    } finally {
      tree.cleanup();
    }
  });

  test('a world-writable system directory is never changed: a note, and the binary control is not claimed', async () => {
    const tree = await materialiseFiles(
      looseHost({
        'etc/systemd/system/stacks-signer.service': unitFile(
          'ExecStart=/usr/local/bin/stacks-signer run --config /etc/stacks/signer/signer-config.toml',
          ['User=stacks-signer'],
        ),
        'usr/local/bin': { dir: true, mode: 0o777 },
        'usr/local/bin/stacks-signer': { content: '#!/bin/sh\n', mode: 0o755 },
      }),
    );
    try {
      const part = await planOn(planPermissions, tree.root, decideLayout);
      assert.ok(!part?.changes.some((change) => change.path.startsWith('/usr')));
      assert.match(
        part?.notes.join('\n') ?? '',
        /\/usr\/local\/bin is group-writable, world-writable: harden leaves system directories alone/,
      );
      assert.ok(!part?.addresses.includes('binary/not-writable-by-service'));
    } finally {
      tree.cleanup();
    }
  });

  test('safeDirectory keeps a directory the service owns, and adds search for it when root takes one over', () => {
    const service = { uid: 990, gids: new Set([990]) };
    const dir = { type: 'dir' as const, size: 0 };
    assert.deepEqual(safeDirectory({ ...dir, mode: 0o770, uid: 990, gid: 990 }, service), {
      mode: 0o750,
      uid: 990,
      gid: 990,
    });
    assert.deepEqual(safeDirectory({ ...dir, mode: 0o700, uid: 1000, gid: 1000 }, service), {
      mode: 0o701,
      uid: 0,
      gid: 0,
    });
  });
});
