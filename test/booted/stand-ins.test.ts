// The stand-in stacks-signer and stacks-node, on this host (no container): they must behave like the real services
// where hardening can break them, fail with one clear line otherwise, and never print the key or the auth password.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseVersionOutput } from '../../src/stacks/version.js';
import { compileStandIns } from '../support/booted-host.js';
import { TEST_AUTH_TOKEN, TEST_SIGNER_KEY } from '../support/hosts.js';

let bin: string;
let work: string;
const children: ChildProcess[] = [];

/** A port free right now on 127.0.0.1 (the kernel's pick). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function signerConfig(values: Record<string, string>): string {
  const path = join(work, `signer-${Object.keys(values).join('-')}-${Math.random().toString(36).slice(2)}.toml`);
  const all = {
    stacks_private_key: TEST_SIGNER_KEY,
    network: 'mainnet',
    auth_password: TEST_AUTH_TOKEN,
    ...values,
  };
  writeFileSync(
    path,
    `# a comment\n${Object.entries(all)
      .map(([key, value]) => `${key} = "${value}"`)
      .join('\n')}\nevent_timeout_ms = 5000\ndry_run = false\n`,
  );
  return path;
}

/** Runs a stand-in until it prints `until` on stderr (then leaves it running) or exits. */
function start(
  name: string,
  args: string[],
  until: RegExp,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; code: number | null; stderr: string }> {
  const child = spawn(join(bin, name), args, {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  return new Promise((resolve) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (until.test(stderr)) resolve({ child, code: null, stderr });
    });
    child.on('exit', (code) => resolve({ child, code, stderr }));
  });
}

async function startNode(): Promise<{ rpc: number; p2p: number }> {
  const rpc = await freePort();
  const p2p = await freePort();
  const config = join(work, `node-${rpc}.toml`);
  writeFileSync(
    config,
    `[node]\nrpc_bind = "127.0.0.1:${rpc}"\np2p_bind = "127.0.0.1:${p2p}"\nstacker = true\n\n[[events_observer]]\nendpoint = "127.0.0.1:30000"\nevents_keys = ["stackerdb", "block_proposal"]\n\n[connection_options]\nauth_token = "${TEST_AUTH_TOKEN}"\n`,
  );
  const node = await start('stacks-node', ['start', '--config', config], /listening/);
  assert.equal(node.code, null, node.stderr);
  return { rpc, p2p };
}

function assertNoSecret(text: string): void {
  assert.ok(!text.includes(TEST_SIGNER_KEY), 'the key was printed');
  assert.ok(!text.includes(TEST_AUTH_TOKEN), 'the auth password was printed');
}

