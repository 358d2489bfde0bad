// Fixtures for containers the Docker engine records: docker inspect objects and the engine's on-disk state
// (var/lib/docker/containers/<id>/config.v2.json + hostconfig.json), shaped as the engine writes them.
import { BASE_USERS, signerToml } from './hosts.js';
import type { FileSpec } from './materialise.js';

export const CONTAINER_ID = 'a3f9c2d4e5b6a7980112233445566778899aabbccddeeff00112233445566778';

export interface InspectOptions {
  name?: string;
  image?: string;
  user?: string;
  env?: string[];
  portBindings?: Record<string, { HostIp: string; HostPort: string }[]>;
  hostConfig?: Record<string, unknown>;
  /** Bind mounts as MountPoints/Mounts: [source, destination, rw]. */
  binds?: [string, string, boolean][];
  running?: boolean;
  labels?: Record<string, string>;
}

function hostConfigOf(options: InspectOptions): Record<string, unknown> {
  return {
    Binds: (options.binds ?? []).map(([source, target, rw]) => `${source}:${target}${rw ? '' : ':ro'}`),
    NetworkMode: 'bridge',
    PortBindings: options.portBindings ?? {},
    Privileged: false,
    CapAdd: null,
    CapDrop: null,
    SecurityOpt: null,
    ReadonlyRootfs: false,
    PublishAllPorts: false,
    ...options.hostConfig,
  };
}

function configOf(options: InspectOptions): Record<string, unknown> {
  return {
    Hostname: CONTAINER_ID.slice(0, 12),
    User: options.user ?? '',
    Env: options.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    Cmd: ['/bin/stacks-signer', 'run', '--config', '/signer-config.toml'],
    Image: options.image ?? 'ghcr.io/stacks-network/stacks-signer:4.0.2',
    ExposedPorts: { '30000/tcp': {} },
    Labels: options.labels ?? {},
  };
}

/** One element of `docker inspect` output. */
export function inspectRecord(options: InspectOptions = {}): Record<string, unknown> {
  return {
    Id: CONTAINER_ID,
    Name: `/${options.name ?? 'signer'}`,
    Path: '/bin/stacks-signer',
    Args: ['run', '--config', '/signer-config.toml'],
    State: { Status: 'running', Running: options.running ?? true },
    HostConfig: hostConfigOf(options),
    Mounts: (options.binds ?? []).map(([source, target, rw]) => ({
      Type: 'bind',
      Source: source,
      Destination: target,
      Mode: rw ? '' : 'ro',
      RW: rw,
      Propagation: 'rprivate',
    })),
    Config: configOf(options),
  };
}

/** The engine's state of one container, with the signer config it bind-mounts at /etc/stacks-signer. */
export function engineStateHost(options: InspectOptions = {}, extra: FileSpec = {}): FileSpec {
  const dir = `var/lib/docker/containers/${CONTAINER_ID}`;
  const binds = options.binds ?? [['/srv/signer/signer-config.toml', '/signer-config.toml', false]];
  const mountPoints = Object.fromEntries(
    binds.map(([source, target, rw]) => [
      target,
      { Source: source, Destination: target, RW: rw, Name: '', Driver: '', Type: 'bind', Propagation: 'rprivate' },
    ]),
  );
  const config = {
    ID: CONTAINER_ID,
    Name: `/${options.name ?? 'signer'}`,
    Path: '/bin/stacks-signer',
    Args: ['run', '--config', '/signer-config.toml'],
    State: { Running: options.running ?? true },
    Config: configOf(options),
    MountPoints: mountPoints,
  };
  return {
    ...BASE_USERS,
    [`${dir}/config.v2.json`]: { content: JSON.stringify(config), mode: 0o600 },
    [`${dir}/hostconfig.json`]: { content: JSON.stringify(hostConfigOf({ ...options, binds })), mode: 0o600 },
    'srv/signer/signer-config.toml': { content: signerToml({ endpoint: '0.0.0.0:30000' }), mode: 0o600 },
    ...extra,
  };
}

/**
 * A compose deployment in /opt/stacks (compose.yaml, and compose.override.yaml when given) together with the engine's
 * record of the container `docker compose up` created from it, its labels naming the files it read: the two views
 * of one container, which can disagree.
 */
export function composedEngineHost(options: { compose: string; override?: string; engine: InspectOptions }): FileSpec {
  const configFiles = ['/opt/stacks/compose.yaml', ...(options.override ? ['/opt/stacks/compose.override.yaml'] : [])];
  return {
    ...engineStateHost({
      name: 'stacks-signer-1',
      binds: [['/opt/stacks/signer.toml', '/signer-config.toml', false]],
      labels: {
        'com.docker.compose.service': 'signer',
        'com.docker.compose.project.config_files': configFiles.join(','),
      },
      ...options.engine,
    }),
    'opt/stacks/compose.yaml': options.compose,
    ...(options.override ? { 'opt/stacks/compose.override.yaml': options.override } : {}),
    'opt/stacks/signer.toml': { content: signerToml({ endpoint: '0.0.0.0:30000' }), mode: 0o600 },
  };
}

/** The signer service as the Stacks docs write it, with the given extra lines (4-space indented). */
export function signerComposeFile(lines: string[] = []): string {
  return [
    'services:',
    '  signer:',
    '    image: ghcr.io/stacks-network/stacks-signer:4.0.2',
    ...lines,
    '    volumes:',
    '      - ./signer.toml:/signer-config.toml:ro',
    '',
  ].join('\n');
}
