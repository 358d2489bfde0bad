// Real sshd servers for the remote and fleet tests: a throwaway sshd on 127.0.0.1 (another port, a test key), or one
// per network namespace with its own address and its own mount namespace, where a host tree is bound over /etc,
// /var/lib and /usr/local/bin. Each server has its own host key, pinned in a known_hosts file the client config
// names: host-key checking stays on. Everything lives in one private temp dir; stop() tears it all down.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { basename, join } from 'node:path';
import { REPO_ROOT } from './cli.js';

export interface SshLab {
  dir: string;
  /** An ssh_config (-F) with one Host entry per server, the lab's key and known_hosts. */
  configFile: string;
  /** The client's private key (authorised on every server unless `refuseKey`). */
  keyFile: string;
  knownHosts: string;
  hosts: SshServer[];
  stop(): void;
}

export interface SshServer {
  alias: string;
  address: string;
  port: number;
  /** The sshd process (in its namespaces); its pid gives nsenter a way into its mount namespace. */
  pid: number;
  netns?: string;
}

export interface ServerSpec {
  alias: string;
  /** A host tree (a directory with etc/, var/lib/, usr/local/bin/) bound over the server's /etc, /var/lib, /usr/local/bin. */
  tree?: string;
  /** Its own network namespace and address (10.x.y.2, the root side 10.x.y.1); default 127.0.0.1 on a free port. */
  netns?: boolean;
  /** The lab's key is not in this server's authorized_keys. */
  refuseKey?: boolean;
  /** Users (besides root) that may log in with the lab's key. */
  users?: string[];
  /** An empty private /tmp (other tests' temp trees stay out of what the audit sees). */
  privateTmp?: boolean;
  /** Its own pid namespace (a fresh /proc): other tests' processes come and go outside it. */
  privatePids?: boolean;
  /**
   * Also empty /srv, /var/cache, /var/log, /var/backups, /opt and /home (the tree's own /opt and /home if it has them),
   * and /var/tmp but for the lab's own directory.
   */
  minimal?: boolean;
  /**
   * The checkout stays visible at its own path inside the namespace, for a CLI run in there (the local side of the
   * equivalence test). Off by default: the checkout holds the example hosts' keys, and a host audited over SSH would
   * count them as copies of its key wherever the checkout sits (a clone under /tmp, say).
   */
  checkout?: boolean;
  /** sshd's ForceCommand: what a hostile host runs whatever the client asks (endless output, say). */
  forceCommand?: string;
}

