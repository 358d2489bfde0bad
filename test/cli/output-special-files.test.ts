import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { BASE_USERS } from '../support/hosts.js';
import { materialiseFiles } from '../support/materialise.js';

// `--output` onto something that is not a regular file: a character device or a FIFO is written as it is (that is
// what /dev/stdout, /dev/null and >(…) mean); anything else is refused in one line, exit 2. Never renamed over: as
// root, `--output /dev/null` used to turn /dev/null into a regular file. The devices here are private copies
// (mknod c 1 3) in a scratch directory, so a failing test cannot break the machine's /dev/null.

const POX4 = join(REPO_ROOT, 'examples', 'stacker-sets', 'docs-pox4.json');

describe('--output onto devices, FIFOs, directories and sockets', async () => {
  const host = await materialiseFiles({ ...BASE_USERS });
  const scratch = mkdtempSync(join(tmpdir(), `so-special-${process.pid}-`));
  writeFileSync(join(scratch, 'clean.txt'), 'nothing secret here\n');
  after(() => {
    host.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  // Every command with an --output (and scan's --write-baseline): each goes through the same write function.
  const commands: [string, (out: string) => string[]][] = [
    ['audit --output', (out) => ['audit', '--root', host.root, '--allow-empty', '--output', out]],
    [
      'audit --format prometheus --output',
      (out) => ['audit', '--root', host.root, '--allow-empty', '--format', 'prometheus', '--output', out],
    ],
    ['scan --output', (out) => ['scan', join(scratch, 'clean.txt'), '--output', out]],
    ['scan --write-baseline', (out) => ['scan', join(scratch, 'clean.txt'), '--write-baseline', out]],
    ['threat --output', (out) => ['threat', '--stacker-set', POX4, '--output', out]],
  ];

  let serial = 0;
  const fresh = (name: string) => join(scratch, `${serial++}-${name}`);

  for (const [name, argv] of commands) {
    test(`${name}: a character device stays a character device and is written through`, () => {
      const device = fresh('null');
      assert.equal(spawnSync('mknod', [device, 'c', '1', '3']).status, 0);
      const run = runCli(argv(device));
      assert.ok(run.code === 0 || run.code === 1, run.stderr);
      const stats = lstatSync(device);
      assert.ok(stats.isCharacterDevice(), `${device} is no longer a character device`);
      assert.equal(stats.rdev, statSync('/dev/null').rdev);
    });

    test(`${name}: a symlink of ours to a character device stays a link to it`, () => {
      const device = fresh('null');
      assert.equal(spawnSync('mknod', [device, 'c', '1', '3']).status, 0);
      const link = fresh('stdout');
      symlinkSync(device, link);
      const run = runCli(argv(link));
      assert.ok(run.code === 0 || run.code === 1, run.stderr);
      assert.ok(lstatSync(link).isSymbolicLink());
      assert.ok(lstatSync(device).isCharacterDevice());
    });

    test(`${name}: a FIFO's reader gets the whole output; the FIFO stays a FIFO`, async () => {
      const fifo = fresh('fifo');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
      const chunks: Buffer[] = [];
      reader.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      const ended = new Promise<void>((resolve) => reader.on('close', () => resolve()));
      // Wait until cat has the FIFO open for reading: our writer opens it without blocking.
      for (let i = 0; i < 500 && !isOpenedBy(reader.pid!, fifo); i++) await new Promise((r) => setTimeout(r, 10));
      const run = await runCliAsync(argv(fifo));
      await ended;
      assert.ok(run.code === 0 || run.code === 1, run.stderr);
      assert.ok(Buffer.concat(chunks).length > 0, 'the reader got nothing');
      assert.ok(lstatSync(fifo).isFIFO());
    });

    test(`${name}: a FIFO nobody reads is an error in words, not a hang, and stays a FIFO`, () => {
      const fifo = fresh('fifo');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      const run = runCli(argv(fifo));
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /is a FIFO that no process is reading; not written/);
      assert.ok(lstatSync(fifo).isFIFO());
    });

    test(`${name}: a directory is refused in one line, exit 2, and left as it was`, () => {
      const directory = fresh('dir');
      mkdirSync(directory);
      writeFileSync(join(directory, 'kept'), 'kept\n');
      const run = runCli(argv(directory));
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stderr, `signer-opsec: ${directory}: is a directory, not a regular file; not written\n`);
      assert.equal(readFileSync(join(directory, 'kept'), 'utf8'), 'kept\n');
    });
  }

  test('a socket is refused and stays a socket', async () => {
    const socket = fresh('sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      const run = await runCliAsync(commands[0]![1](socket));
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /: is a socket, not a regular file; not written/);
      assert.ok(lstatSync(socket).isSocket());
    } finally {
      server.close();
    }
  });

  test('a block device is refused and stays a block device', () => {
    const device = fresh('loop');
    assert.equal(spawnSync('mknod', [device, 'b', '7', '200']).status, 0);
    const run = runCli(commands[0]![1](device));
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /: is a block device, not a regular file; not written/);
    assert.ok(lstatSync(device).isBlockDevice());
  });
});

function isOpenedBy(pid: number, path: string): boolean {
  try {
    const fds = spawnSync('ls', ['-l', `/proc/${pid}/fd`], { encoding: 'utf8' }).stdout;
    return fds.includes(path);
  } catch {
    return false;
  }
}

/** runCli without blocking the event loop (a FIFO reader in this process must keep reading). */
function runCliAsync(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'signer-opsec.js'), ...args], {
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
