import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  watch,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sweepStaleTempDirectories } from '../../src/fs/temp-directory.js';
import { BIN, runCli } from '../support/cli.js';
import { signerUnitHost } from '../support/hosts.js';
import { materialiseFiles } from '../support/materialise.js';

// A harden killed mid-validation left /tmp/signer-opsec-validate-* behind for good. Each temp directory's name
// carries its creator's pid; the next run removes those whose process is gone (ours, directories, older than it).

const STALE = /^signer-opsec-(?:validate|verify|git)-/;

/** The pid of a process that has exited (and been reaped): no process has it now. */
function deadPid(): number {
  const run = spawnSync('/bin/sh', ['-c', 'echo $$']);
  return Number(String(run.stdout).trim());
}

describe('temporary directories of killed runs', () => {
  const scratch = mkdtempSync(join(tmpdir(), `so-tempdirs-${process.pid}-`));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('the sweep removes ours of dead processes and keeps the rest', () => {
    const dir = join(scratch, 'sweep');
    mkdirSync(dir);
    const dead = deadPid();
    const old = new Date(Date.now() - 3600_000);
    const make = (name: string) => {
      mkdirSync(join(dir, name));
      utimesSync(join(dir, name), old, old);
    };
    make(`signer-opsec-validate-${dead}-AbC123`);
    make(`signer-opsec-verify-${dead}-xYz789`);
    make(`signer-opsec-validate-${process.ppid}-live12`); // a live process's: kept
    make(`signer-opsec-git-${dead}-other1`);
    chownSync(join(dir, `signer-opsec-git-${dead}-other1`), 65534, 65534); // another user's: kept
    make('unrelated-dir'); // not ours by name: kept
    symlinkSync('/etc', join(dir, `signer-opsec-validate-${dead}-link12`)); // a link, never followed or removed
    mkdirSync(join(dir, `signer-opsec-validate-${dead}-fresh1`)); // newer than this process: kept
    const removed = sweepStaleTempDirectories(dir).sort();
    assert.deepEqual(removed, [`signer-opsec-validate-${dead}-AbC123`, `signer-opsec-verify-${dead}-xYz789`].sort());
    const kept = [
      `signer-opsec-git-${dead}-other1`,
      `signer-opsec-validate-${dead}-fresh1`,
      `signer-opsec-validate-${dead}-link12`,
      `signer-opsec-validate-${process.ppid}-live12`,
      'unrelated-dir',
    ];
    assert.deepEqual(readdirSync(dir).sort(), kept.sort());
    assert.ok(existsSync('/etc/passwd'));
  });

  test('harden plan killed with SIGKILL mid-validation: the next run leaves no temp directory behind', async () => {
    const host = await materialiseFiles(signerUnitHost([]));
    const privateTmp = join(scratch, 'tmp');
    mkdirSync(privateTmp, { mode: 0o700 });
    try {
      const env = { PATH: process.env.PATH, TMPDIR: privateTmp };
      // Killed the moment a validation directory appears (inotify), so it dies mid-validation.
      let seen = false;
      const watcher = watch(privateTmp);
      const child = spawn(process.execPath, [BIN, 'harden', 'plan', '--root', host.root], { env, stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      watcher.on('change', (_event, name) => {
        if (!seen && STALE.test(String(name))) {
          seen = true;
          child.kill('SIGKILL');
        }
      });
      await exited;
      watcher.close();
      assert.ok(seen, 'harden plan made no validation directory before it ended');
      assert.ok(
        readdirSync(privateTmp).some((name) => STALE.test(name)),
        'the killed run left nothing to clean',
      );
      const again = runCli(['harden', 'plan', '--root', host.root], { env: { TMPDIR: privateTmp } });
      assert.ok(again.code !== null, again.stderr);
      assert.deepEqual(readdirSync(privateTmp), []);
    } finally {
      host.cleanup();
    }
  });
});
