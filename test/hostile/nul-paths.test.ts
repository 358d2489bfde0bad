// Issue 18 item 21: a NUL byte in a passwd home field put keys/key-in-git in error (ERR_INVALID_ARG_VALUE: fs
// refuses such a path). No file name holds a NUL, so the target answers "no such file" for it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TargetError } from '../../src/target/errors.js';
import { openTarget } from '../../src/target/open.js';
import { BIN } from '../support/cli.js';
import { materialiseExample } from '../support/materialise.js';

describe('a NUL byte in a path read from the target', { timeout: 180_000 }, () => {
  let root: string;
  before(async () => {
    root = await materialiseExample('hardened');
    mkdirSync(join(root, 'data'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('is a missing file to the target', async () => {
    const target = await openTarget(root);
    assert.equal(await target.lstat('/data/e\0ve'), undefined);
    await assert.rejects(
      target.readFile('/data/e\0ve/.git/config'),
      (error: unknown) => error instanceof TargetError && error.code === 'ENOENT',
    );
  });

  test('in a passwd home field: key-in-git searches the other places, no control errs', () => {
    appendFileSync(join(root, 'etc/passwd'), 'eve:x:1500:1500::/data/e\0ve:/bin/bash\n');
    const run = spawnSync(process.execPath, [BIN, 'audit', '--root', root, '--format', 'json'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
      timeout: 120_000,
    });
    const report = JSON.parse(run.stdout) as { results: { id: string; status: string; message: string }[] };
    const errors = report.results.filter((result) => result.status === 'error').map((result) => result.id);
    assert.deepEqual(errors, []);
    assert.equal(report.results.find((result) => result.id === 'keys/key-in-git')?.status, 'pass');
  });
});
