// Containers the Docker engine knows, beside compose files: the engine's on-disk state (what a disk image of a docker
// host holds), a `docker inspect` file given with --docker-inspect, and, live, `docker inspect $(docker ps -q)`.
// Each becomes the same ComposeService model, so the checks don't care where a container came from. A container
// compose created is kept beside its compose service: the engine's record is what runs (an override, a file edited
// since `up`), the compose file what will run next; checks judge both.
import { posix } from 'node:path';
import { type InspectedContainer, readInspectedContainer } from '../parsers/docker-inspect.js';
import { appendAll } from '../parsers/lists.js';
import { jsonOverLimits, limitMessage, PARSE_LIMITS } from '../parsers/parse-limits.js';
import type { Target } from '../target/types.js';
import { type ComposeService, type ContainerOrigin, roleOfImage } from './compose.js';

export const ENGINE_STATE_DIR = '/var/lib/docker/containers';
const DOCKER_TIMEOUT_MS = 3000;

/** The parsed output of `docker inspect` (a JSON array), read by the CLI from the auditing machine. */
export interface DockerInspectInput {
  source: string;
  records: unknown[];
}

export interface ContainerDiscovery {
  services: ComposeService[];
  notes: string[];
}

function toService(container: InspectedContainer, origin: ContainerOrigin, file: string): ComposeService | undefined {
  const role = roleOfImage(container.image);
  if (!role) return undefined;
  return {
    origin,
    file,
    name: container.name || container.id.slice(0, 12),
    role,
    ...(container.image ? { image: container.image } : {}),
    ...(container.user.trim() ? { user: container.user } : {}),
    command: container.command,
    environment: container.environment,
    envFiles: [],
    mounts: container.mounts.map((mount) => ({
      ...mount,
      source: mount.bind ? posix.normalize(mount.source) : mount.source,
    })),
    ports: container.ports,
    ...(container.networkMode ? { networkMode: container.networkMode } : {}),
    privileged: container.privileged,
    capAdd: container.capAdd,
    capDrop: container.capDrop,
    securityOpt: container.securityOpt,
    readOnlyRootfs: container.readOnlyRootfs,
    raw: {
      id: container.id,
      running: container.running,
      ...(container.composeService ? { composeService: container.composeService } : {}),
      composeFiles: container.composeFiles,
    },
  };
}

/** The value, or undefined for text that is not JSON or is over a parse limit (which becomes a note naming it). */
function parseJson(text: string, file: string, notes: string[]): unknown {
  const overLimit = jsonOverLimits(text, PARSE_LIMITS.dockerInspect);
  if (overLimit) {
    notes.push(limitMessage(file, overLimit));
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** config.v2.json + hostconfig.json of every container directory; a broken one is a note, never an error. */
async function fromEngineState(target: Target, notes: string[]): Promise<ComposeService[]> {
  let ids: string[];
  try {
    ids = await target.readDir(ENGINE_STATE_DIR);
  } catch {
    return [];
  }
  const services: ComposeService[] = [];
  for (const id of ids) {
    const file = `${ENGINE_STATE_DIR}/${id}/config.v2.json`;
    const configText = await target.readText(file).catch(() => undefined);
    if (configText === undefined) continue;
    const hostConfigFile = `${ENGINE_STATE_DIR}/${id}/hostconfig.json`;
    const hostConfig = parseJson(
      (await target.readText(hostConfigFile).catch(() => undefined)) ?? '{}',
      hostConfigFile,
      notes,
    );
    const container = readInspectedContainer(parseJson(configText, file, notes), hostConfig);
    if (!container) {
      notes.push(`${file}: not a container record (not JSON, or no Config)`);
      continue;
    }
    const service = toService(container, 'engine-state', file);
    if (service) services.push(service);
  }
  return services;
}

function fromInspectRecords(records: readonly unknown[], origin: ContainerOrigin, file: string, notes: string[]) {
  const services: ComposeService[] = [];
  records.forEach((record, index) => {
    const container = readInspectedContainer(record);
    if (!container) {
      notes.push(`${file}: entry ${index} is not a container (no Config)`);
      return;
    }
    const service = toService(container, origin, file);
    if (service) services.push(service);
  });
  return services;
}

/** Live: the running containers as the engine reports them. No docker CLI: nothing; no engine: a note. */
async function fromLiveEngine(target: Target, notes: string[]): Promise<ComposeService[] | undefined> {
  const firstLine = (text: string) => text.trim().split('\n')[0] ?? '';
  let ps: Awaited<ReturnType<Target['run']>>;
  try {
    ps = await target.run('docker', ['ps', '--quiet', '--no-trunc'], { timeoutMs: DOCKER_TIMEOUT_MS });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!/not installed/.test(message)) notes.push(`docker ps: ${message}; running containers not examined`);
    return undefined;
  }
  if (ps.code !== 0) {
    notes.push(`docker ps failed (${firstLine(ps.stderr) || `exit ${ps.code}`}); running containers not examined`);
    return undefined;
  }
  const ids = ps.stdout.split('\n').filter((id) => /^[0-9a-f]{12,64}$/.test(id.trim()));
  if (ids.length === 0) return [];
  const inspect = await target
    .run('docker', ['inspect', ...ids], { timeoutMs: DOCKER_TIMEOUT_MS })
    .catch(() => undefined);
  const records = inspect?.code === 0 ? parseJson(inspect.stdout, 'docker inspect', notes) : undefined;
  if (!Array.isArray(records)) {
    notes.push('docker inspect gave no JSON array; running containers not examined');
    return undefined;
  }
  return fromInspectRecords(records, 'docker', 'docker inspect', notes);
}

/** The compose file lists the containers were created from (their `config_files` label), for compose discovery. */
export function composeFileListsOf(services: readonly ComposeService[]): string[][] {
  return services
    .map((service) => (service.raw as { composeFiles?: string[] }).composeFiles ?? [])
    .filter((files) => files.length > 0);
}

export async function discoverContainers(
  target: Target,
  inspectInput: DockerInspectInput | undefined,
): Promise<ContainerDiscovery> {
  const notes: string[] = [];
  const found: ComposeService[] = [];
  if (inspectInput) {
    appendAll(found, fromInspectRecords(inspectInput.records, 'inspect-file', inspectInput.source, notes));
  }
  const live = target.live ? await fromLiveEngine(target, notes) : undefined;
  // With the engine answering, its live view is the truth; otherwise read what it would start again from disk.
  appendAll(found, live ?? (await fromEngineState(target, notes)));
  const isRunning = (service: ComposeService) => (service.raw as { running?: boolean }).running === true;
  const seen = new Set<string>();
  const services = found.filter((service) => {
    const id = (service.raw as { id?: string }).id;
    if (!id) return true;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  // Running containers first: they are the ones the audit is about when several describe the same role.
  services.sort((a, b) => Number(isRunning(b)) - Number(isRunning(a)));
  return { services, notes };
}
