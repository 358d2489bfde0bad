// Issue 18 items 13 and 21: a tar entry whose pax path had 40,000 components took 28 s and 1.8 GB to index (every
// parent was built as a joined prefix: quadratic), and an empty or truncated tar was audited as an empty system.
// Each is now a clear error naming the archive; `audit` exits 2 on it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TarFormatError } from '../../src/target/tar-reader.js';
import { TarTarget } from '../../src/target/tar-target.js';
import { writeTar } from '../../src/target/tar-writer.js';
import { BIN } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'so-tar-bounds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function archive(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function file(path: string, content = 'x\n') {
  return { path, type: 'file' as const, mode: 0o644, uid: 0, gid: 0, content };
}

function refused(path: string, reason: RegExp): void {
  assert.throws(
    () => new TarTarget(path),
    (error: unknown) => {
      assert.ok(error instanceof TarFormatError, String(error));
      assert.ok(error.message.startsWith(path), error.message);
      assert.match(error.message, reason);
      return true;
    },
  );
  const run = spawnSync(process.execPath, [BIN, 'audit', '--root', path, '--format', 'json'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
    timeout: 60_000,
  });
  assert.equal(run.status, 2, `exit code; stderr: ${run.stderr}`);
  assert.match(run.stderr, reason);
}

describe('tar archives the index refuses', { timeout: 240_000 }, () => {
  test('a pax path of 40,000 components (80 KB) is refused by its length, before any parent is built', () => {
    refused(
      archive('deep.tar', writeTar([file(`${'a/'.repeat(40_000)}f`)])),
      /offset \d+ has a path of 80001 bytes; at most 4096/,
    );
  });

  test('a path within PATH_MAX but deeper than the 256 components a lookup follows is refused', () => {
    refused(
      archive('components.tar', writeTar([file(`${'a/'.repeat(300)}f`)])),
      /has a path of 301 components; at most 256/,
    );
  });

  test('a path of 256 components at PATH_MAX is indexed, and its parents are directories', async () => {
    const deep = `${'d/'.repeat(255)}f`;
    const target = new TarTarget(archive('at-bound.tar', writeTar([file(deep, 'deep\n'), file('etc/hostname')])));
    assert.equal(await target.readText(`/${deep}`), 'deep\n');
    assert.deepEqual(await target.readDir(`/${'d/'.repeat(254)}d`), ['f']);
    assert.deepEqual(await target.readDir('/'), ['d', 'etc']);
  });

  test('an empty file, an archive of no entries, and one cut at a header boundary', () => {
    refused(archive('empty.tar', Buffer.alloc(0)), /empty file: not a tar archive/);
    refused(archive('none.tar', writeTar([])), /the archive holds no entries/);
    const whole = writeTar([file('etc/passwd', 'root:x:0:0::/root:/bin/sh\n'), file('etc/shadow', '')]);
    // The first entry (header + one data block) and no end-of-archive marker.
    refused(
      archive('cut.tar', whole.subarray(0, 1024)),
      /truncated tar archive: no end-of-archive marker after offset 1024/,
    );
  });
});
