// Broken hosts for the harden end-to-end tests: each is a small Debian-like root with a signer deployed wrong in a
// different way, so plan → apply → audit exercises every planner on more than the bundled example.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleHostsDir } from '../../scripts/example-hosts.js';
import { TEST_AUTH_TOKEN, TEST_SIGNER_KEY } from './hosts.js';
import type { FileSpec } from './materialise.js';

const DEBIAN_SSHD_CONFIG = readFileSync(join(exampleHostsDir(), 'published-guide/rootfs/etc/ssh/sshd_config'), 'utf8');
const NFTABLES_UNIT = readFileSync(
  join(exampleHostsDir(), 'published-guide/rootfs/usr/lib/systemd/system/nftables.service'),
  'utf8',
);
/** An SSH public key line (an example key; it opens nothing). */
export const ADMIN_PUBLIC_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl admin@example\n';

const STUB_BINARY = '#!/bin/sh\n# stand-in for a release binary\nexit 0\n';

function passwd(extra: string[]): string {
  return [
    'root:x:0:0:root:/root:/bin/bash',
    'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
    'sshd:x:101:65534::/run/sshd:/usr/sbin/nologin',
    'admin:x:1000:1000:Admin,,,:/home/admin:/bin/bash',
    ...extra,
    '',
  ].join('\n');
}

function group(extra: string[]): string {
  return ['root:x:0:', 'sudo:x:27:admin', 'shadow:x:42:', 'docker:x:998:', 'admin:x:1000:', ...extra, ''].join('\n');
}

function shadow(names: string[]): string {
  return [
    'root:*:19800:0:99999:7:::',
    'sshd:*:19800:0:99999:7:::',
    'admin:!:19800:0:99999:7:::',
    ...names.map((name) => `${name}:!:19800:0:99999:7:::`),
    '',
  ].join('\n');
}

function signerToml(values: Record<string, string>): string {
  const all: Record<string, string> = {
    stacks_private_key: TEST_SIGNER_KEY,
    node_host: '127.0.0.1:20443',
    endpoint: '0.0.0.0:30000',
    network: 'mainnet',
    auth_password: TEST_AUTH_TOKEN,
    db_path: '/var/lib/stacks-signer/signer.sqlite',
    ...values,
  };
  return `${Object.entries(all)
    .map(([key, value]) => `${key} = "${value}"`)
    .join('\n')}\n`;
}

function nodeToml(token: string, p2p = '0.0.0.0:20444'): string {
  return [
    '[node]',
    'rpc_bind = "0.0.0.0:20443"',
    `p2p_bind = "${p2p}"`,
    'working_dir = "/var/lib/stacks-node"',
    'stacker = true',
    '',
    '[[events_observer]]',
    'endpoint = "127.0.0.1:30000"',
    'events_keys = ["stackerdb", "block_proposal", "burn_blocks"]',
    '',
    '[connection_options]',
    `auth_token = "${token}"`,
    '',
  ].join('\n');
}

