import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import check from '../../../src/checks/topology/listening-sockets.js';
import { runOn } from '../../support/check-tester.js';
import { BIN } from '../../support/cli.js';
import { signerHost, signerToml } from '../../support/hosts.js';

// Live: listeners started by the test live in a network namespace it creates, so nothing listens on this machine's
// interfaces; the audit runs in the same namespace, where /proc/net/tcp shows that namespace's sockets.

const NOBODY = 65534;
const namespace = `so-sockets-${process.pid}`;
const children: ChildProcess[] = [];
let binDir = '';

function ip(args: string[]): void {
  const run = spawnSync('ip', args, { encoding: 'utf8' });
  assert.equal(run.status, 0, `ip ${args.join(' ')}: ${run.error?.message ?? run.stderr}`);
}

/** A copy of node named `name` (so comm and exe say so), listening on `host:port` in the namespace as nobody. */
async function listen(name: string, host: string, port: number): Promise<ChildProcess> {
  const binary = join(binDir, name);
  copyFileSync(process.execPath, binary);
  chmodSync(binary, 0o755);
  const script = `require('net').createServer().listen(${port}, '${host}', () => console.log('ready'))`;
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      namespace,
      'setpriv',
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      '--clear-groups',
      binary,
      '-e',
      script,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.stdout!.on('data', (chunk) => {
      if (String(chunk).includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`${name} exited (${code}): ${stderr}`)));
  });
  return child;
}

interface Result {
  status: string;
  message: string;
  evidence: { file?: string; detail: string }[];
  data?: { listeners: { address: string; port: number; process: string; user: string; uid: number }[] };
}

function auditInNamespace(): Result {
  const run = spawnSync(
    'ip',
    [
      'netns',
      'exec',
      namespace,
      process.execPath,
      BIN,
      'audit',
      // The live host has no signer of its own: name one, bound privately, so the control applies.
      '--signer-config',
      join(binDir, 'signer-config.toml'),
      '--only',
      'topology/listening-sockets',
      '--format',
      'json',
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.ok(run.stdout, `audit printed nothing: ${run.error?.message ?? run.stderr}`);
  const report = JSON.parse(run.stdout) as { results: Result[] };
  return report.results[0]!;
}

describe('topology/listening-sockets on the live host (in a network namespace)', () => {
  before(async () => {
    binDir = mkdtempSync(join(tmpdir(), 'so-sockets-'));
    chmodSync(binDir, 0o755);
    writeFileSync(join(binDir, 'signer-config.toml'), signerToml(), { mode: 0o600 });
    ip(['netns', 'add', namespace]);
    ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
  });

  after(() => {
    for (const child of children) child.kill('SIGKILL');
    spawnSync('ip', ['netns', 'delete', namespace]);
    rmSync(binDir, { recursive: true, force: true });
  });

  test('loopback listeners and the P2P port pass', async () => {
    await listen('stacks-node', '0.0.0.0', 20444);
    await listen('metrics', '127.0.0.1', 9154);
    const result = auditInNamespace();
    assert.equal(result.status, 'pass', result.message);
    const listeners = result.data?.listeners ?? [];
    assert.deepEqual(
      listeners.map((listener) => [listener.address, listener.port]),
      [['0.0.0.0', 20444]],
    );
    assert.match(listeners[0]!.process, /^stacks-node \(pid \d+, .*\/stacks-node\)$/);
  });

  test('a stacks-signer on 0.0.0.0:30000 is named with its process and user', async () => {
    const signer = await listen('stacks-signer', '0.0.0.0', 30000);
    const result = auditInNamespace();
    assert.equal(result.status, 'fail');
    assert.match(
      result.message,
      /^0\.0\.0\.0:30000 listens on all interfaces: stacks-signer \(pid \d+, [^)]*\/stacks-signer\), user nobody\.$/,
    );
    assert.ok(result.message.includes(`pid ${signer.pid}`), result.message);
    const offender = result.data?.listeners.find((listener) => listener.port === 30000);
    assert.deepEqual([offender?.user, offender?.uid], ['nobody', NOBODY]);
    assert.ok(result.evidence.some((item) => item.file === '/proc/net/tcp' && /stacks-signer/.test(item.detail)));
  });
});

test('offline targets have no sockets: not_evaluable', async () => {
  const { result } = await runOn(check, signerHost());
  assert.equal(result.status, 'not_evaluable');
});

test('a host with neither signer nor node: not_applicable', async () => {
  const { result } = await runOn(check, { 'etc/hostname': 'plain\n' });
  assert.equal(result.status, 'not_applicable');
});
