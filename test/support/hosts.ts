// Building blocks for check fixtures: a minimal host with a signer, as file maps.
import type { FileSpec } from './materialise.js';

/** A valid, freshly generated (never published) signer key, used only in tests. */
export const TEST_SIGNER_KEY = '76b8b2b768e52f809ddf39001809f8c14beca092b02f8b170184155eb1abc23701';
/** A strong auth token (128 bits). */
export const TEST_AUTH_TOKEN = '3259c3de3a290916afc77a3293b4b7df';

export function signerToml(overrides: Record<string, string | undefined> = {}): string {
  const values: Record<string, string | undefined> = {
    stacks_private_key: TEST_SIGNER_KEY,
    node_host: '127.0.0.1:20443',
    endpoint: '127.0.0.1:30000',
    network: 'mainnet',
    auth_password: TEST_AUTH_TOKEN,
    db_path: '/var/lib/stacks-signer/signer.sqlite',
    metrics_endpoint: '127.0.0.1:9154',
    ...overrides,
  };
  return Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key} = "${value}"`)
    .join('\n')
    .concat('\n');
}

export const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'stacks-signer:x:990:990::/var/lib/stacks-signer:/usr/sbin/nologin',
  'stacks-node:x:991:991::/var/lib/stacks-node:/usr/sbin/nologin',
  'alice:x:1000:1000:Alice:/home/alice:/bin/bash',
  '',
].join('\n');

export const GROUP = [
  'root:x:0:',
  'adm:x:4:',
  'sudo:x:27:alice',
  'docker:x:998:',
  'stacks-signer:x:990:',
  'stacks-node:x:991:',
  'alice:x:1000:',
  '',
].join('\n');

/** /etc/passwd and /etc/group with root, a signer user, a node user and an admin. */
export const BASE_USERS: FileSpec = {
  'etc/passwd': PASSWD,
  'etc/group': GROUP,
};

/** A signer config at the first well-known path, owned by the signer user, mode 0600. */
export function signerHost(overrides: Record<string, string | undefined> = {}, extra: FileSpec = {}): FileSpec {
  return {
    ...BASE_USERS,
    'etc/stacks/signer/signer-config.toml': { content: signerToml(overrides), mode: 0o600, uid: 990, gid: 990 },
    ...extra,
  };
}

export const SIGNER_CONFIG_PATH = 'etc/stacks/signer/signer-config.toml';
export const NODE_CONFIG_PATH = 'etc/stacks/node/node-config.toml';

type TomlValue = string | boolean | number | string[] | undefined;

/** Sections of a node config; a key set to undefined is left out, a section set to undefined is dropped. */
export interface NodeTomlOptions {
  node?: Record<string, TomlValue>;
  burnchain?: Record<string, TomlValue>;
  miner?: Record<string, TomlValue>;
  connection_options?: Record<string, TomlValue> | undefined;
  /** `[[events_observer]]` endpoints (each with the signer's events_keys). */
  observers?: string[];
}

function tomlValue(value: Exclude<TomlValue, undefined>): string {
  if (Array.isArray(value)) return `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function tomlSection(header: string, values: Record<string, TomlValue>): string {
  const lines = Object.entries(values)
    .filter((entry): entry is [string, Exclude<TomlValue, undefined>] => entry[1] !== undefined)
    .map(([key, value]) => `${key} = ${tomlValue(value)}`);
  return [header, ...lines].join('\n');
}

/** A signer-attached node config (stacks-core sample/conf/mainnet-signer.toml, hardened binds), with overrides. */
export function nodeToml(options: NodeTomlOptions = {}): string {
  const node = {
    working_dir: '/var/lib/stacks-node',
    rpc_bind: '127.0.0.1:20443',
    p2p_bind: '0.0.0.0:20444',
    prometheus_bind: '127.0.0.1:9153',
    stacker: true,
    ...options.node,
  };
  const burnchain = { mode: 'mainnet', peer_host: '127.0.0.1', ...options.burnchain };
  const sections = [tomlSection('[node]', node), tomlSection('[burnchain]', burnchain)];
  if (options.miner) sections.push(tomlSection('[miner]', options.miner));
  const connection = 'connection_options' in options ? options.connection_options : { auth_token: TEST_AUTH_TOKEN };
  if (connection) sections.push(tomlSection('[connection_options]', connection));
  for (const endpoint of options.observers ?? ['127.0.0.1:30000']) {
    sections.push(
      tomlSection('[[events_observer]]', { endpoint, events_keys: ['stackerdb', 'block_proposal', 'burn_blocks'] }),
    );
  }
  return `${sections.join('\n\n')}\n`;
}

