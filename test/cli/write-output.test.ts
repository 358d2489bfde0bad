import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
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
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { writeFileAtomic } from '../../src/cli/write-output.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'so-'));
  chmodSync(dir, 0o755); // other uids must be able to enter it
  dirs.push(dir);
  return dir;
}

const MODULE_URL = new URL('../../src/cli/write-output.js', import.meta.url).href;

/** Runs writeFileAtomic in a child process (as another uid, or under a shell `ulimit`); prints the error code. */
function writeInChild(
  path: string,
  content: string,
  options: { uid?: number; shellPrefix?: string } = {},
): { code: string; status: number | null; stderr: string } {
  const script = [
    `import { writeFileAtomic } from ${JSON.stringify(MODULE_URL)};`,
    'try {',
    `  writeFileAtomic(${JSON.stringify(path)}, 'x'.repeat(${content.length}));`,
    "  console.log('written');",
    '} catch (error) {',
    '  console.log(error.code);',
    '}',
  ].join('\n');
  const nodeArgs = ['--input-type=module', '-e', script];
  const run = options.shellPrefix
    ? spawnSync('/bin/sh', ['-c', `${options.shellPrefix}; exec "$0" "$@"`, process.execPath, ...nodeArgs], {
        encoding: 'utf8',
      })
    : spawnSync(process.execPath, nodeArgs, {
        encoding: 'utf8',
        ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
      });
  if (run.error) throw run.error;
  return { code: run.stdout.trim(), status: run.status, stderr: run.stderr };
}

describe('writeFileAtomic', () => {
  test('writes the whole content, byte for byte, and leaves no temp file', () => {
    const dir = freshDir();
    const path = join(dir, 'report.json');
    const content = `{"note":"naïve ✓"}\n${'y'.repeat(3 * 1024 * 1024)}\n`;
    writeFileAtomic(path, content);
    assert.equal(readFileSync(path, 'utf8'), content);
    assert.deepEqual(readdirSync(dir), ['report.json']);
  });

  test('an empty content makes an empty file', () => {
    const dir = freshDir();
    writeFileAtomic(join(dir, 'empty.txt'), '');
    assert.equal(statSync(join(dir, 'empty.txt')).size, 0);
  });

  test('the default mode is 0644; a given mode is applied', () => {
    const dir = freshDir();
    writeFileAtomic(join(dir, 'default.txt'), 'a');
    writeFileAtomic(join(dir, 'private.txt'), 'b', 0o600);
    writeFileAtomic(join(dir, 'group.txt'), 'c', 0o640);
    assert.equal(statSync(join(dir, 'default.txt')).mode & 0o7777, 0o644);
    assert.equal(statSync(join(dir, 'private.txt')).mode & 0o7777, 0o600);
    assert.equal(statSync(join(dir, 'group.txt')).mode & 0o7777, 0o640);
  });

  test('replacing a file replaces all of it, content and mode, with no tail of the old one', () => {
    const dir = freshDir();
    const path = join(dir, 'report.txt');
    writeFileSync(path, 'a much longer old report that must disappear entirely\n', { mode: 0o666 });
    chmodSync(path, 0o666);
    writeFileAtomic(path, 'short\n', 0o600);
    assert.equal(readFileSync(path, 'utf8'), 'short\n');
    assert.equal(statSync(path).mode & 0o7777, 0o600);
    assert.deepEqual(readdirSync(dir), ['report.txt']);
  });

  test('a symlink at the path is replaced, never written through', () => {
    const dir = freshDir();
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(dir, 'out.txt'));
    writeFileAtomic(join(dir, 'out.txt'), 'report\n');
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.equal(lstatSync(join(dir, 'out.txt')).isFile(), true);
    assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'report\n');
  });

  test('a missing directory fails and creates nothing', () => {
    const dir = freshDir();
    // A usage mistake (exit 2) naming the path given, not the temp file.
    assert.throws(() => writeFileAtomic(join(dir, 'no', 'such', 'report.txt'), 'x'), {
      name: 'UsageError',
      message: `${join(dir, 'no', 'such', 'report.txt')}: its directory ${join(dir, 'no', 'such')} does not exist`,
    });
    assert.deepEqual(readdirSync(dir), []);
  });

  test('a directory at the path is refused in words before anything is created; nothing inside it changes', () => {
    const dir = freshDir();
    const path = join(dir, 'taken');
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), 'kept\n');
    assert.throws(
      () => writeFileAtomic(path, 'report\n'),
      (error: Error) =>
        error.name === 'WriteRefusedError' && /taken: is a directory, not a regular file/.test(error.message),
    );
    assert.deepEqual(readdirSync(dir), ['taken']);
    assert.equal(readFileSync(join(path, 'inside'), 'utf8'), 'kept\n');
  });

  test('a directory the user may not write to (uid 65534) fails and leaves the old file intact', () => {
    const dir = freshDir();
    const path = join(dir, 'report.txt');
    writeFileSync(path, 'old report\n');
    chmodSync(path, 0o644);
    const result = writeInChild(path, 'new report that must not land\n', { uid: 65534 });
    assert.equal(result.code, 'EACCES', result.stderr);
    assert.equal(readFileSync(path, 'utf8'), 'old report\n');
    assert.equal(statSync(path).mode & 0o7777, 0o644);
    assert.deepEqual(readdirSync(dir), ['report.txt']);
  });

  test('a write cut short (file size limit) throws, leaves the old file intact and no temp file', () => {
    const dir = freshDir();
    const path = join(dir, 'report.txt');
    writeFileSync(path, 'old report\n');
    // ulimit -f 8 allows a few KiB; the content is far larger, so write(2) stops part-way and then fails.
    const result = writeInChild(path, 'z'.repeat(256 * 1024), { shellPrefix: 'ulimit -f 8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.code, 'EFBIG', 'the short write is an error, not a silently truncated file');
    assert.equal(readFileSync(path, 'utf8'), 'old report\n');
    assert.deepEqual(readdirSync(dir), ['report.txt']);
  });
});
