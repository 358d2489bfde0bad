import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NOBODY_ID, runCommand } from '../../src/target/command.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';

test('unprivileged: a program we do not trust runs as nobody when the audit runs as root', async () => {
  assert.equal(process.getuid?.(), 0, 'tests run as root');
  assert.equal((await runCommand('id', ['-u'])).stdout.trim(), '0');
  assert.equal((await runCommand('id', ['-u'], { unprivileged: true })).stdout.trim(), String(NOBODY_ID));
  assert.equal((await runCommand('id', ['-g'], { unprivileged: true })).stdout.trim(), String(NOBODY_ID));
});

test('a live target hashes a process executable through /proc/<pid>/exe', async () => {
  const target = new DirectoryTarget('/');
  const expected = createHash('sha256').update(readFileSync(process.execPath)).digest('hex');
  assert.equal(await target.processExecutableSha256(process.pid), expected);
  await assert.rejects(target.processExecutableSha256(-1), /not a process id/);
});