/** Only the node config file, at the first well-known path, owned by the node user, mode 0600. */
export function nodeConfigFile(options: NodeTomlOptions = {}): FileSpec {
  return { [NODE_CONFIG_PATH]: { content: nodeToml(options), mode: 0o600, uid: 991, gid: 991 } };
}

/** A host with only a node (config at the well-known path). */
export function nodeHost(options: NodeTomlOptions = {}, extra: FileSpec = {}): FileSpec {
  return { ...BASE_USERS, ...nodeConfigFile(options), ...extra };
}

/** A systemd unit under etc/systemd/system running the signer (or node) with the well-known config. */
export function serviceUnit(role: 'signer' | 'node', serviceLines: string[] = []): FileSpec {
  const exec =
    role === 'signer'
      ? `/usr/local/bin/stacks-signer run --config /${SIGNER_CONFIG_PATH}`
      : `/usr/local/bin/stacks-node start --config /${NODE_CONFIG_PATH}`;
  const user = role === 'signer' ? 'stacks-signer' : 'stacks-node';
  const text = [
    '[Unit]',
    `Description=stacks ${role}`,
    '',
    '[Service]',
    `ExecStart=${exec}`,
    `User=${user}`,
    ...serviceLines,
    '',
  ].join('\n');
  return { [`etc/systemd/system/stacks-${role}.service`]: text };
}

/**
 * A compose project under /opt/stacks running the signer in a container (config bind-mounted at the image's default
 * path), with `serviceLines` added to the signer service and, optionally, a node container whose rpc_bind is unset.
 */
export function composeHost(
  signer: Record<string, string | undefined>,
  serviceLines: string[] = [],
  withNode = false,
): FileSpec {
  const lines = [
    'services:',
    '  signer:',
    '    image: ghcr.io/stacks-network/stacks-signer:4.0.2',
    ...serviceLines,
    '    volumes:',
    '      - ./signer.toml:/signer-config.toml:ro',
  ];
  if (withNode) {
    lines.push(
      '  node:',
      '    image: ghcr.io/stacks-network/stacks-core:4.0.2',
      '    command: ["stacks-node", "start", "--config", "/node.toml"]',
      '    volumes:',
      '      - ./node.toml:/node.toml:ro',
    );
  }
  return {
    ...BASE_USERS,
    'opt/stacks/compose.yaml': `${lines.join('\n')}\n`,
    'opt/stacks/signer.toml': { content: signerToml(signer), mode: 0o600 },
    ...(withNode
      ? { 'opt/stacks/node.toml': { content: nodeToml({ node: { rpc_bind: undefined } }), mode: 0o600 } }
      : {}),
  };
}

/**
 * The signer unit of the OpSec guide, verbatim (stacks-facts.md §6): conditions on /etc, ExecStart with a config
 * under /home, ProtectHome=true. As written the service can't read its config.
 */
export const PUBLISHED_GUIDE_SIGNER_UNIT = [
  '[Unit]',
  'ConditionFileIsExecutable=/usr/local/bin/stacks-signer',
  'ConditionPathExists=/etc/stacks/signer',
  'ConditionFileNotEmpty=/etc/stacks/signer/signer-config.toml',
  '[Service]',
  'ExecStart=/usr/local/bin/stacks-signer run --config /home/etc/stacks/signer/signer-config.toml',
  'User={{ svc_user }}',
  'PrivateTmp=true',
  'ProtectSystem=full',
  'ProtectHome=true',
  'NoNewPrivileges=true',
  'PrivateDevices=true',
  '',
].join('\n');

/** The signer binary where the guide installs it: root-owned, 0755 (content is a stub). */
export const SIGNER_BINARY: FileSpec = {
  'usr/local/bin/stacks-signer': { content: '#!/bin/sh\nexit 0\n', mode: 0o755, uid: 0, gid: 0 },
};

/** [Service] lines of a signer unit that passes the service family: sandbox, writable state dir, egress, restart. */
export const HARDENED_SIGNER_SERVICE_LINES: readonly string[] = [
  'PrivateTmp=yes',
  'ProtectSystem=strict',
  'ProtectHome=yes',
  'NoNewPrivileges=yes',
  'PrivateDevices=yes',
  'StateDirectory=stacks-signer',
  'IPAddressDeny=any',
  'IPAddressAllow=localhost',
  'Restart=on-failure',
  'RestartSec=5s',
];

/** A signer host (well-known config, users, binary) run by etc/systemd/system/stacks-signer.service with these [Service] lines. */
export function signerUnitHost(
  serviceLines: readonly string[] = HARDENED_SIGNER_SERVICE_LINES,
  overrides: Record<string, string | undefined> = {},
  extra: FileSpec = {},
): FileSpec {
  return { ...signerHost(overrides), ...SIGNER_BINARY, ...serviceUnit('signer', [...serviceLines]), ...extra };
}
