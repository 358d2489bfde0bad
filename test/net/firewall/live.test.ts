// The model against the kernel: a ruleset loaded into a network namespace this test creates, read back with
// `nft -j list ruleset`, and real TCP connections from a second namespace over a veth pair. Needs root, `ip`, `nft`.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { evaluateInbound } from '../../../src/net/firewall/evaluate.js';
import type { Family } from '../../../src/net/firewall/model.js';
import { parseNftJson } from '../../../src/parsers/nftables-json.js';

const tag = `${process.pid % 100000}`;
const SERVER_NS = `sofw-s${tag}`;
const CLIENT_NS = `sofw-c${tag}`;
const ADDRESSES = {
  ipv4: { server: '10.99.0.1', client: '10.99.0.2' },
  ipv6: { server: 'fd99::1', client: 'fd99::2' },
};
const PORTS = [20444, 30000, 30001, 40000];

// IPv4: default drop, P2P to all, 30000 only from the client, 30001 only from someone else. IPv6: an `ip` table
// filters nothing there, so every port is open.
const RULESET = `flush ruleset
table ip filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		tcp dport 20444 accept
		ip saddr ${ADDRESSES.ipv4.client} tcp dport 30000 accept
		ip saddr 10.99.0.3 tcp dport 30001 accept
	}
}
`;

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
Promise.all(targets.map(([host, port]) => new Promise((done) => {
  const socket = net.connect({ host, port, timeout: 1500 });
  socket.on('connect', () => { socket.destroy(); done(true); });
  socket.on('timeout', () => { socket.destroy(); done(false); });
  socket.on('error', () => done(false));
}))).then((results) => process.stdout.write(JSON.stringify(results)));`;

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('firewall model against a live ruleset in a network namespace', () => {
  let server: ChildProcess | undefined;
  let scratch: string | undefined;

  before(async () => {
    run('ip', ['netns', 'add', SERVER_NS]);
    run('ip', ['netns', 'add', CLIENT_NS]);
    run('ip', ['link', 'add', `sofw-a${tag}`, 'type', 'veth', 'peer', 'name', `sofw-b${tag}`]);
    run('ip', ['link', 'set', `sofw-a${tag}`, 'netns', SERVER_NS]);
    run('ip', ['link', 'set', `sofw-b${tag}`, 'netns', CLIENT_NS]);
    for (const [ns, link, role] of [
      [SERVER_NS, `sofw-a${tag}`, 'server'],
      [CLIENT_NS, `sofw-b${tag}`, 'client'],
    ] as const) {
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      run('ip', ['-n', ns, 'addr', 'add', `${ADDRESSES.ipv4[role]}/24`, 'dev', link]);
      run('ip', ['-n', ns, 'addr', 'add', `${ADDRESSES.ipv6[role]}/64`, 'dev', link, 'nodad']);
      run('ip', ['-n', ns, 'link', 'set', link, 'up']);
    }
    scratch = mkdtempSync(join(tmpdir(), 'signer-opsec-nft-'));
    const file = join(scratch, 'ruleset.nft');
    writeFileSync(file, RULESET);
    run('ip', ['netns', 'exec', SERVER_NS, 'nft', '-f', file]);
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

  test('the model predicts every connection the kernel lets through', () => {
    const ruleset = parseNftJson(run('ip', ['netns', 'exec', SERVER_NS, 'nft', '-j', 'list', 'ruleset']));
    const cases: { family: Family; port: number }[] = (['ipv4', 'ipv6'] as const).flatMap((family) =>
      PORTS.map((port) => ({ family, port })),
    );
    const targets = cases.map(({ family, port }) => [ADDRESSES[family].server, port]);
    const connected = JSON.parse(
      run('ip', ['netns', 'exec', CLIENT_NS, process.execPath, '-e', CLIENT, JSON.stringify(targets)]),
    ) as boolean[];
    const predicted = cases.map(
      ({ family, port }) =>
        evaluateInbound(ruleset, { family, port, source: ADDRESSES[family].client }).reach === 'open',
    );
    assert.deepEqual(predicted, connected);
    // The namespace really filtered something: IPv4 30001 and 40000 closed, IPv6 all open.
    assert.deepEqual(connected, [true, true, false, false, true, true, true, true]);
  });
});
