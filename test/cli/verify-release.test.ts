import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseReleasePin } from '../../src/stacks/release-pin.js';
import { runCli } from '../support/cli.js';
import { buildZip } from '../support/zip-writer.js';

const SIGNER = '#!/bin/sh\necho "stacks-signer 4.0.2 (0000000, release build, linux [x86_64])"\n';
const NODE = '#!/bin/sh\necho "stacks-node 4.0.2 (0000000, release build, linux [x86_64])"\n';
const sha = (algorithm: string, data: Buffer | string) => createHash(algorithm).update(data).digest('hex');

/** Every path under dir with its mode and content hash: "nothing was written" means this does not change. */
function snapshot(dir: string): string[] {
  const lines: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(current, entry.name);
      const stats = statSync(path, { throwIfNoEntry: false });
      const content = entry.isFile() ? sha('sha256', readFileSync(path)) : entry.isSymbolicLink() ? 'link' : 'dir';
      lines.push(`${relative(dir, path)} ${stats?.mode.toString(8)} ${content}`);
      if (entry.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return lines;
}

describe('signer-opsec verify-release', () => {
  let work: string;
  let archive: string;
  let checksums: string;
  let archiveBytes: Buffer;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'so-release-'));
    archiveBytes = buildZip([
      { name: 'stacks-signer', content: SIGNER },
      { name: 'stacks-node', content: NODE },
      { name: 'clarity-cli', content: 'clarity', method: 0 },
    ]);
    archive = join(work, 'linux-glibc-x64.zip');
    writeFileSync(archive, archiveBytes);
    checksums = join(work, 'CHECKSUMS.txt');
    writeFileSync(
      checksums,
      `${sha('sha512', 'other')}  macos-arm64.zip\n${sha('sha512', archiveBytes)}  linux-glibc-x64.zip\n`,
    );
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  function freshRoot(): string {
    const root = join(work, `root-${Math.random().toString(36).slice(2)}`);
    mkdirSync(join(root, 'etc'), { recursive: true });
    return root;
  }

  /** Runs a failing verification and proves it printed one clear line, exited 2 and wrote nothing. */
  function failsCleanly(args: string[], root: string, pattern: RegExp): void {
    const before = snapshot(root);
    const run = runCli(['verify-release', ...args, '--root', root]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^signer-opsec: [^\n]+\n$/);
    assert.match(run.stderr, pattern);
    assert.deepEqual(snapshot(root), before, 'nothing written under --root');
  }

  test('a genuine archive: SHA-512 checked, every binary hashed, the pin written atomically in etc/', () => {
    const root = freshRoot();
    const run = runCli([
      'verify-release',
      '--archive',
      archive,
      '--checksums',
      checksums,
      '--root',
      root,
      '--release-version',
      '4.0.2',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /linux-glibc-x64\.zip: SHA-512 matches/);
    const pinPath = join(root, 'etc/signer-opsec/release-pins.json');
    assert.equal(statSync(pinPath).mode & 0o777, 0o644);
    assert.equal(statSync(join(root, 'etc/signer-opsec')).mode & 0o777, 0o755);
    const parsed = parseReleasePin(readFileSync(pinPath, 'utf8'));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.pin.release, {
      archive: 'linux-glibc-x64.zip',
      sha512: sha('sha512', archiveBytes),
      version: '4.0.2',
    });
    assert.deepEqual(parsed.pin.binaries, {
      'stacks-signer': { sha256: sha('sha256', SIGNER), size: SIGNER.length, version: '4.0.2' },
      'stacks-node': { sha256: sha('sha256', NODE), size: NODE.length, version: '4.0.2' },
      'clarity-cli': { sha256: sha('sha256', 'clarity'), size: 7 },
    });
    assert.deepEqual(readdirSync(join(root, 'etc/signer-opsec')), ['release-pins.json'], 'no temp file left');
  });

  test('--pin-file puts the pin elsewhere inside the target', () => {
    const root = freshRoot();
    const run = runCli([
      'verify-release',
      '--archive',
      archive,
      '--checksums',
      checksums,
      '--root',
      root,
      '--pin-file',
      '/etc/stacks/pins.json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(parseReleasePin(readFileSync(join(root, 'etc/stacks/pins.json'), 'utf8')).ok);
  });

  test('a tampered archive is rejected: tampered or corrupt', () => {
    const tampered = join(work, 'tampered', 'linux-glibc-x64.zip');
    mkdirSync(join(work, 'tampered'), { recursive: true });
    const bytes = Buffer.from(archiveBytes);
    bytes.writeUInt8(bytes.readUInt8(40) ^ 1, 40);
    writeFileSync(tampered, bytes);
    failsCleanly(
      ['--archive', tampered, '--checksums', checksums],
      freshRoot(),
      /does not match .* the archive is tampered or corrupt/,
    );
  });

  test('no checksum line for the archive: the error names what the file lists', () => {
    const renamed = join(work, 'stacks-4.0.2.zip');
    writeFileSync(renamed, archiveBytes);
    failsCleanly(
      ['--archive', renamed, '--checksums', checksums],
      freshRoot(),
      /no SHA-512 line for "stacks-4\.0\.2\.zip" \(it lists: macos-arm64\.zip, linux-glibc-x64\.zip\)/,
    );
  });

  test('a malformed CHECKSUMS.txt is rejected with its line', () => {
    const bad = join(work, 'BAD-CHECKSUMS.txt');
    writeFileSync(
      bad,
      `${sha('sha512', archiveBytes)}  linux-glibc-x64.zip\nsha512sum: WARNING: 1 line is improperly formatted\n`,
    );
    failsCleanly(
      ['--archive', archive, '--checksums', bad],
      freshRoot(),
      /BAD-CHECKSUMS\.txt:2: malformed checksums file/,
    );
  });

  test('a malformed zip whose checksum matches is rejected; so is an archive without Stacks binaries', () => {
    const dir = join(work, 'malformed');
    mkdirSync(dir, { recursive: true });
    const notZip = Buffer.from('this is no zip archive at all, only text\n'.repeat(10));
    const noBinaries = buildZip([{ name: 'README.md', content: 'hello' }]);
    writeFileSync(join(dir, 'linux-glibc-x64.zip'), notZip);
    writeFileSync(join(dir, 'linux-musl-x64.zip'), noBinaries);
    const list = join(dir, 'CHECKSUMS.txt');
    writeFileSync(
      list,
      `${sha('sha512', notZip)}  linux-glibc-x64.zip\n${sha('sha512', noBinaries)}  linux-musl-x64.zip\n`,
    );
    failsCleanly(
      ['--archive', join(dir, 'linux-glibc-x64.zip'), '--checksums', list],
      freshRoot(),
      /malformed zip: no end-of-central-directory record/,
    );
    failsCleanly(
      ['--archive', join(dir, 'linux-musl-x64.zip'), '--checksums', list],
      freshRoot(),
      /holds neither stacks-signer nor stacks-node/,
    );
  });

  test('missing files, bad flags and a symlink out of --root: exit 2, nothing written anywhere', () => {
    const root = freshRoot();
    failsCleanly(
      ['--archive', join(work, 'nope.zip'), '--checksums', checksums],
      root,
      /no SHA-512 line for "nope\.zip"/,
    );
    failsCleanly(
      ['--archive', archive, '--checksums', join(work, 'none.txt')],
      root,
      /--checksums .*none\.txt: does not exist/,
    );
    failsCleanly(['--checksums', checksums], root, /--archive FILE\.zip is required/);
    failsCleanly(
      ['--archive', archive, '--checksums', checksums, '--pin-file', 'relative.json'],
      root,
      /must be an absolute path/,
    );
    failsCleanly(
      ['--archive', archive, '--checksums', checksums, '--release-version', 'latest'],
      root,
      /not a version/,
    );

    const outside = mkdtempSync(join(tmpdir(), 'so-outside-'));
    try {
      const escaping = join(work, 'escaping-root');
      mkdirSync(escaping, { recursive: true });
      symlinkSync(outside, join(escaping, 'etc'));
      failsCleanly(['--archive', archive, '--checksums', checksums], escaping, /outside --root/);
      assert.deepEqual(readdirSync(outside), [], 'nothing written through the symlink');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