function unit(exec: string, directives: string[]): string {
  return [
    '[Unit]',
    'Description=Stacks service',
    '',
    '[Service]',
    exec,
    ...directives,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** What every broken host shares: an admin with an SSH key, sshd, nftables installed but not enabled, the binaries. */
function base(users: string[], groups: string[], shadowNames: string[]): FileSpec {
  return {
    // Debian's merged /usr.
    bin: { symlink: 'usr/bin' },
    sbin: { symlink: 'usr/sbin' },
    lib: { symlink: 'usr/lib' },
    'etc/passwd': passwd(users),
    'etc/group': group(groups),
    'etc/shadow': { content: shadow(shadowNames), mode: 0o640, uid: 0, gid: 42 },
    'etc/hosts': '127.0.0.1 localhost\n',
    'etc/ssh/sshd_config': DEBIAN_SSHD_CONFIG,
    'etc/ssh/sshd_config.d': { dir: true },
    'usr/lib/systemd/system/nftables.service': NFTABLES_UNIT,
    'usr/sbin/nologin': { content: STUB_BINARY, mode: 0o755 },
    'usr/local/bin/stacks-signer': { content: STUB_BINARY, mode: 0o755 },
    'usr/local/bin/stacks-node': { content: STUB_BINARY, mode: 0o755 },
    'home/admin': { dir: true, mode: 0o750, uid: 1000, gid: 1000 },
    'home/admin/.ssh': { dir: true, mode: 0o700, uid: 1000, gid: 1000 },
    'home/admin/.ssh/authorized_keys': { content: ADMIN_PUBLIC_KEY, mode: 0o600, uid: 1000, gid: 1000 },
    'var/backups': { dir: true },
  };
}

/**
 * Signer and node both run as root from units without confinement; configs world-readable; a weak token; sshd allows
 * passwords and root login with no Include of sshd_config.d; no firewall file at all.
 */
export function rootServicesHost(): FileSpec {
  return {
    ...base([], [], []),
    'etc/ssh/sshd_config':
      'Port 22\nPermitRootLogin yes\nPasswordAuthentication yes\nUsePAM yes\nSubsystem sftp /usr/lib/openssh/sftp-server\n',
    'etc/systemd/system/stacks-signer.service': unit(
      'ExecStart=/usr/local/bin/stacks-signer run --config /etc/stacks-signer/config.toml',
      [],
    ),
    'etc/systemd/system/stacks-node.service': unit(
      'ExecStart=/usr/local/bin/stacks-node start --config /etc/stacks-node/config.toml',
      [],
    ),
    'etc/stacks-signer/config.toml': { content: signerToml({ auth_password: 'changeme' }), mode: 0o644 },
    'etc/stacks-node/config.toml': { content: nodeToml('changeme'), mode: 0o644 },
    'var/lib/stacks-signer': { dir: true, mode: 0o755 },
    'var/lib/stacks-signer/signer.sqlite': { content: 'SQLite format 3\0', mode: 0o644 },
    'var/lib/stacks-node': { dir: true, mode: 0o755 },
  };
}

/**
 * Signer and node share the login account `stacks`; the signer config lives in its home under ProtectHome=yes; the
 * signer binary is owned and writable by that account; sshd listens on 2222 and a cloud-init drop-in re-enables passwords.
 */
export function sharedAccountHost(): FileSpec {
  const token = TEST_AUTH_TOKEN;
  return {
    ...base(['stacks:x:1001:1001:Stacks,,,:/home/stacks:/bin/bash'], ['stacks:x:1001:'], ['stacks']),
    'etc/ssh/sshd_config.d/50-cloud-init.conf': 'PasswordAuthentication yes\n',
    'etc/ssh/sshd_config.d/20-port.conf': 'Port 2222\n',
    'etc/systemd/system/stacks-signer.service': unit(
      'ExecStart=/usr/local/bin/stacks-signer run --config /home/stacks/signer.toml',
      [
        'User=stacks',
        'ProtectHome=yes',
        'ProtectSystem=full',
        'PrivateTmp=yes',
        'NoNewPrivileges=yes',
        'PrivateDevices=yes',
      ],
    ),
    'etc/systemd/system/stacks-node.service': unit(
      'ExecStart=/usr/local/bin/stacks-node start --config /home/stacks/node.toml',
      ['User=stacks'],
    ),
    'home/stacks': { dir: true, mode: 0o755, uid: 1001, gid: 1001 },
    'home/stacks/signer.toml': {
      content: signerToml({ db_path: '/home/stacks/signer-db/signer.sqlite', metrics_endpoint: '0.0.0.0:9154' }),
      mode: 0o640,
      uid: 1001,
      gid: 1001,
    },
    'home/stacks/node.toml': { content: nodeToml(token), mode: 0o644, uid: 1001, gid: 1001 },
    'usr/local/bin/stacks-signer': { content: STUB_BINARY, mode: 0o775, uid: 1001, gid: 1001 },
    'var/lib/stacks-node': { dir: true, mode: 0o750, uid: 1001, gid: 1001 },
  };
}

/**
 * A signer whose node runs on another host (named in /etc/hosts), a dedicated account already, but a wide-open
 * unit, db directory readable by others, an operator nftables.conf with accept-all policy enabled at boot, and a
 * Docker engine on the host (its FORWARD rules must survive).
 */
export function remoteNodeHost(): FileSpec {
  return {
    ...base(['stacks-signer:x:990:990::/nonexistent:/usr/sbin/nologin'], ['stacks-signer:x:990:'], ['stacks-signer']),
    'etc/hosts': '127.0.0.1 localhost\n10.0.0.8 stacks-node.lan\n',
    'etc/systemd/system/stacks-signer.service': unit(
      'ExecStart=/usr/local/bin/stacks-signer run --config /etc/stacks/signer/signer-config.toml',
      ['User=stacks-signer', 'Restart=always'],
    ),
    'etc/stacks/signer/signer-config.toml': {
      content: signerToml({ node_host: 'stacks-node.lan:20443', endpoint: '10.0.0.5:30000' }),
      mode: 0o600,
      uid: 990,
      gid: 990,
    },
    'var/lib/stacks-signer': { dir: true, mode: 0o755, uid: 990, gid: 990 },
    'var/lib/stacks-signer/signer.sqlite': { content: 'SQLite format 3\0', mode: 0o644, uid: 990, gid: 990 },
    'etc/nftables.conf': {
      content:
        '#!/usr/sbin/nft -f\n\nflush ruleset\n\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n',
      mode: 0o755,
    },
    'etc/systemd/system/sysinit.target.wants/nftables.service': { symlink: '/lib/systemd/system/nftables.service' },
    'usr/bin/dockerd': { content: STUB_BINARY, mode: 0o755 },
    'var/lib/docker': { dir: true, mode: 0o710 },
  };
}

interface ColocatedOptions {
  signer?: Record<string, string>;
  nodeWorkingDir?: string | undefined;
  observer?: string;
  signerUnit?: string[];
  nodeUnit?: string[];
  signerExec?: string;
  users?: string[];
  groups?: string[];
}

/**
 * A colocated signer and node, both root, a strong token, configs 0600, and whatever `options` bends: the review's
 * hosts, each wrong in one way the service planners must see.
 */
function colocatedHost(options: ColocatedOptions = {}, files: FileSpec = {}): FileSpec {
  const workingDir = 'nodeWorkingDir' in options ? options.nodeWorkingDir : '/var/lib/stacks-node';
  const node = nodeToml(TEST_AUTH_TOKEN)
    .replace('working_dir = "/var/lib/stacks-node"\n', workingDir ? `working_dir = "${workingDir}"\n` : '')
    .replace('endpoint = "127.0.0.1:30000"', `endpoint = "${options.observer ?? '127.0.0.1:30000'}"`);
  return {
    ...base(options.users ?? [], options.groups ?? [], []),
    'etc/systemd/system/stacks-signer.service': unit(
      options.signerExec ?? 'ExecStart=/usr/local/bin/stacks-signer run --config /etc/stacks-signer/config.toml',
      options.signerUnit ?? [],
    ),
    'etc/systemd/system/stacks-node.service': unit(
      'ExecStart=/usr/local/bin/stacks-node start --config /etc/stacks-node/config.toml',
      options.nodeUnit ?? [],
    ),
    'etc/stacks-signer/config.toml': {
      content: signerToml({ endpoint: '127.0.0.1:30000', ...options.signer }),
      mode: 0o600,
    },
    'etc/stacks-node/config.toml': { content: node, mode: 0o600 },
    'var/lib/stacks-signer/signer.sqlite': { content: 'SQLite format 3\0', mode: 0o600 },
    ...files,
  };
}

/** The endpoint binds the host's private address, and the local node posts its events there (from that address). */
export function privateEndpointHost(): FileSpec {
  return colocatedHost({ signer: { endpoint: '10.0.0.5:30000' }, observer: '10.0.0.5:30000' });
}

/** The node's chainstate comes from STACKS_WORKING_DIR in its unit, not from working_dir (unset). */
export function environmentWorkingDirHost(): FileSpec {
  return colocatedHost(
    {
      nodeWorkingDir: undefined,
      nodeUnit: ['User=stacks-node', 'Environment=STACKS_WORKING_DIR=/srv/stacks-node'],
      users: ['stacks-node:x:990:990::/nonexistent:/usr/sbin/nologin'],
      groups: ['stacks-node:x:990:'],
    },
    { 'srv/stacks-node/mainnet/chainstate.db': { content: 'x', mode: 0o644, uid: 990, gid: 990 } },
  );
}

/** The signer runs as www-data (uid 33) and the node as nobody: accounts other software shares. */
export function sharedSystemAccountsHost(): FileSpec {
  return colocatedHost({
    signerUnit: ['User=www-data'],
    nodeUnit: ['User=nobody'],
    users: [
      'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin',
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
    ],
    groups: ['www-data:x:33:', 'nogroup:x:65534:'],
  });
}

/** db_path = ":memory:": no database on disk, nothing for the unit to write. */
export function memoryDatabaseHost(): FileSpec {
  const spec = colocatedHost({ signer: { db_path: ':memory:' } });
  delete spec['var/lib/stacks-signer/signer.sqlite'];
  return spec;
}

/** A node runs here, but the signer's node is another host: the local node's loopback observer is not its node. */
export function remoteNodeLocalUnitHost(): FileSpec {
  return colocatedHost({ signer: { node_host: '10.0.0.8:20443', endpoint: '0.0.0.0:30000' } });
}

/** Debian's ssh.service: `sshd -D $SSHD_OPTS` with /etc/default/ssh as its EnvironmentFile. */
export const SSH_SERVICE_UNIT = [
  '[Unit]',
  'Description=OpenBSD Secure Shell server',
  'After=network.target auditd.service',
  '',
  '[Service]',
  'EnvironmentFile=-/etc/default/ssh',
  'ExecStartPre=/usr/sbin/sshd -t',
  'ExecStart=/usr/sbin/sshd -D $SSHD_OPTS',
  'ExecReload=/bin/kill -HUP $MAINPID',
  'KillMode=process',
  'Restart=on-failure',
  'Type=notify',
  'RuntimeDirectory=sshd',
  '',
  '[Install]',
  'WantedBy=multi-user.target',
  'Alias=sshd.service',
  '',
].join('\n');

/** Ubuntu's ssh.socket (22.10+ socket activation): it, not sshd_config's Port, decides where sshd listens. */
export const SSH_SOCKET_UNIT = [
  '[Unit]',
  'Description=OpenBSD Secure Shell server socket',
  'Before=sockets.target ssh.service',
  '',
  '[Socket]',
  'ListenStream=22',
  'Accept=no',
  'FreeBind=yes',
  '',
  '[Install]',
  'WantedBy=sockets.target',
  'RequiredBy=ssh.service',
  '',
].join('\n');

/** SSH by socket activation on 2222 (a drop-in resets ListenStream=); sshd_config keeps its default Port 22. */
export function socketActivatedSshFiles(): FileSpec {
  return {
    'usr/lib/systemd/system/ssh.service': SSH_SERVICE_UNIT,
    'usr/lib/systemd/system/ssh.socket': SSH_SOCKET_UNIT,
    'etc/systemd/system/ssh.socket.d/listen.conf': '[Socket]\nListenStream=\nListenStream=2222\n',
    'etc/systemd/system/sockets.target.wants/ssh.socket': { symlink: '/lib/systemd/system/ssh.socket' },
  };
}

/** sshd started with `-p 2200` from /etc/default/ssh: sshd(8) then ignores sshd_config's `Port 2222`. */
export function sshdOptsPortFiles(): FileSpec {
  return {
    'etc/ssh/sshd_config':
      'Port 2222\nPasswordAuthentication yes\nUsePAM yes\nSubsystem sftp /usr/lib/openssh/sftp-server\n',
    'etc/default/ssh': 'SSHD_OPTS="-p 2200"\n',
    'usr/lib/systemd/system/ssh.service': SSH_SERVICE_UNIT,
    'etc/systemd/system/multi-user.target.wants/ssh.service': { symlink: '/lib/systemd/system/ssh.service' },
  };
}

/** A colocated host whose SSH listens on 2222 by socket activation only. */
export function socketActivatedSshHost(): FileSpec {
  return colocatedHost({}, socketActivatedSshFiles());
}

/** A colocated host whose sshd runs with `-p 2200` from its unit's EnvironmentFile. */
export function sshdOptsPortHost(): FileSpec {
  return colocatedHost({}, sshdOptsPortFiles());
}

/**
 * A signer whose node is across a WireGuard tunnel (node_host 10.8.0.1, wg0 listens on udp/51820), and an operator
 * nftables.conf (not enabled, no `flush ruleset`) that accepts the tunnel and a monitoring port from the tunnel.
 */
export function wireguardNodeHost(): FileSpec {
  const spec = remoteNodeHost();
  delete spec['usr/bin/dockerd'];
  delete spec['var/lib/docker'];
  delete spec['etc/systemd/system/sysinit.target.wants/nftables.service'];
  return {
    ...spec,
    'etc/hosts': '127.0.0.1 localhost\n',
    'etc/stacks/signer/signer-config.toml': {
      content: signerToml({ node_host: '10.8.0.1:20443', endpoint: '10.8.0.2:30000' }),
      mode: 0o600,
      uid: 990,
      gid: 990,
    },
    'etc/wireguard': { dir: true, mode: 0o700 },
    'etc/wireguard/wg0.conf': {
      content:
        '[Interface]\nAddress = 10.8.0.2/24\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\nListenPort = 51820\n',
      mode: 0o600,
    },
    'etc/nftables.conf': {
      content:
        '#!/usr/sbin/nft -f\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tct state established,related accept\n\t\ttcp dport 22 accept\n\t\tudp dport 51820 accept\n\t\tip saddr 10.8.0.0/24 tcp dport 9100 accept\n\t\tip saddr 10.8.0.1 tcp dport 30000 accept\n\t}\n}\n',
      mode: 0o755,
    },
  };
}

/** Hosts harden must refuse (an error, nothing written): what they need is a move only the operator can make. */
export const REFUSED_HOSTS: Readonly<Record<string, { spec: () => FileSpec; error: RegExp }>> = {
  // The signer's database and the node's chainstate share /var/lib/stacks: StateDirectory= would chown it all.
  'shared-var-lib': {
    spec: () =>
      colocatedHost(
        { signer: { db_path: '/var/lib/stacks/signer.sqlite' }, nodeWorkingDir: '/var/lib/stacks/chain' },
        {
          'var/lib/stacks/signer.sqlite': { content: 'SQLite format 3\0', mode: 0o644 },
          'var/lib/stacks/chain/mainnet/chainstate.db': { content: 'x', mode: 0o644 },
        },
      ),
    error: /\/var\/lib\/stacks, which holds more than the signer's database and stacks-signer cannot write/,
  },
  // db_path directly in /var/lib: never ReadWritePaths=/var/lib.
  'db-in-var-lib': {
    spec: () =>
      colocatedHost(
        { signer: { db_path: '/var/lib/signer.sqlite' } },
        { 'var/lib/signer.sqlite': { content: 'SQLite format 3\0', mode: 0o600 } },
      ),
    error: /system directory \/var\/lib, which harden never makes writable/,
  },
  // A root node whose chainstate is in /data: a new account could not write it.
  'root-node-data-chainstate': {
    spec: () =>
      colocatedHost(
        { nodeWorkingDir: '/data/stacks-node' },
        { 'data/stacks-node/mainnet/chainstate.db': { content: 'x', mode: 0o644 } },
      ),
    error:
      /chainstate \/data\/stacks-node \(working_dir\) exists.*chown -R stacks-node:stacks-node \/data\/stacks-node/,
  },
  // The release unpacked in the operator's home: ProtectHome= would hide it (203/EXEC).
  'home-binary': {
    spec: () =>
      colocatedHost(
        { signerExec: 'ExecStart=/home/admin/stacks/stacks-signer run --config /etc/stacks-signer/config.toml' },
        {
          'home/admin/stacks': { dir: true, mode: 0o755, uid: 1000, gid: 1000 },
          'home/admin/stacks/stacks-signer': { content: STUB_BINARY, mode: 0o755, uid: 1000, gid: 1000 },
        },
      ),
    error: /runs \/home\/admin\/stacks\/stacks-signer, under a home area.*install it under \/usr\/local\/bin/,
  },
  // The database directory is a symlink: its owner cannot be changed safely through it.
  'symlinked-db-directory': {
    spec: () =>
      colocatedHost(
        { signer: { db_path: '/var/stacks/signer.sqlite' } },
        {
          'var/stacks': { symlink: '/srv/signer-db' },
          'srv/signer-db/signer.sqlite': { content: 'SQLite format 3\0', mode: 0o600 },
        },
      ),
    error: /the database directory \/var\/stacks is a symlink/,
  },
};

/**
 * The signer config lives in an admin's home, under ProtectHome=yes, with nothing else wrong in it: the configs area
 * only moves it, and that move must not be held back (the drop-in's ExecStart= names where it goes).
 */
export function homeConfigHost(): FileSpec {
  const spec = colocatedHost(
    {
      signerExec: 'ExecStart=/usr/local/bin/stacks-signer run --config /home/admin/signer.toml',
      signerUnit: ['ProtectHome=yes'],
    },
    { 'home/admin/signer.toml': { content: signerToml({ endpoint: '127.0.0.1:30000' }), mode: 0o600 } },
  );
  delete spec['etc/stacks-signer/config.toml'];
  return spec;
}

export const BROKEN_HOSTS: Readonly<Record<string, () => FileSpec>> = {
  'root-services': rootServicesHost,
  'shared-account': sharedAccountHost,
  'remote-node': remoteNodeHost,
  'private-endpoint': privateEndpointHost,
  'environment-working-dir': environmentWorkingDirHost,
  'shared-system-accounts': sharedSystemAccountsHost,
  'memory-database': memoryDatabaseHost,
  'remote-node-local-unit': remoteNodeLocalUnitHost,
  'home-config': homeConfigHost,
  'socket-activated-ssh': socketActivatedSshHost,
  'sshd-opts-port': sshdOptsPortHost,
  'wireguard-node': wireguardNodeHost,
};
