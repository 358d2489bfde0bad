// What every filesystem-backed target must do identically, run against each target type on the same real tree.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { linkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TargetError } from '../../src/target/errors.js';
import type { Target } from '../../src/target/types.js';
import { type FileSpec, type MaterialisedTree, materialiseFiles } from './materialise.js';

export const SHADOW_MARKER = 'in-tree-shadow-marker-7f3a';
export const SIGNER_UID = 997;
export const SHADOW_GID = 42;
export const LONG_DIR = `opt/${'a'.repeat(70)}/${'b'.repeat(70)}`;
export const LONG_LINK_TARGET = `/${LONG_DIR}/config.toml`;

function chainSpec(): FileSpec {
  // chain/l0 -> l1 -> … -> l40 -> end: 41 links from l0, 40 from l1 (Linux's limit).
  const spec: FileSpec = { 'chain/end': 'end of chain\n' };
  for (let i = 0; i <= 40; i += 1) spec[`chain/l${i}`] = { symlink: i === 40 ? 'end' : `l${i + 1}` };
  return spec;
}

export const CONTRACT_TREE: FileSpec = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nstacks-signer:x:997:997::/var/lib/stacks-signer:/usr/sbin/nologin\n',
  'etc/shadow': { content: `${SHADOW_MARKER}\n`, mode: 0o640, uid: 0, gid: SHADOW_GID },
  'etc/x': { symlink: '/etc/shadow' },
  'etc/relative-escape': { symlink: '../../../../../etc/shadow' },
  'etc/stacks/signer': { dir: true, mode: 0o750, uid: 0, gid: SIGNER_UID },
  'etc/stacks/signer/signer-config.toml': {
    content: 'network = "mainnet"\n',
    mode: 0o600,
    uid: SIGNER_UID,
    gid: SIGNER_UID,
  },
  'usr/bin/sudo': { content: '#!/bin/sh\n', mode: 0o4755 },
  bin: { symlink: 'usr/bin' },
  'var/tmp': { dir: true, mode: 0o1777 },
  'loop/a': { symlink: 'b' },
  'loop/b': { symlink: 'a' },
  dangling: { symlink: '/does/not/exist' },
  'big.bin': Buffer.alloc(3000, 0x61),
  'root/secret': { content: 'only root\n', mode: 0o600 },
  [`${LONG_DIR}/config.toml`]: { content: 'long = true\n', mode: 0o640, uid: SIGNER_UID, gid: 0 },
  'opt/long-link': { symlink: LONG_LINK_TARGET },
  'data/original': { content: 'linked contents\n', mode: 0o640, uid: SIGNER_UID, gid: SHADOW_GID },
  ...chainSpec(),
};

