import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { TargetError } from '../../src/target/errors.js';
import { openTarget } from '../../src/target/open.js';
import { TarFormatError } from '../../src/target/tar-reader.js';
import { TarTarget } from '../../src/target/tar-target.js';
import { type TarWriterEntry, writeTar } from '../../src/target/tar-writer.js';
import type { Target } from '../../src/target/types.js';
import { materialiseFiles } from '../support/materialise.js';
import { buildContractTree, describeTargetContract } from '../support/target-contract.js';

const archives = mkdtempSync(join(tmpdir(), 'so-tar-'));
after(() => rmSync(archives, { recursive: true, force: true }));
let archiveCount = 0;

/** Runs the real GNU tar; fails the test when it is missing or fails. */
function tar(args: string[]): string {
  const result = spawnSync('tar', args, { encoding: 'utf8' });
  assert.equal(result.error, undefined, `tar must be installed: ${result.error?.message}`);
  assert.equal(result.status, 0, `tar ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function archiveOf(
  root: string,
  options: { format?: string; gzip?: boolean; members?: string[]; suffix?: string } = {},
): string {
  archiveCount += 1;
  const path = join(archives, `a${archiveCount}${options.suffix ?? (options.gzip ? '.tar.gz' : '.tar')}`);
  const flags = [
    '--numeric-owner',
    ...(options.format ? [`--format=${options.format}`] : []),
    options.gzip ? '-czf' : '-cf',
  ];
  tar([...flags, path, '-C', root, ...(options.members ?? ['.'])]);
  return path;
}

describeTargetContract('TarTarget, GNU format with ./ prefixes', (root) => new TarTarget(archiveOf(root)));
describeTargetContract('TarTarget, pax format', (root) => new TarTarget(archiveOf(root, { format: 'pax' })));
describeTargetContract('TarTarget, .tar.gz', (root) => TarTarget.open(archiveOf(root, { gzip: true })));

/** Every path of `reference` (walked from "/") must lstat and list the same in `other`. */
async function assertSameTree(reference: Target, other: Target, dir = '/'): Promise<number> {
  let compared = 0;
  const names = await reference.readDir(dir);
  assert.deepEqual(await other.readDir(dir), names, `entries of ${dir}`);
  for (const name of names) {
    const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
    const expected = await reference.lstat(path);
    const actual = await other.lstat(path);
    assert.ok(expected && actual, path);
    // A directory's size is a filesystem detail that archives don't carry.
    if (expected.type === 'dir') assert.deepEqual({ ...actual, size: 0 }, { ...expected, size: 0 }, path);
    else assert.deepEqual(actual, expected, path);
    if (expected.type === 'file') assert.deepEqual(await other.readFile(path), await reference.readFile(path), path);
    compared += 1;
    if (expected.type === 'dir') compared += await assertSameTree(reference, other, path);
  }
  return compared;
}

describe('TarTarget', () => {
  test('agrees with DirectoryTarget on every path of a docker-export style archive (no ./ prefix)', async () => {
    const tree = await buildContractTree();
    try {
      const archive = archiveOf(tree.root, { members: readdirSync(tree.root).sort() });
      const target = new TarTarget(archive);
      assert.equal(target.kind, 'tar');
      assert.equal(target.live, false);
      assert.equal(target.source, archive);
      const compared = await assertSameTree(new DirectoryTarget(tree.root, { live: false }), target);
      assert.ok(compared > 50, `compared ${compared} paths`);
      // Without a "./" entry the root itself is implied.
      assert.deepEqual(await target.stat('/'), { type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0 });
    } finally {
      tree.cleanup();
    }
  });

  test('parents implied by file paths are 0755 root directories', async () => {
    const tree = await materialiseFiles({
      'etc/stacks/signer/signer-config.toml': { content: 'x = 1\n', mode: 0o600, uid: 997, gid: 997 },
      'etc/stacks': { dir: true, mode: 0o700, uid: 5, gid: 5 },
    });
    try {
      const target = new TarTarget(archiveOf(tree.root, { members: ['etc/stacks/signer/signer-config.toml'] }));
      assert.deepEqual(await target.stat('/etc/stacks'), { type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0 });
      assert.deepEqual(await target.readDir('/etc'), ['stacks']);
      assert.deepEqual(await target.stat('/etc/stacks/signer/signer-config.toml'), {
        type: 'file',
        mode: 0o600,
        uid: 997,
        gid: 997,
        size: 6,
      });
    } finally {
      tree.cleanup();
    }
  });

  test('owners beyond the octal field (GNU base-256, pax uid/gid) are read exactly', async () => {
    const tree = await materialiseFiles({ 'big-owner': { content: 'x', uid: 3_000_000, gid: 4_000_000 } });
    try {
      for (const format of ['gnu', 'pax']) {
        const stat = await new TarTarget(archiveOf(tree.root, { format })).stat('/big-owner');
        assert.deepEqual([stat?.uid, stat?.gid], [3_000_000, 4_000_000], format);
      }
    } finally {
      tree.cleanup();
    }
  });

  test('a corrupt header is refused with its offset', async () => {
    const tree = await materialiseFiles({ a: 'first\n', b: 'second\n' });
    try {
      const archive = archiveOf(tree.root, { members: ['a', 'b'] });
      const bytes = readFileSync(archive);
      bytes[1024 + 3] = (bytes[1024 + 3] ?? 0) ^ 0xff; // the name of the second header ("b" after "a" + its data block)
      writeFileSync(archive, bytes);
      assert.throws(
        () => new TarTarget(archive),
        (error: unknown) => {
          assert.ok(error instanceof TarFormatError);
          assert.match(error.message, /corrupt tar header at offset 1024: checksum mismatch/);
          assert.ok(error.message.includes(archive));
          return true;
        },
      );
      await assert.rejects(openTarget(archive), /offset 1024/);
    } finally {
      tree.cleanup();
    }
  });

  test('a file that is not a tar is refused at offset 0', () => {
    const path = join(archives, 'not-really.tar');
    writeFileSync(path, 'hello, this is plain text and not an archive\n'.repeat(20));
    assert.throws(() => new TarTarget(path), /corrupt tar header at offset 0: checksum mismatch \(stored none/);
  });

  test('file contents are read from the archive on demand, not held in memory', async () => {
    const tree = await materialiseFiles({ 'etc/hostname': 'signer-1\n' });
    try {
      const archive = archiveOf(tree.root);
      const target = new TarTarget(archive);
      assert.equal(await target.readText('/etc/hostname'), 'signer-1\n');
      rmSync(archive);
      assert.equal((await target.stat('/etc/hostname'))?.size, 9); // the index stays
      await assert.rejects(
        target.readFile('/etc/hostname'),
        (error: unknown) => error instanceof TargetError && error.code === 'EIO',
      );
    } finally {
      tree.cleanup();
    }
  });
});

describe('writeTar', () => {
  const entries: TarWriterEntry[] = [
    { path: 'usr/local/bin/stacks-signer', type: 'file', mode: 0o755, uid: 0, gid: 0, content: '#!/bin/sh\n' },
    { path: 'etc', type: 'dir', mode: 0o755, uid: 0, gid: 0 },
    { path: 'etc/stacks', type: 'dir', mode: 0o750, uid: 0, gid: 997 },
    { path: 'etc/stacks/signer-config.toml', type: 'file', mode: 0o600, uid: 997, gid: 997, content: 'a = 1\n' },
    { path: 'usr/bin/su', type: 'file', mode: 0o4755, uid: 0, gid: 0, content: Buffer.alloc(1500, 1) },
    { path: 'tmp', type: 'dir', mode: 0o1777, uid: 0, gid: 0 },
    { path: `opt/${'x'.repeat(120)}/deep.toml`, type: 'file', mode: 0o640, uid: 3_000_000, gid: 5, content: 'deep\n' },
    {
      path: 'opt/to-deep',
      type: 'symlink',
      mode: 0o777,
      uid: 0,
      gid: 0,
      linkTarget: `/opt/${'x'.repeat(120)}/deep.toml`,
    },
    { path: 'etc/x', type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkTarget: '/etc/stacks/signer-config.toml' },
  ];

  test('is deterministic and sorted', () => {
    const first = writeTar(entries);
    assert.ok(first.equals(writeTar([...entries].reverse())));
    const archive = join(archives, 'sorted.tar');
    writeFileSync(archive, first);
    const names = tar(['-tf', archive]).trimEnd().split('\n');
    assert.deepEqual(names, [...names].sort());
    assert.equal(names[0], 'etc/');
  });

  test('GNU tar extracts exactly what TarTarget reads', async () => {
    const archive = join(archives, 'written.tar');
    writeFileSync(archive, writeTar(entries));
    const extracted = mkdtempSync(join(tmpdir(), 'so-x-'));
    try {
      tar(['--numeric-owner', '--same-owner', '-xpf', archive, '-C', extracted]);
      const fromTar = new TarTarget(archive);
      await assertSameTree(new DirectoryTarget(extracted, { live: false }), fromTar);
      assert.equal(await fromTar.readText('/opt/to-deep'), 'deep\n');
      assert.equal((await fromTar.stat('/usr/bin/su'))?.mode, 0o4755);
      assert.equal((await fromTar.stat('/tmp'))?.mode, 0o1777);
      assert.equal((await fromTar.stat(`/opt/${'x'.repeat(120)}/deep.toml`))?.uid, 3_000_000);
      assert.match(
        tar(['--numeric-owner', '-tvf', archive]),
        /-rw------- 997\/997\s+6 2000-01-01 00:00 etc\/stacks\/signer-config.toml/,
      );
    } finally {
      rmSync(extracted, { recursive: true, force: true });
    }
  });
});

describe('openTarget', () => {
  test('nothing or "/" is the live host', async () => {
    for (const arg of [undefined, '/']) {
      const target = await openTarget(arg);
      assert.equal(target.kind, 'live');
      assert.equal(target.live, true);
    }
  });

  test('a directory is an offline directory target; .tar, .tar.gz and .tgz are archives', async () => {
    const tree = await materialiseFiles({ 'etc/hostname': 'h\n' });
    try {
      const directory = await openTarget(tree.root);
      assert.deepEqual([directory.kind, directory.live], ['directory', false]);
      for (const options of [{}, { gzip: true }, { gzip: true, suffix: '.tgz' }]) {
        const target = await openTarget(archiveOf(tree.root, options));
        assert.equal(target.kind, 'tar');
        assert.equal(await target.readText('/etc/hostname'), 'h\n');
      }
    } finally {
      tree.cleanup();
    }
  });

  test('anything else is a one-line error', async () => {
    const other = join(archives, 'notes.txt');
    writeFileSync(other, 'x');
    mkdirSync(join(archives, 'dir.tar'), { recursive: true }); // a directory wins over its name
    await assert.rejects(
      openTarget(other),
      /^Error: --root .*notes\.txt: not a directory or a \.tar, \.tar\.gz or \.tgz archive$/,
    );
    await assert.rejects(openTarget(join(archives, 'missing.tar')), /missing\.tar: does not exist$/);
    assert.equal((await openTarget(join(archives, 'dir.tar'))).kind, 'directory');
  });
});
