import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { backupFile, backupTimestamp, writeFileAtomic } from '../../src/fs/atomic-write.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'so-'));
  dirs.push(dir);
  return dir;
}

const NOBODY = 65534;

describe('writeFileAtomic options', () => {
  test('mode and owner are those asked for, whatever the umask', () => {
    const dir = freshDir();
    const path = join(dir, 'signer.toml');
    const previous = process.umask(0o777);
    try {
      writeFileAtomic(path, 'x = 1\n', { mode: 0o600, uid: NOBODY, gid: NOBODY });
    } finally {
      process.umask(previous);
    }
    const stats = statSync(path);
    assert.equal(stats.mode & 0o7777, 0o600);
    assert.equal(stats.uid, NOBODY);
    assert.equal(stats.gid, NOBODY);
    assert.equal(readFileSync(path, 'utf8'), 'x = 1\n');
  });

  test('noClobber refuses an existing file and leaves it and the directory as they were', () => {
    const dir = freshDir();
    const path = join(dir, 'keystore.json');
    writeFileSync(path, 'old');
    assert.throws(() => writeFileAtomic(path, 'new', { noClobber: true }), { code: 'EEXIST' });
    assert.equal(readFileSync(path, 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir), ['keystore.json']);
  });

  test('an impossible owner (uid 2^32) fails before content is written; no temp file is left', () => {
    const dir = freshDir();
    const path = join(dir, 'signer.toml');
    writeFileSync(path, 'kept\n');
    assert.throws(() => writeFileAtomic(path, 'new\n', { uid: 2 ** 32 }));
    assert.equal(readFileSync(path, 'utf8'), 'kept\n');
    assert.deepEqual(readdirSync(dir), ['signer.toml']);
  });
});

describe('backupFile', () => {
  test('copies every byte with mode 0600 and the original owner, under a timestamped name', () => {
    const dir = freshDir();
    const path = join(dir, 'signer.toml');
    const content = Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0x0d, 0x0a, 0x00, 0xff]);
    writeFileSync(path, content);
    chmodSync(path, 0o640);
    chownSync(path, NOBODY, NOBODY);
    const date = new Date('2026-08-12T10:15:02.123Z');
    const backup = backupFile(path, { date });
    assert.equal(backup, `${path}.20260812T101502Z.bak`);
    assert.deepEqual(readFileSync(backup), content);
    const stats = statSync(backup);
    assert.equal(stats.mode & 0o7777, 0o600);
    assert.equal(stats.uid, NOBODY);
    assert.equal(stats.gid, NOBODY);
    // A second backup in the same second gets its own name, never overwriting the first.
    assert.equal(backupFile(path, { date }), `${path}.20260812T101502Z.1.bak`);
    assert.equal(backupTimestamp(date), '20260812T101502Z');
  });

  test('a directory is not backed up', () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'sub'));
    assert.throws(() => backupFile(join(dir, 'sub')), /not a regular file/);
  });
});
