// A container as the Docker engine records it: `docker inspect` output (https://docs.docker.com/reference/cli/docker/inspect/)
// or the engine's own state on disk, /var/lib/docker/containers/<id>/config.v2.json with hostconfig.json beside it
// (moby container.Container and container.HostConfig). Pure: parsed JSON in, the settings the controls read out.

import { type PublishedPort, parsePortBindings, publishAllExposed } from './container-ports.js';
import { appendAll } from './lists.js';

export interface InspectMount {
  source: string;
  target: string;
  readOnly: boolean;
  bind: boolean;
}

export interface InspectedContainer {
  id: string;
  name: string;
  image?: string;
  /** `Config.User` as set; "" when the image's default (root for the Stacks images). */
  user: string;
  command: string[];
  environment: Record<string, string>;
  mounts: InspectMount[];
  ports: PublishedPort[];
  networkMode?: string;
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  readOnlyRootfs: boolean;
  running: boolean;
  /** Set by compose (`com.docker.compose.service`, `...project.config_files`): the same container as a compose service. */
  composeService?: string;
  composeFiles: string[];
}

type Json = Record<string, unknown>;

function object(value: unknown): Json {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function environmentOf(env: unknown): Record<string, string> {
  return Object.fromEntries(
    strings(env).map((entry) => {
      const equals = entry.indexOf('=');
      return equals === -1 ? [entry, ''] : [entry.slice(0, equals), entry.slice(equals + 1)];
    }),
  );
}

/** `host-src:container-dest[:options]`: a bind when the source is a path, else a named volume. */
function bindOf(entry: string): InspectMount | undefined {
  const [source, target, options = ''] = entry.split(':');
  if (!source || !target) return undefined;
  return { source, target, readOnly: options.split(',').includes('ro'), bind: source.startsWith('/') };
}

/**
 * Mounts from the richest field present: inspect's `Mounts` array, config.v2.json's `MountPoints` map, then the
 * request as made (`HostConfig.Binds` strings and `HostConfig.Mounts` specs).
 */
function mountsOf(container: Json, hostConfig: Json): InspectMount[] {
  const recorded = Array.isArray(container.Mounts)
    ? container.Mounts.map(object)
    : Object.values(object(container.MountPoints)).map(object);
  if (recorded.length > 0) {
    return recorded.flatMap((mount) => {
      const target = text(mount.Destination);
      if (!target) return [];
      const type = text(mount.Type) ?? (text(mount.Name) ? 'volume' : 'bind');
      return [{ source: text(mount.Source) ?? '', target, readOnly: mount.RW === false, bind: type === 'bind' }];
    });
  }
  const binds = strings(hostConfig.Binds).flatMap((entry) => bindOf(entry) ?? []);
  const specs = (Array.isArray(hostConfig.Mounts) ? hostConfig.Mounts : []).map(object).flatMap((spec) => {
    const target = text(spec.Target);
    if (!target) return [];
    return [{ source: text(spec.Source) ?? '', target, readOnly: spec.ReadOnly === true, bind: spec.Type === 'bind' }];
  });
  return [...binds, ...specs];
}

/**
 * One container. `hostConfig` is given separately for the on-disk state (hostconfig.json); `docker inspect`
 * embeds it as `HostConfig`. Undefined when the value is not a container record at all.
 */
export function readInspectedContainer(value: unknown, separateHostConfig?: unknown): InspectedContainer | undefined {
  const container = object(value);
  const config = object(container.Config);
  if (Object.keys(config).length === 0) return undefined;
  const hostConfig = object(separateHostConfig ?? container.HostConfig);
  const labels = object(config.Labels);
  const path = text(container.Path);
  const command = path ? [path, ...strings(container.Args)] : [...strings(config.Entrypoint), ...strings(config.Cmd)];
  const ports = parsePortBindings(hostConfig.PortBindings);
  if (hostConfig.PublishAllPorts === true) appendAll(ports, publishAllExposed(config.ExposedPorts));
  const composeService = text(labels['com.docker.compose.service']);
  const configFiles = text(labels['com.docker.compose.project.config_files']);
  const networkMode = text(hostConfig.NetworkMode);
  const image = text(config.Image);
  return {
    id: text(container.ID) ?? text(container.Id) ?? '',
    name: (text(container.Name) ?? '').replace(/^\//, ''),
    ...(image ? { image } : {}),
    user: text(config.User) ?? '',
    command,
    environment: environmentOf(config.Env),
    mounts: mountsOf(container, hostConfig),
    ports,
    ...(networkMode ? { networkMode } : {}),
    privileged: hostConfig.Privileged === true,
    capAdd: strings(hostConfig.CapAdd),
    capDrop: strings(hostConfig.CapDrop),
    securityOpt: strings(hostConfig.SecurityOpt),
    readOnlyRootfs: hostConfig.ReadonlyRootfs === true,
    running: object(container.State).Running === true,
    ...(composeService ? { composeService } : {}),
    composeFiles: configFiles ? configFiles.split(',').filter(Boolean) : [],
  };
}
