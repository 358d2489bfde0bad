import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BIN } from '../support/cli.js';
import { BASE_USERS } from '../support/hosts.js';
import { materialiseFiles } from '../support/materialise.js';

// Device nodes and FIFOs inside a target are judged by their type before anything opens them: opening a device can
// act on it (a watchdog arms on open), a FIFO can block. Watched with strace: not one open(2) of those paths.

describe('special files in a target are never opened', async () => {
  const host = await materialiseFiles({ ...BASE_USERS });
  const scratch = mkdtempSync(join(tmpdir(), `so-unopened-${process.pid}-`));
  after(() => {
    host.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });
  // Where the audit reads: the signer config, sshd's config, a unit; and a tree the scanner walks.
  const specials = [
    ['etc/ssh/sshd_config', 'c'],
    ['etc/stacks-signer/signer.toml', 'p'],
    ['etc/systemd/system/stacks-signer.service', 'c'],
    ['home/stacks/notes.txt', 'c'],
    ['home/stacks/pipe.txt', 'p'],
  ] as const;
  for (const [path, kind] of specials) {
    const full = join(host.root, path);
    spawnSync('mkdir', ['-p', join(full, '..')]);
    const made = kind === 'c' ? spawnSync('mknod', [full, 'c', '1', '3']) : spawnSync('mkfifo', [full]);
    assert.equal(made.status, 0, String(made.stderr));
  }

  function openedUnder(name: string, args: string[], { readsTarget = true } = {}): string[] {
    const log = join(scratch, `${name}.strace`);
    const run = spawnSync(
      'strace',
      ['-f', '-qq', '-e', 'trace=open,openat,openat2', '-o', log, process.execPath, BIN, ...args],
      { encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH } },
    );
    assert.ok(run.status !== null, `${name} did not finish: ${run.stderr}`);
    assert.ok(statSync(log).size > 0);
    const lines = readFileSync(log, 'utf8').split('\n');
    if (readsTarget)
      assert.ok(
        lines.some((line) => line.includes(host.root)),
        'strace saw no open inside the target at all',
      );
    return lines.filter((line) => specials.some(([path]) => line.includes(`${path}"`)));
  }

  test('audit --root opens none of them', () => {
    assert.deepEqual(openedUnder('audit', ['audit', '--root', host.root, '--allow-empty', '--format', 'json']), []);
  });

  test('scan opens none of them', () => {
    assert.deepEqual(openedUnder('scan', ['scan', join(host.root, 'home')]), []);
  });

  test('scan names a device given as a root without opening it', () => {
    assert.deepEqual(
      openedUnder('scan-root', ['scan', join(host.root, 'home/stacks/notes.txt')], { readsTarget: false }),
      [],
    );
  });
});
