// Network probes for booted hosts: TCP connects from the client namespace (telling a firewall's silent drop from a
// closed port's reset), a listener there, and SSH logins with a key or a password.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BootedHost, RunResult } from '../support/booted-host.js';

export type Reach = 'open' | 'refused' | 'dropped';

const CONNECTOR = `
const net = require('node:net');
const targets = JSON.parse(process.argv[1]);
Promise.all(targets.map(([host, port, localAddress]) => new Promise((done) => {
  const socket = net.connect({ host, port, localAddress, timeout: 3000 });
  socket.on('connect', () => { socket.destroy(); done('open'); });
  socket.on('timeout', () => { socket.destroy(); done('dropped'); });
  socket.on('error', (error) => done(error.code === 'ECONNREFUSED' ? 'refused' : 'dropped'));
}))).then((results) => process.stdout.write(JSON.stringify(results)));`;

/** Connects from the client namespace: [host, port, local address] each; a drop is a silent timeout (3 s). */
export async function reachFromClient(
  host: BootedHost,
  targets: readonly (readonly [string, number, string])[],
): Promise<Reach[]> {
  const result = await host.execClient(process.execPath, ['-e', CONNECTOR, JSON.stringify(targets)]);
  if (result.code !== 0) throw new Error(`connect probe failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Reach[];
}

/** A TCP listener in the client namespace (the destination of an egress probe); kill() stops it. */
export function listenInClient(host: BootedHost, address: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      host.clientNs,
      process.execPath,
      '-e',
      `require('node:net').createServer((s) => s.end()).listen(${port}, '${address}', () => console.log('ready'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`listener exited with ${code}`)));
  });
}

export interface SshClient {
  publicKey: string;
  /** `ssh USER@ADDRESS true` with the key only. */
  withKey(user: string, address: string, port: number): Promise<RunResult>;
  /** `ssh USER@ADDRESS true` with the password only (fed by SSH_ASKPASS, never on a command line). */
  withPassword(user: string, address: string, port: number, password: string): Promise<RunResult>;
  cleanup(): void;
}

/** A fresh ed25519 key pair in a private temp directory, and the host's ssh client run in the client namespace. */
export async function sshClient(host: BootedHost): Promise<SshClient> {
  const dir = mkdtempSync(join(tmpdir(), 'so17-ssh-'));
  const key = join(dir, 'id_ed25519');
  const keygen = await host.execClient('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'so17-test', '-f', key]);
  if (keygen.code !== 0) throw new Error(`ssh-keygen failed: ${keygen.stderr}`);
  const common = [
    '-F',
    '/dev/null',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'LogLevel=ERROR',
  ];
  return {
    publicKey: readFileSync(`${key}.pub`, 'utf8'),
    withKey: (user, address, port) =>
      host.execClient(
        'ssh',
        [
          ...common,
          '-o',
          'BatchMode=yes',
          '-o',
          'PasswordAuthentication=no',
          '-o',
          'KbdInteractiveAuthentication=no',
          '-o',
          'IdentitiesOnly=yes',
          '-i',
          key,
          '-p',
          String(port),
          `${user}@${address}`,
          'true',
        ],
        { timeoutMs: 60_000 },
      ),
    withPassword: (user, address, port, password) => {
      const askpass = join(dir, 'askpass');
      const secret = join(dir, 'password');
      writeFileSync(secret, password, { mode: 0o600 });
      writeFileSync(askpass, `#!/bin/sh\ncat '${secret}'\n`);
      chmodSync(askpass, 0o700);
      return host.execClient(
        'env',
        [
          `SSH_ASKPASS=${askpass}`,
          'SSH_ASKPASS_REQUIRE=force',
          'DISPLAY=none',
          'ssh',
          ...common,
          '-o',
          'PubkeyAuthentication=no',
          '-o',
          'PreferredAuthentications=password',
          '-o',
          'NumberOfPasswordPrompts=1',
          '-p',
          String(port),
          `${user}@${address}`,
          'true',
        ],
        { timeoutMs: 60_000 },
      );
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
