import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { materialiseFiles } from './materialise.js';

test('materialiseFiles writes contents, then owners and modes; parents are 0755 root', async () => {
  const tree = await materialiseFiles({
    'etc/stacks/signer/signer-config.toml': { content: 'k = 1\n', mode: 0o600, uid: 997, gid: 997 },
    '/usr/bin/sudo': { content: 'x', mode: 0o4755, uid: 0, gid: 0 },
    'var/lib/stacks-signer': { dir: true, mode: 0o700, uid: 997, gid: 997 },
    'etc/x': { symlink: '/etc/shadow', uid: 997, gid: 42 },
    'etc/hostname': 'signer\n',
  });
  try {
    const config = statSync(join(tree.root, 'etc/stacks/signer/signer-config.toml'));
    assert.deepEqual([config.mode & 0o7777, config.uid, config.gid], [0o600, 997, 997]);
    assert.equal(readFileSync(join(tree.root, 'etc/stacks/signer/signer-config.toml'), 'utf8'), 'k = 1\n');
    assert.equal(statSync(join(tree.root, 'usr/bin/sudo')).mode & 0o7777, 0o4755);
    assert.equal(statSync(join(tree.root, 'var/lib/stacks-signer')).mode & 0o7777, 0o700);
    assert.equal(statSync(join(tree.root, 'etc/stacks')).mode & 0o7777, 0o755);
    assert.equal(statSync(tree.root).mode & 0o7777, 0o755);
    const link = lstatSync(join(tree.root, 'etc/x'));
    assert.deepEqual([link.isSymbolicLink(), link.uid, link.gid], [true, 997, 42]);
    assert.equal(readlinkSync(join(tree.root, 'etc/x')), '/etc/shadow');
    assert.equal(statSync(join(tree.root, 'etc/hostname')).mode & 0o7777, 0o644);
  } finally {
    tree.cleanup();
  }
  assert.equal(existsSync(tree.root), false);
  tree.cleanup(); // twice is fine
});

test('materialiseFiles refuses paths that leave the tree and ambiguous entries', async () => {
  await assert.rejects(materialiseFiles({ '../escape': 'x' }), /inside the tree/);
  await assert.rejects(materialiseFiles({ a: { dir: true, symlink: 'b' } }), /one of content, symlink or dir/);
});
