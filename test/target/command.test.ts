import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NOBODY_ID, runCommand } from '../../src/target/command.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';

test('unprivileged: a program we do not trust runs as nobody when the audit runs as root', async () => {
  assert.equal(process.getuid?.(), 0, 'tests run as root');
  assert.equal((await runCommand('id', ['-u'])).stdout.trim(), '0');
  assert.equal((await runCommand('id', ['-u'], { unprivileged: true })).stdout.trim(), String(NOBODY_ID));
  assert.equal((await runCommand('id', ['-g'], { unprivileged: true })).stdout.trim(), String(NOBODY_ID));
});

test('unprivileged when the audit is not root: the program is not run at all', () => {
  const dir = mkdtempSync(join(tmpdir(), 'so-unpriv-'));
  try {
    chmodSync(dir, 0o1777);
    const program = join(dir, 'stacks-signer');
    writeFileSync(program, `#!/bin/sh\ntouch "${dir}/ran-$1"\n`);
    chmodSync(program, 0o755);
    const commandModule = pathToFileURL(fileURLToPath(new URL('../../src/target/command.js', import.meta.url))).href;
    const script = `
      const { runCommand } = await import(process.argv[1]);
      const plain = await runCommand(process.argv[2], ['plain']);
      let refused;
      try { await runCommand(process.argv[2], ['unprivileged'], { unprivileged: true }); }
      catch (error) { refused = { name: error.name, message: error.message }; }
      console.log(JSON.stringify({ plain: plain.code, refused }));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, commandModule, program], {
      uid: NOBODY_ID,
      gid: NOBODY_ID,
      encoding: 'utf8',
    });
    assert.equal(child.status, 0, child.stderr);
    const out = JSON.parse(child.stdout) as { plain: number; refused?: { name: string; message: string } };
    // The same user can run the program: not running it unprivileged is the refusal, not a permission problem.
    assert.equal(out.plain, 0);
    assert.ok(existsSync(join(dir, 'ran-plain')));
    assert.ok(!existsSync(join(dir, 'ran-unprivileged')), 'the untrusted program did not run');
    assert.deepEqual(out.refused, {
      name: 'UnprivilegedRunRefusedError',
      message: `${program} not run: the audit is not root, so the binary can't be run as nobody`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a live target hashes a process executable through /proc/<pid>/exe', async () => {
  const target = new DirectoryTarget('/');
  const expected = createHash('sha256').update(readFileSync(process.execPath)).digest('hex');
  assert.equal(await target.processExecutableSha256(process.pid), expected);
  await assert.rejects(target.processExecutableSha256(-1), /not a process id/);
});

test('stdin: the input is fed to the program and closed; a program that ignores it is judged by its exit code', async () => {
  const fed = await runCommand('sh', ['-c', 'wc -c'], { stdin: 'table inet x {}\n' });
  assert.equal(fed.stdout.trim(), '16');
  const ignored = await runCommand('sh', ['-c', 'exit 3'], { stdin: 'x'.repeat(1 << 20) });
  assert.equal(ignored.code, 3);
});

test('a program writing more than the output bound is stopped, and the call rejects (no partial output)', async () => {
  // `yes` never ends on its own: only the bound stops it, long before the timeout.
  await assert.rejects(
    runCommand('yes', [], { maxOutputBytes: 64 * 1024, timeoutMs: 120_000 }),
    /^Error: yes: wrote more than 65536 bytes of output and was stopped$/,
  );
});
