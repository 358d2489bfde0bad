// The generated ruleset in a kernel: loaded into a network namespace this test creates, with real TCP connections
// from a second namespace over a veth pair, IPv4 and IPv6, from the node's address and from another one. Then the
// same table reloaded with the block alone on stdin (`nft -f -`, as apply does) and removed (as rollback does).
// Needs root, `ip` and `nft`; fails when they are missing.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type FirewallFacts,
  mergeIntoNftablesConf,
  REMOVE_TABLE,
  renderFirewallBlock,
} from '../../../src/harden/firewall/render.js';

const tag = `${process.pid % 100000}`;
const SERVER_NS = `sohf-s${tag}`;
const CLIENT_NS = `sohf-c${tag}`;
const ADDRESSES = {
  ipv4: { server: '10.98.0.1', node: '10.98.0.2', other: '10.98.0.3' },
  ipv6: { server: 'fd98::1', node: 'fd98::2', other: 'fd98::3' },
};
const SSH_PORT = 2222;
const P2P_PORT = 20444;
const SIGNER_PORT = 30000;
const OTHER_PORT = 40000;
const PORTS = [SSH_PORT, P2P_PORT, SIGNER_PORT, OTHER_PORT];

const REMOTE_NODE: FirewallFacts = {
  sshPorts: [SSH_PORT],
  p2pPort: P2P_PORT,
  signerPort: SIGNER_PORT,
  nodeAddresses: [ADDRESSES.ipv4.node, ADDRESSES.ipv6.node],
};
const LOCAL_NODE: FirewallFacts = { sshPorts: [SSH_PORT], p2pPort: P2P_PORT, nodeAddresses: [] };

const SERVER = `
const net = require('node:net');
const ports = ${JSON.stringify(PORTS)};
let ready = 0;
for (const port of ports) net.createServer((s) => s.end()).listen({ port, host: '::' }, () => {
  if (++ready === ports.length) process.stdout.write('ready\\n');
});`;

const CLIENT = `
const net = require('node:net');
const targets = JSON.parse(process.argv[1]);
Promise.all(targets.map(([host, port, localAddress]) => new Promise((done) => {
  const socket = net.connect({ host, port, localAddress, timeout: 1500 });
  socket.on('connect', () => { socket.destroy(); done(true); });
  socket.on('timeout', () => { socket.destroy(); done(false); });
  socket.on('error', () => done(false));
}))).then((results) => process.stdout.write(JSON.stringify(results)));`;

function run(command: string, args: string[], input?: string): string {
  return execFileSync(command, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Which "family from port" connections succeed, as a sorted list of labels. */
function reachable(): string[] {
  const cases = (['ipv4', 'ipv6'] as const).flatMap((family) =>
    (['node', 'other'] as const).flatMap((from) => PORTS.map((port) => ({ family, from, port }))),
  );
  const targets = cases.map(({ family, from, port }) => [ADDRESSES[family].server, port, ADDRESSES[family][from]]);
  const connected = JSON.parse(
    run('ip', ['netns', 'exec', CLIENT_NS, process.execPath, '-e', CLIENT, JSON.stringify(targets)]),
  ) as boolean[];
  return cases.filter((_, index) => connected[index]).map(({ family, from, port }) => `${family} ${from} ${port}`);
}

describe('the generated firewall in a network namespace', () => {
  let server: ChildProcess | undefined;
  let scratch: string | undefined;

  before(async () => {
    run('ip', ['netns', 'add', SERVER_NS]);
    run('ip', ['netns', 'add', CLIENT_NS]);
    run('ip', ['link', 'add', `sohf-a${tag}`, 'type', 'veth', 'peer', 'name', `sohf-b${tag}`]);
    run('ip', ['link', 'set', `sohf-a${tag}`, 'netns', SERVER_NS]);
    run('ip', ['link', 'set', `sohf-b${tag}`, 'netns', CLIENT_NS]);
    const links = [
      [SERVER_NS, `sohf-a${tag}`, ['server']],
      [CLIENT_NS, `sohf-b${tag}`, ['node', 'other']],
    ] as const;
    for (const [ns, link, roles] of links) {
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      for (const role of roles) {
        const v4 = ADDRESSES.ipv4[role as 'server'];
        const v6 = ADDRESSES.ipv6[role as 'server'];
        run('ip', ['-n', ns, 'addr', 'add', `${v4}/24`, 'dev', link]);
        // Neighbour discovery still has to pass the firewall for any IPv6 connection to work.
        run('ip', ['-n', ns, 'addr', 'add', `${v6}/64`, 'dev', link, 'nodad']);
      }
      run('ip', ['-n', ns, 'link', 'set', link, 'up']);
    }
    scratch = mkdtempSync(join(tmpdir(), 'signer-opsec-harden-nft-'));
    server = spawn('ip', ['netns', 'exec', SERVER_NS, process.execPath, '-e', SERVER], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      server!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      server!.on('exit', (code) => reject(new Error(`listener exited with ${code}`)));
    });
  });

  after(() => {
    server?.kill('SIGKILL');
    for (const ns of [SERVER_NS, CLIENT_NS]) {
      try {
        run('ip', ['netns', 'del', ns]);
      } catch {
        // not created
      }
    }
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('remote node: SSH 2222 and P2P open to all, 30000 only from the node, the rest closed (IPv4 and IPv6)', () => {
    const file = join(scratch!, 'nftables.conf');
    writeFileSync(file, mergeIntoNftablesConf(undefined, renderFirewallBlock(REMOTE_NODE)) as string);
    run('nft', ['-c', '-f', file]);
    run('ip', ['netns', 'exec', SERVER_NS, 'nft', '-f', file]);
    const open = reachable();
    assert.deepEqual(open, [
      `ipv4 node ${SSH_PORT}`,
      `ipv4 node ${P2P_PORT}`,
      `ipv4 node ${SIGNER_PORT}`,
      `ipv4 other ${SSH_PORT}`,
      `ipv4 other ${P2P_PORT}`,
      `ipv6 node ${SSH_PORT}`,
      `ipv6 node ${P2P_PORT}`,
      `ipv6 node ${SIGNER_PORT}`,
      `ipv6 other ${SSH_PORT}`,
      `ipv6 other ${P2P_PORT}`,
    ]);
  });

  test('reloaded with the block alone on stdin (a local node): 30000 closed to everyone, table replaced not doubled', () => {
    run('ip', ['netns', 'exec', SERVER_NS, 'nft', '-f', '-'], renderFirewallBlock(LOCAL_NODE));
    const listed = run('ip', ['netns', 'exec', SERVER_NS, 'nft', 'list', 'tables']);
    assert.equal(listed.trim(), 'table inet signer_opsec');
    assert.ok(!reachable().some((label) => label.endsWith(` ${SIGNER_PORT}`)));
    assert.deepEqual(
      reachable().filter((label) => label.includes(' other ')),
      [`ipv4 other ${SSH_PORT}`, `ipv4 other ${P2P_PORT}`, `ipv6 other ${SSH_PORT}`, `ipv6 other ${P2P_PORT}`],
    );
  });

  test('removed the way rollback does: everything reachable again, and removing twice is harmless', () => {
    run('ip', ['netns', 'exec', SERVER_NS, 'nft', '-f', '-'], REMOVE_TABLE);
    run('ip', ['netns', 'exec', SERVER_NS, 'nft', '-f', '-'], REMOVE_TABLE);
    assert.equal(reachable().length, 16);
  });
});