function sh(command: string, args: readonly string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function waitForPort(
  address: string,
  port: number,
  child: ChildProcess,
  log: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) {
        reject(new Error(`sshd exited (${child.exitCode}): ${readLog(log)}`));
        return;
      }
      const socket = connect({ host: address, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`sshd on ${address}:${port} did not start: ${readLog(log)}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(-2000);
  } catch {
    return '';
  }
}

/** A distinct 10.x.y.0/24 per (process, server) so concurrent test files never share an address. */
function subnet(index: number): [string, string] {
  const base = (process.pid % 200) + 20;
  const third = (index * 7 + (process.pid >> 8)) % 250;
  return [`10.${base}.${third}.1`, `10.${base}.${third}.2`];
}

export async function startSshLab(name: string, specs: readonly ServerSpec[]): Promise<SshLab> {
  // sshd's privilege separation directory (systemd's unit creates it on a booted host).
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  // Not under /tmp: a server with a private /tmp must still read its config and keys from here.
  const dir = mkdtempSync(join('/var/tmp', `i13-${name}-`));
  // Searchable by the test users sshd reads authorized_keys as; keys inside stay 0600.
  chmodSync(dir, 0o711);
  const keyFile = join(dir, 'client_key');
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'signer-opsec-test', '-f', keyFile]);
  const otherKey = join(dir, 'other_key');
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'not-the-client', '-f', otherKey]);
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, '');
  const configFile = join(dir, 'ssh_config');
  writeFileSync(configFile, '');
  const hosts: SshServer[] = [];
  const children: ChildProcess[] = [];
  const namespaces: string[] = [];
  const lab: SshLab = {
    dir,
    configFile,
    keyFile,
    knownHosts,
    hosts,
    stop() {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      for (const ns of namespaces) {
        try {
          sh('ip', ['netns', 'del', ns]);
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const [index, spec] of specs.entries()) {
      const serverDir = join(dir, spec.alias);
      mkdirSync(serverDir, { mode: 0o711 });
      const hostKey = join(serverDir, 'host_key');
      sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
      const authorized = join(serverDir, 'authorized_keys');
      writeFileSync(authorized, readFileSync(`${spec.refuseKey ? otherKey : keyFile}.pub`), { mode: 0o644 });
      let address = '127.0.0.1';
      let port = 22;
      let prefix: string[] = [];
      let ns: string | undefined;
      if (spec.netns) {
        ns = `i13-${spec.alias}-${process.pid % 100000}`;
        const [outer, inner] = subnet(index);
        const outerLink = `i13o${index}x${process.pid % 100000}`;
        const innerLink = `i13i${index}x${process.pid % 100000}`;
        sh('ip', ['netns', 'add', ns]);
        namespaces.push(ns);
        sh('ip', ['link', 'add', outerLink, 'type', 'veth', 'peer', 'name', innerLink]);
        sh('ip', ['link', 'set', innerLink, 'netns', ns]);
        sh('ip', ['addr', 'add', `${outer}/24`, 'dev', outerLink]);
        sh('ip', ['link', 'set', outerLink, 'up']);
        sh('ip', ['-n', ns, 'addr', 'add', `${inner}/24`, 'dev', innerLink]);
        sh('ip', ['-n', ns, 'link', 'set', innerLink, 'up']);
        sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
        address = inner;
        prefix = ['ip', 'netns', 'exec', ns];
      } else port = await freePort();
      const config = join(serverDir, 'sshd_config');
      writeFileSync(
        config,
        [
          `ListenAddress ${address}`,
          `Port ${port}`,
          `HostKey ${hostKey}`,
          `AuthorizedKeysFile ${authorized}`,
          'StrictModes no',
          'UsePAM no',
          'PidFile none',
          'PermitRootLogin prohibit-password',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          `AllowUsers root ${(spec.users ?? []).join(' ')}`,
          'MaxSessions 64',
          'MaxStartups 64:30:128',
          ...(spec.forceCommand ? [`ForceCommand ${spec.forceCommand}`] : []),
          '',
        ].join('\n'),
      );
      const log = join(serverDir, 'sshd.log');
      const sshd = ['/usr/sbin/sshd', '-D', '-e', '-f', config];
      // Its own mount namespace: the tree's directories replace the host's, for sshd and everything it starts; an
      // empty /root keeps this machine's root shell start-up files (pyenv and the like, seconds per login) out.
      const emptyRoot = join(serverDir, 'root');
      for (const sub of ['etc', 'var/lib', 'usr/local/bin'])
        if (spec.tree) mkdirSync(join(spec.tree, sub), { recursive: true });
      mkdirSync(emptyRoot, { mode: 0o700 });
      // With `checkout`, the checkout (the CLI a test runs inside) may sit under a path masked below (/tmp, /opt, /home):
      // held aside first, then bound back last, so it is where it was.
      const repo = REPO_ROOT.replace(/\/$/, '');
      const repoHeld = join(serverDir, 'repo');
      mkdirSync(repoHeld);
      const varTmp = join(serverDir, 'var-tmp');
      mkdirSync(varTmp);
      const binds = [
        ...(spec.checkout ? [`mount --bind ${repo} ${repoHeld}`] : []),
        `mount --bind ${emptyRoot} /root`,
        ...(spec.tree
          ? ['etc', 'var/lib', 'usr/local/bin'].map((sub) => `mount --bind ${join(spec.tree!, sub)} /${sub}`)
          : []),
        ...(spec.minimal
          ? [
              ...['/srv', '/var/cache', '/var/log', '/var/backups'].map((path) => `mount -t tmpfs tmpfs ${path}`),
              // The tree's own /home and /opt when it has them (a compose project under /opt/stacks, say).
              ...['home', 'opt'].map((sub) =>
                spec.tree && existsSync(join(spec.tree, sub))
                  ? `mount --bind ${join(spec.tree, sub)} /${sub}`
                  : `mount -t tmpfs tmpfs /${sub}`,
              ),
              // An empty /var/tmp too (other work on this machine leaves thousands of files there, which would make
              // every audit of the host walk them), holding only the lab's directory, which sshd reads at each login:
              // a tmpfs is filled aside, then moved over /var/tmp.
              `mount -t tmpfs -o mode=1777 tmpfs ${varTmp}`,
              `mkdir ${join(varTmp, basename(dir))}`,
              `mount --rbind ${dir} ${join(varTmp, basename(dir))}`,
              `mount --move ${varTmp} /var/tmp`,
            ]
          : []),
        // Last: the paths above may be under /tmp.
        ...(spec.privateTmp ? ['mount -t tmpfs -o mode=1777 tmpfs /tmp'] : []),
        ...(spec.checkout
          ? [
              `mkdir -p ${repo}`,
              `mount --bind ${repoHeld} ${repo}`,
              // And not left under the lab's directory in /var/tmp, where audits look for key copies: the checkout's
              // example trees hold the example hosts' keys.
              `umount ${repoHeld}`,
            ]
          : []),
      ].join(' && ');
      const pidNs = spec.privatePids ? ['--pid', '--fork', '--kill-child', '--mount-proc'] : [];
      const command = [
        ...prefix,
        'unshare',
        '--mount',
        '--propagation',
        'private',
        ...pidNs,
        'sh',
        '-c',
        `exec 2>>${log}; ${binds} && exec ${sshd.join(' ')}`,
      ];
      const child = spawn(command[0]!, command.slice(1), { stdio: 'ignore' });
      children.push(child);
      await waitForPort(address, port, child, log);
      const hostPub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
      appendFileSync(knownHosts, `${port === 22 ? address : `[${address}]:${port}`} ${hostPub}\n`);
      appendFileSync(
        configFile,
        [
          `Host ${spec.alias}`,
          `  HostName ${address}`,
          `  Port ${port}`,
          '  User root',
          `  IdentityFile ${keyFile}`,
          '  IdentitiesOnly yes',
          `  UserKnownHostsFile ${knownHosts}`,
          '  GlobalKnownHostsFile /dev/null',
          '',
        ].join('\n'),
      );
      hosts.push({ alias: spec.alias, address, port, pid: child.pid!, ...(ns ? { netns: ns } : {}) });
    }
  } catch (error) {
    lab.stop();
    throw error;
  }
  return lab;
}

/** nsenter options that put a process in the server's mount (and pid, with privatePids) namespaces. */
export function nsenterArgs(server: SshServer, privatePids: boolean): string[] {
  return [
    `--mount=/proc/${server.pid}/ns/mnt`,
    ...(privatePids ? [`--pid=/proc/${server.pid}/ns/pid_for_children`] : []),
  ];
}