/** Materialises CONTRACT_TREE (plus a hard link) and returns the tree; the caller opens a target on it. */
export async function buildContractTree(): Promise<MaterialisedTree> {
  const tree = await materialiseFiles(CONTRACT_TREE);
  linkSync(join(tree.root, 'data/original'), join(tree.root, 'data/hardlink'));
  return tree;
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TargetError, `expected a TargetError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** Registers the shared behaviour tests for a target built by `open` from a host directory. */
export function describeTargetContract(
  label: string,
  open: (treeRoot: string) => Promise<Target> | Target,
  options: { live?: boolean; close?: (target: Target) => void } = {},
): void {
  describe(`${label}: shared target behaviour`, () => {
    let tree: MaterialisedTree;
    let target: Target;
    before(async () => {
      tree = await buildContractTree();
      target = await open(tree.root);
    });
    after(() => {
      if (target) options.close?.(target);
      tree.cleanup();
    });

    test('stat reports modes, owners and types from the tree', async () => {
      assert.deepEqual(await target.stat('/etc/shadow'), {
        type: 'file',
        mode: 0o640,
        uid: 0,
        gid: SHADOW_GID,
        size: SHADOW_MARKER.length + 1,
      });
      const signerDir = await target.stat('/etc/stacks/signer');
      assert.deepEqual(
        [signerDir?.type, signerDir?.mode, signerDir?.uid, signerDir?.gid],
        ['dir', 0o750, 0, SIGNER_UID],
      );
      const config = await target.stat('/etc/stacks/signer/signer-config.toml');
      assert.equal(config?.mode, 0o600);
      assert.equal(config?.uid, SIGNER_UID);
      assert.equal((await target.stat('/usr/bin/sudo'))?.mode, 0o4755);
      assert.equal((await target.stat('/var/tmp'))?.mode, 0o1777);
      assert.equal((await target.lstat('/bin'))?.type, 'symlink');
      assert.equal((await target.stat('/bin'))?.type, 'dir');
      assert.equal((await target.stat('/bin/sudo'))?.mode, 0o4755);
    });

    test('an absolute symlink resolves inside the root, never on the auditing host', async () => {
      assert.equal(await target.realpath('/etc/x'), '/etc/shadow');
      assert.equal(await target.readText('/etc/x'), `${SHADOW_MARKER}\n`);
      assert.equal((await target.stat('/etc/x'))?.gid, SHADOW_GID);
    });

    test('relative ".." beyond the root stops at the root', async () => {
      assert.equal(await target.realpath('/etc/relative-escape'), '/etc/shadow');
      assert.equal(await target.readText('/etc/relative-escape'), `${SHADOW_MARKER}\n`);
      assert.equal(await target.readText('/../../etc/shadow'), `${SHADOW_MARKER}\n`);
    });

    test('a symlink loop ends with ELOOP', async () => {
      await rejectsWith(target.readFile('/loop/a'), 'ELOOP');
      await rejectsWith(target.stat('/loop/a'), 'ELOOP');
      assert.equal((await target.lstat('/loop/a'))?.type, 'symlink');
    });

    test('40 symlinks are followed, 41 are ELOOP', async () => {
      assert.equal(await target.readText('/chain/l1'), 'end of chain\n');
      await rejectsWith(target.readFile('/chain/l0'), 'ELOOP');
    });

    test('a dangling symlink stats as absent; reading it is ENOENT', async () => {
      assert.equal(await target.stat('/dangling'), undefined);
      assert.equal((await target.lstat('/dangling'))?.type, 'symlink');
      assert.equal(await target.stat('/no/such/file'), undefined);
      await rejectsWith(target.readFile('/dangling'), 'ENOENT');
    });

    test('reading a directory is EISDIR; listing a file is ENOTDIR; a file as a parent is ENOTDIR', async () => {
      await rejectsWith(target.readFile('/etc'), 'EISDIR');
      await rejectsWith(target.readDir('/etc/passwd'), 'ENOTDIR');
      await rejectsWith(target.readFile('/etc/passwd/x'), 'ENOTDIR');
    });

    test('a file over maxBytes is ETOOBIG; at the limit it is read', async () => {
      await rejectsWith(target.readFile('/big.bin', { maxBytes: 2999 }), 'ETOOBIG');
      assert.equal((await target.readFile('/big.bin', { maxBytes: 3000 })).length, 3000);
    });

    test('paths longer than 100 characters (pax / GNU long names) and long link targets', async () => {
      assert.ok(LONG_LINK_TARGET.length > 100);
      assert.equal(await target.readText(LONG_LINK_TARGET), 'long = true\n');
      const stat = await target.stat(LONG_LINK_TARGET);
      assert.equal(stat?.mode, 0o640);
      assert.equal(stat?.uid, SIGNER_UID);
      assert.equal(await target.realpath('/opt/long-link'), LONG_LINK_TARGET);
      assert.equal(await target.readText('/opt/long-link'), 'long = true\n');
    });

    test('a hard link reads and stats as the file it links to', async () => {
      assert.equal(await target.readText('/data/hardlink'), 'linked contents\n');
      const original = await target.stat('/data/original');
      const linked = await target.stat('/data/hardlink');
      assert.deepEqual(linked, original);
      assert.equal(linked?.mode, 0o640);
      assert.equal(linked?.gid, SHADOW_GID);
    });

    test('readDir lists entry names sorted', async () => {
      assert.deepEqual(await target.readDir('/etc'), ['passwd', 'relative-escape', 'shadow', 'stacks', 'x']);
      assert.deepEqual(await target.readDir('/data'), ['hardlink', 'original']);
      assert.deepEqual(await target.readDir('/bin'), ['sudo']);
    });

    test('readDirEntries gives each entry its own type without following symlinks', async () => {
      const entries = await target.readDirEntries('/etc');
      assert.deepEqual(
        entries.map((entry) => entry.name),
        await target.readDir('/etc'),
      );
      for (const entry of entries) {
        assert.equal(entry.type, (await target.lstat(`/etc/${entry.name}`))?.type, entry.name);
      }
      assert.equal(entries.find((entry) => entry.name === 'x')?.type, 'symlink');
      assert.equal(entries.find((entry) => entry.name === 'passwd')?.type, 'file');
    });

    test('sha256 hashes the whole content, symlinks resolved inside the root, within maxBytes', async () => {
      const expected = createHash('sha256').update(Buffer.alloc(3000, 0x61)).digest('hex');
      assert.equal(await target.sha256('/big.bin'), expected);
      assert.equal(await target.sha256('/etc/x'), createHash('sha256').update(`${SHADOW_MARKER}\n`).digest('hex'));
      await rejectsWith(target.sha256('/big.bin', { maxBytes: 2999 }), 'ETOOBIG');
      await rejectsWith(target.sha256('/etc'), 'EISDIR');
      await rejectsWith(target.sha256('/dangling'), 'ENOENT');
    });

    if (options.live) {
      test('a live target lists processes and runs commands of the host', async () => {
        assert.equal(target.live, true);
        assert.ok((await target.processes()).some((process) => process.argv.length > 0));
        assert.equal((await target.run('true', [])).code, 0);
        assert.equal((await target.run('false', [])).code, 1);
        await assert.rejects(target.run('no-such-program-i13', []), /not installed or not on PATH/);
      });
      return;
    }
    test('an offline target has no processes and runs no commands', async () => {
      assert.equal(target.live, false);
      await assert.rejects(target.processes(), { name: 'NotEvaluableError' });
      await assert.rejects(target.processExecutableSha256(process.pid), { name: 'NotEvaluableError' });
      await assert.rejects(target.run('true', []), { name: 'NotEvaluableError' });
    });
  });
}