describe('stand-in stacks-signer and stacks-node', () => {
  before(() => {
    bin = compileStandIns();
    work = mkdtempSync(join(tmpdir(), 'so17-standin-'));
  });
  after(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('answer --version / version in the real format', () => {
    const signer = spawnSync(join(bin, 'stacks-signer'), ['--version'], { encoding: 'utf8' });
    assert.equal(parseVersionOutput(signer.stdout)?.version, '4.0.2');
    const node = spawnSync(join(bin, 'stacks-node'), ['version'], { encoding: 'utf8' });
    assert.match(node.stdout, /^stacks-node 4\.0\.2 /);
  });

  it('the signer binds its endpoint and metrics, reaches its node, writes its database as SQLite would', async () => {
    const { rpc } = await startNode();
    const endpoint = await freePort();
    const metrics = await freePort();
    const db = join(work, 'db', 'signer.sqlite');
    spawnSync('mkdir', ['-p', join(work, 'db')]);
    const config = signerConfig({
      node_host: `127.0.0.1:${rpc}`,
      endpoint: `127.0.0.1:${endpoint}`,
      metrics_endpoint: `127.0.0.1:${metrics}`,
      db_path: db,
    });
    const signer = await start('stacks-signer', ['run', '--config', config], /running/);
    assert.equal(signer.code, null, signer.stderr);
    assert.match(signer.stderr, new RegExp(`running, endpoint 127.0.0.1:${endpoint}, node 127.0.0.1:${rpc}`));
    assert.equal(readFileSync(db).subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
    assert.ok(!existsSync(`${db}-journal`), 'the journal is removed after each write');
    for (const port of [endpoint, metrics]) {
      const response = await fetch(`http://127.0.0.1:${port}/status`);
      assert.equal(response.status, 200);
    }
    assertNoSecret(signer.stderr);
  });

  it('the signer fails with one clear line: node unreachable, endpoint taken, database directory missing, bad TOML, missing key', async () => {
    const { rpc } = await startNode();
    const closed = await freePort();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as { port: number }).port;
    // Tests run as root, whom modes do not stop: a missing directory is the unwritable database here.
    const missing = join(work, 'missing');
    const bad = join(work, 'bad.toml');
    writeFileSync(bad, `stacks_private_key = "${TEST_SIGNER_KEY}"\nnode_host = 127.0.0.1:20443\n`);
    const cases: [string, string, RegExp][] = [
      [
        'node unreachable',
        signerConfig({
          node_host: `127.0.0.1:${closed}`,
          endpoint: `127.0.0.1:${await freePort()}`,
          db_path: ':memory:',
        }),
        new RegExp(`^stacks-signer: cannot reach node_host 127.0.0.1:${closed}: Connection refused\\n$`),
      ],
      [
        'endpoint taken',
        signerConfig({ node_host: `127.0.0.1:${rpc}`, endpoint: `127.0.0.1:${takenPort}`, db_path: ':memory:' }),
        new RegExp(`^stacks-signer: cannot bind endpoint 127.0.0.1:${takenPort}: Address already in use\\n$`),
      ],
      [
        'database directory missing',
        signerConfig({
          node_host: `127.0.0.1:${rpc}`,
          endpoint: `127.0.0.1:${await freePort()}`,
          db_path: join(missing, 'signer.sqlite'),
        }),
        /^stacks-signer: cannot write db_path \S+\/missing\/signer\.sqlite: No such file or directory\n$/,
      ],
      ['bad TOML', bad, /^stacks-signer: invalid TOML in \S+\/bad\.toml:2: bad value\n$/],
      [
        'missing key',
        signerConfig({ node_host: `127.0.0.1:${rpc}`, endpoint: '127.0.0.1:1' }),
        /^stacks-signer: \S+: db_path is missing or not a string\n$/,
      ],
    ];
    try {
      for (const [label, config, expected] of cases) {
        const result = await start('stacks-signer', ['run', '--config', config], /$^/);
        assert.equal(result.code, 1, `${label}: ${result.stderr}`);
        assert.match(result.stderr, expected, label);
        assertNoSecret(result.stderr);
      }
    } finally {
      taken.close();
    }
  });

  it('the node listens on RPC (HTTP 200) and P2P, and fails on a port in use', async () => {
    const { rpc, p2p } = await startNode();
    const response = await fetch(`http://127.0.0.1:${rpc}/v2/info`);
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { server_version: string }).server_version, '4.0.2');
    const config = join(work, 'node-clash.toml');
    writeFileSync(config, `[node]\nrpc_bind = "127.0.0.1:${await freePort()}"\np2p_bind = "127.0.0.1:${p2p}"\n`);
    const clash = await start('stacks-node', ['start', '--config', config], /$^/);
    assert.equal(clash.code, 1);
    assert.match(
      clash.stderr,
      new RegExp(`^stacks-node: cannot bind p2p_bind 127.0.0.1:${p2p}: Address already in use\\n$`),
    );
  });

  it('STACKS_STANDIN_EGRESS: each tries one outbound connection and says how it went', async () => {
    const { rpc } = await startNode();
    const open = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => open.listen(0, '127.0.0.1', resolve));
    const openPort = (open.address() as { port: number }).port;
    const closedPort = await freePort();
    try {
      for (const [target, outcome] of [
        [`127.0.0.1:${openPort}`, 'connected'],
        [`127.0.0.1:${closedPort}`, 'refused'],
      ] as const) {
        const config = signerConfig({
          node_host: `127.0.0.1:${rpc}`,
          endpoint: `127.0.0.1:${await freePort()}`,
          db_path: ':memory:',
        });
        const signer = await start('stacks-signer', ['run', '--config', config], /running/, {
          STACKS_STANDIN_EGRESS: target,
        });
        assert.match(signer.stderr, new RegExp(`egress probe ${target}: ${outcome}\\n`));
        const nodeConfig = join(work, `node-probe-${outcome}.toml`);
        writeFileSync(
          nodeConfig,
          `[node]\nrpc_bind = "127.0.0.1:${await freePort()}"\np2p_bind = "127.0.0.1:${await freePort()}"\n`,
        );
        const node = await start('stacks-node', ['start', '--config', nodeConfig], /egress probe [^\n]*\n/, {
          STACKS_STANDIN_EGRESS: target,
        });
        assert.match(node.stderr, new RegExp(`stacks-node: egress probe ${target}: ${outcome}\\n`));
      }
    } finally {
      open.close();
    }
  });
});
