// Issue 18 item 12: a .tar.gz target was gunzipSync'ed whole: 1.5 MB holding a 1.5 GiB file of zeros took ~3.2 GB
// of RSS. It is now indexed as it inflates: small files kept, large ones indexed and inflated again when read, and
// inflating stops with a clear error past a bound. Memory is measured in the child that audits (its maxRSS), never
// time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TargetError } from '../../src/target/errors.js';
import { TarFormatError } from '../../src/target/tar-reader.js';
import { TarTarget } from '../../src/target/tar-target.js';
import { BIN } from '../support/cli.js';

const ZEROS = 768 * 1024 * 1024;
const BIG = 20 * 1024 * 1024;

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  assert.equal(result.error, undefined, `${command} must be installed: ${result.error?.message}`);
  assert.equal(result.status, 0, `${command} ${args.join(' ')}: ${result.stderr}`);
}

describe('a gzip-compressed tar target is streamed', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'so-tgz-bomb-'));
  const archive = join(dir, 'bomb.tar.gz');
  const tree = join(dir, 'tree');
  let big: Buffer;
  before(() => {
    mkdirSync(join(tree, 'etc'), { recursive: true });
    mkdirSync(join(tree, 'opt'), { recursive: true });
    writeFileSync(join(tree, 'etc/hostname'), 'signer-1\n');
    // A file over the 16 MiB kept per file, with content that is not all one byte.
    big = Buffer.alloc(BIG);
    for (let i = 0; i < BIG; i += 4096) big.writeUInt32BE(i, i);
    writeFileSync(join(tree, 'opt/big.bin'), big);
    // A sparse file: no disk, and tar stores its zeros as ordinary data (no --sparse).
    run('truncate', ['-s', String(ZEROS), join(tree, 'opt/zeros')]);
    run('tar', ['--numeric-owner', '-czf', archive, '-C', tree, 'etc', 'opt']);
    rmSync(tree, { recursive: true, force: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the archive is small and inflates to over 768 MiB', () => {
    assert.ok(statSync(archive).size < 5 * 1024 * 1024, `${statSync(archive).size} bytes`);
  });

  test('audit --root reads it within 400 MB of RSS (inflated whole it needs the 788 MiB and more)', () => {
    const rssFile = join(dir, 'maxrss');
    const preload = join(dir, 'maxrss.mjs');
    writeFileSync(
      preload,
      `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`,
    );
    const audit = spawnSync(
      process.execPath,
      ['--import', preload, BIN, 'audit', '--root', archive, '--allow-empty', '--format', 'json'],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
        timeout: 240_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    assert.ok(audit.stdout.length > 0, `no report; stderr: ${audit.stderr.slice(0, 1000)}`);
    assert.ok(JSON.parse(audit.stdout).results.length > 10);
    const maxRssKb = Number(readFileSync(rssFile, 'utf8'));
    assert.ok(maxRssKb > 0 && maxRssKb < 400 * 1024, `max RSS ${maxRssKb} KB`);
  });

  test('small files are read from the index, a large one is inflated again on demand, byte for byte', async () => {
    const target = await TarTarget.open(archive);
    assert.equal(await target.readText('/etc/hostname'), 'signer-1\n');
    assert.equal((await target.stat('/opt/zeros'))?.size, ZEROS);
    assert.ok((await target.readFile('/opt/big.bin', { maxBytes: BIG })).equals(big));
    await assert.rejects(
      target.readFile('/opt/zeros'),
      (error: unknown) => error instanceof TargetError && error.code === 'ETOOBIG',
    );
  });

  test('past the inflated bound, opening it is a clear error naming the archive', async () => {
    await assert.rejects(
      TarTarget.open(archive, { maxInflatedBytes: 64 * 1024 * 1024, maxHeldFileBytes: 1024, maxHeldTotalBytes: 1024 }),
      (error: unknown) => {
        assert.ok(error instanceof TarFormatError);
        assert.match(
          error.message,
          new RegExp(`^${archive.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: inflates past 67108864 bytes`),
        );
        return true;
      },
    );
  });

  test('a gzip stream cut short is an error, not a smaller system', async () => {
    const cut = join(dir, 'cut.tar.gz');
    writeFileSync(cut, readFileSync(archive).subarray(0, 2000));
    await assert.rejects(TarTarget.open(cut), /cut\.tar\.gz: (cannot decompress|truncated tar archive)/);
  });
});
