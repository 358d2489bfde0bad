// Fixtures for identity controls: systemd units and compose services running a signer and a node.
import { BASE_USERS, PASSWD, signerToml } from './hosts.js';
import type { FileSpec } from './materialise.js';

export const SIGNER_CONFIG = 'etc/stacks/signer/signer-config.toml';
export const NODE_CONFIG = 'etc/stacks/node/node-config.toml';
export const SIGNER_UNIT = 'etc/systemd/system/stacks-signer.service';
export const NODE_UNIT = 'etc/systemd/system/stacks-node.service';

/**
 * The base passwd without the named accounts: DynamicUser= units then get a transient user, since systemd only
 * reuses a static user of the same name.
 */
export function passwdWithout(...names: string[]): string {
  return PASSWD.split('\n')
    .filter((line) => !names.includes(line.split(':')[0]!))
    .join('\n');
}

export const SIGNER_UID = 990;
export const NODE_UID = 991;

/** A service unit running `exec`, with extra [Service] directives (User=, Group=, DynamicUser=...). */
export function unitFile(exec: string, directives: readonly string[]): string {
  return [
    '[Unit]',
    'Description=test unit',
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

export function signerUnit(directives: readonly string[]): string {
  return unitFile(`ExecStart=/usr/local/bin/stacks-signer run --config /${SIGNER_CONFIG}`, directives);
}

export function nodeUnit(directives: readonly string[]): string {
  return unitFile(`ExecStart=/usr/local/bin/stacks-node start --config /${NODE_CONFIG}`, directives);
}

export const NODE_TOML =
  '[node]\nrpc_bind = "127.0.0.1:20443"\np2p_bind = "0.0.0.0:20444"\nstacker = true\n\n[connection_options]\nauth_token = "3259c3de3a290916afc77a3293b4b7df"\n';

export interface ConfigFile {
  mode?: number;
  uid?: number;
  gid?: number;
  content?: string;
}

export interface ServiceHostOptions {
  /** [Service] directives of the signer unit; undefined: no signer unit. */
  signer?: readonly string[];
  /** [Service] directives of the node unit; undefined: no node unit (and no node config unless nodeConfig is given). */
  node?: readonly string[];
  signerConfig?: ConfigFile;
  nodeConfig?: ConfigFile;
  passwd?: string;
  group?: string;
}

/** /etc/passwd, /etc/group, a signer config (0600 stacks-signer) and the units asked for. */
export function serviceHost(options: ServiceHostOptions, extra: FileSpec = {}): FileSpec {
  const signerConfig = {
    mode: 0o600,
    uid: SIGNER_UID,
    gid: SIGNER_UID,
    content: signerToml(),
    ...options.signerConfig,
  };
  const spec: FileSpec = {
    ...BASE_USERS,
    ...(options.passwd ? { 'etc/passwd': options.passwd } : {}),
    ...(options.group ? { 'etc/group': options.group } : {}),
    [SIGNER_CONFIG]: signerConfig,
  };
  if (options.signer) spec[SIGNER_UNIT] = signerUnit(options.signer);
  if (options.node) spec[NODE_UNIT] = nodeUnit(options.node);
  if (options.node || options.nodeConfig) {
    spec[NODE_CONFIG] = { mode: 0o600, uid: NODE_UID, gid: NODE_UID, content: NODE_TOML, ...options.nodeConfig };
  }
  return { ...spec, ...extra };
}

/** A compose file under /opt/stacks running the official signer image with the given `user:` line. */
export function composeSigner(userLine: string | undefined, extraService = ''): FileSpec {
  const lines = [
    'services:',
    '  signer:',
    '    image: ghcr.io/stacks-network/stacks-signer:4.0.2',
    ...(userLine !== undefined ? [`    user: ${userLine}`] : []),
    '    volumes:',
    '      - ./signer-config.toml:/signer-config.toml:ro',
    extraService,
    '',
  ];
  return {
    ...BASE_USERS,
    'opt/stacks/compose.yaml': lines.join('\n'),
    'opt/stacks/signer-config.toml': { content: signerToml(), mode: 0o600, uid: SIGNER_UID, gid: SIGNER_UID },
  };
}
