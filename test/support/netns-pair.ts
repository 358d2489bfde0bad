// Two network namespaces joined by a veth pair, for tests that hold a ruleset to real TCP connections: listeners in
// the server namespace, connects from the client one (from a chosen local address). Needs root and `ip`.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

export interface Addresses {
  ipv4: string;
  ipv6: string;
}

export interface NetnsPair {
  serverNs: string;
  clientNs: string;
  /** Starts a listener on every port (all addresses, both families) in the server namespace, resolved once ready. */
  listen(ports: readonly number[]): Promise<void>;
  /** Connects from the client namespace: [host, port, local address?] each, true where the connection was accepted. */
  connect(targets: readonly (readonly [string, number, string?])[]): boolean[];
  /** Kills the listener and deletes both namespaces (the veth pair goes with them). */
  destroy(): void;
}

const LISTENER = `
const net = require('node:net');
const ports = JSON.parse(process.argv[1]);
let ready = 0;
for (const port of ports) net.createServer((s) => s.end()).listen({ port, host: '::' }, () => {
  if (++ready === ports.length) process.stdout.write('ready\\n');
});`;

const CONNECTOR = `
const net = require('node:net');
const targets = JSON.parse(process.argv[1]);
Promise.all(targets.map(([host, port, localAddress]) => new Promise((done) => {
  const socket = net.connect({ host, port, localAddress, timeout: 1500 });
  socket.on('connect', () => { socket.destroy(); done(true); });
  socket.on('timeout', () => { socket.destroy(); done(false); });
  socket.on('error', () => done(false));
}))).then((results) => process.stdout.write(JSON.stringify(results)));`;

export function run(command: string, args: readonly string[], input?: string): string {
  return execFileSync(command, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** `prefix` names the namespaces and links (unique per process); the client gets every address in `client`. */
export function createNetnsPair(prefix: string, server: Addresses, client: readonly Addresses[]): NetnsPair {
  const tag = `${process.pid % 100000}`;
  const serverNs = `${prefix}-s${tag}`;
  const clientNs = `${prefix}-c${tag}`;
  let listener: ChildProcess | undefined;
  const pair: NetnsPair = {
    serverNs,
    clientNs,
    listen(ports) {
      listener = spawn('ip', ['netns', 'exec', serverNs, process.execPath, '-e', LISTENER, JSON.stringify(ports)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const started = listener;
      return new Promise<void>((resolve, reject) => {
        started.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
        started.on('exit', (code) => reject(new Error(`listener exited with ${code}`)));
      });
    },
    connect(targets) {
      const output = run('ip', ['netns', 'exec', clientNs, process.execPath, '-e', CONNECTOR, JSON.stringify(targets)]);
      return JSON.parse(output) as boolean[];
    },
    destroy() {
      listener?.kill('SIGKILL');
      for (const ns of [serverNs, clientNs]) {
        try {
          run('ip', ['netns', 'del', ns]);
        } catch {
          // not created
        }
      }
    },
  };
  const serverLink = `${prefix}-a${tag}`;
  const clientLink = `${prefix}-b${tag}`;
  try {
    run('ip', ['netns', 'add', serverNs]);
    run('ip', ['netns', 'add', clientNs]);
    run('ip', ['link', 'add', serverLink, 'type', 'veth', 'peer', 'name', clientLink]);
    run('ip', ['link', 'set', serverLink, 'netns', serverNs]);
    run('ip', ['link', 'set', clientLink, 'netns', clientNs]);
    for (const [ns, link, addresses] of [
      [serverNs, serverLink, [server]],
      [clientNs, clientLink, client],
    ] as const) {
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      for (const address of addresses) {
        run('ip', ['-n', ns, 'addr', 'add', `${address.ipv4}/24`, 'dev', link]);
        run('ip', ['-n', ns, 'addr', 'add', `${address.ipv6}/64`, 'dev', link, 'nodad']);
      }
      run('ip', ['-n', ns, 'link', 'set', link, 'up']);
    }
  } catch (error) {
    pair.destroy();
    throw error;
  }
  return pair;
}
