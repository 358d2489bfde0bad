import { posix } from 'node:path';
import { mergeComposeDocuments } from '../parsers/compose-merge.js';
import { type PublishedPort, parseComposePorts } from '../parsers/container-ports.js';
import { appendAll } from '../parsers/lists.js';
import { TargetError } from '../target/errors.js';
import type { Target } from '../target/types.js';
import type { Role } from './role.js';

// Docker compose discovery (controls.md, discovery step 3): compose files up to three levels under opt/, srv/,
// home/*/ and root/, whose services run a Stacks image; their bind-mounted config files.

const COMPOSE_NAME = /^(docker-)?compose\.ya?ml$/;
/** The override compose reads over the base, first found in this order (compose-go's DefaultOverrideFileNames). */
const OVERRIDE_NAMES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
];
const SEARCH_DEPTH = 3;
const SIGNER_IMAGE = /stacks-signer/;
const NODE_IMAGE = /stacks-core|stacks-node|stacks-blockchain/;
/** The signer image's CMD reads this file (stacks-facts.md §5). */
const SIGNER_IMAGE_DEFAULT_CONFIG = '/signer-config.toml';

export interface ComposeMount {
  /** Host path (bind) or volume name. */
  source: string;
  target: string;
  readOnly: boolean;
  bind: boolean;
}

/** Where a container definition came from: a compose file, or the engine's record of a container. */
export type ContainerOrigin = 'compose' | 'engine-state' | 'inspect-file' | 'docker';

/**
 * A signer or node container, whatever described it: a compose service, the engine's on-disk state, a
 * `docker inspect` file or the live engine. Checks read these fields and don't care which.
 */
export interface ComposeService {
  origin: ContainerOrigin;
  /** The compose file, config.v2.json, the --docker-inspect file, or "docker inspect" for the live engine. */
  file: string;
  /** Every compose file merged into this service, base (`file`) first, when an override or a `-f` list added some. */
  mergedFrom?: string[];
  name: string;
  role: Role;
  image?: string;
  user?: string;
  command: string[];
  environment: Record<string, string>;
  envFiles: string[];
  mounts: ComposeMount[];
  ports: PublishedPort[];
  /** `network_mode` / `HostConfig.NetworkMode` ("host", "bridge", "service:x", ...); undefined: the project network. */
  networkMode?: string;
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  readOnlyRootfs: boolean;
  /** The service definition as written (after interpolation), or the engine's record, for checks that read more. */
  raw: Record<string, unknown>;
}

export interface ComposeDiscovery {
  services: ComposeService[];
  problems: string[];
  /** Compose files found that could not be read or parsed: a signer or node may be defined in them. */
  unreadable: string[];
}

/** Substitutes `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$VAR` and `$$` as compose does. */
export function interpolate(text: string, variables: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced, colon, fallback, bare) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare) as string;
      const value = variables[name];
      if (fallback !== undefined) {
        const unset = value === undefined || (colon === ':' && value === '');
        return unset ? (fallback as string) : value;
      }
      return value ?? '';
    },
  );
}

export function parseDotEnv(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    // The line is trimmed, and the value's leading blanks cut, outside the regex: `\s*(.*?)\s*$` tried every split of
    // a blank run between its three parts, cubic (2,000 blanks before a CR took 3 s, a 400 kB line 43 s; issue #18).
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(raw.trim());
    if (!match) continue;
    variables[match[1]!] = dotEnvValue(match[2]!.trimStart());
  }
  return variables;
}

/** A quoted value ends at its closing quote; an unquoted one at a ` #` comment, as compose reads `.env`. */
function dotEnvValue(text: string): string {
  const quoted = /^(['"])(.*?)\1\s*(?:#.*)?$/.exec(text);
  if (quoted) return quoted[2]!;
  // The comment starts at the first blank followed by `#`, with the blanks before it: one scan, where /\s+#.*$/
  // retried from every blank of a long run (quadratic, issue #18).
  const comment = /\s#/.exec(text);
  if (!comment) return text;
  let end = comment.index;
  while (end > 0 && /\s/.test(text[end - 1]!)) end -= 1;
  return text.slice(0, end);
}

function interpolateDeep(value: unknown, variables: Record<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, variables);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, variables));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateDeep(item, variables)]));
  }
  return value;
}

function asStringList(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  // Long-form entries ({ path, required }) are allowed for env_file.
  if (Array.isArray(value))
    return value.map((item) => (item && typeof item === 'object' && 'path' in item ? String(item.path) : String(item)));
  return [];
}

function environmentOf(value: unknown): Record<string, string> {
  if (Array.isArray(value)) {
    return Object.fromEntries(
      value.map(String).map((entry) => {
        const equals = entry.indexOf('=');
        return equals === -1 ? [entry, ''] : [entry.slice(0, equals), entry.slice(equals + 1)];
      }),
    );
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, item === null ? '' : String(item)]));
  }
  return {};
}

function mountsOf(value: unknown, composeDir: string): ComposeMount[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry): ComposeMount[] => {
    if (typeof entry === 'string') {
      const [source, target, mode] = entry.split(':');
      if (!source || !target) return [];
      const bind = source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
      return [
        {
          source: bind ? posix.resolve(composeDir, source) : source,
          target,
          readOnly: (mode ?? '').split(',').includes('ro'),
          bind,
        },
      ];
    }
    if (entry && typeof entry === 'object') {
      const long = entry as Record<string, unknown>;
      const source = String(long.source ?? '');
      const bind = long.type === 'bind';
      return [
        {
          source: bind ? posix.resolve(composeDir, source) : source,
          target: String(long.target ?? ''),
          readOnly: long.read_only === true,
          bind,
        },
      ];
    }
    return [];
  });
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

// An image reference as the engine takes one: [registry[:port]/]name[:tag][@algorithm:hex]. Anything else in an
// `image:` field (spaces, `=`, control bytes: a line pasted into it) is no image to run and is never printed.
const IMAGE_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,511}$/;

export function isImageReference(image: string): boolean {
  return IMAGE_REFERENCE.test(image) && !image.includes('//');
}

/** The Stacks role an image reference runs, if any; a text that is no image reference runs nothing. */
export function roleOfImage(image: string | undefined): Role | undefined {
  if (!image || !isImageReference(image)) return undefined;
  return roleOfText(image);
}

function roleOfText(image: string): Role | undefined {
  if (SIGNER_IMAGE.test(image)) return 'signer';
  if (NODE_IMAGE.test(image)) return 'node';
  return undefined;
}

/** The file lists compose reads on its own: each compose file found, then the override beside it. */
async function findComposeProjects(target: Target): Promise<string[][]> {
  const bases = ['/opt', '/srv', '/root'];
  try {
    for (const home of await target.readDir('/home')) bases.push(`/home/${home}`);
  } catch {
    // no /home
  }
  const projects: string[][] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries: { name: string; type: string }[];
    try {
      entries = await target.readDirEntries(dir);
    } catch {
      return;
    }
    const files = new Set(entries.filter((entry) => entry.type === 'file').map((entry) => entry.name));
    const override = OVERRIDE_NAMES.find((name) => files.has(name));
    for (const { name, type } of entries) {
      const path = `${dir}/${name}`;
      // A symlink (even a dangling one or a loop) is kept: reading it either works or is reported as unreadable.
      if ((type === 'file' || type === 'symlink') && COMPOSE_NAME.test(name))
        projects.push(override ? [path, `${dir}/${override}`] : [path]);
      else if (type === 'dir' && depth < SEARCH_DEPTH && name !== 'node_modules' && name !== '.git')
        await walk(path, depth + 1);
    }
  };
  for (const base of bases) await walk(base, 0);
  return projects;
}

/** The host file a container reads as its config: the bind mount covering the container-side path. */
export function hostPathOfMount(mounts: readonly ComposeMount[], containerPath: string): string | undefined {
  const covering = mounts
    .filter(
      (mount) =>
        mount.bind &&
        (containerPath === mount.target || containerPath.startsWith(`${mount.target.replace(/\/$/, '')}/`)),
    )
    .sort((a, b) => b.target.length - a.target.length)[0];
  if (!covering) return undefined;
  return posix.join(covering.source, containerPath.slice(covering.target.length));
}

export function containerConfigPath(service: ComposeService): string | undefined {
  const index = service.command.findIndex((arg) => arg === '--config' || arg === '-c');
  if (index !== -1) return service.command[index + 1];
  const inline = service.command.find((arg) => arg.startsWith('--config='));
  if (inline) return inline.slice('--config='.length);
  return service.role === 'signer' ? SIGNER_IMAGE_DEFAULT_CONFIG : undefined;
}

/**
 * Where and why a compose file could not be read, without quoting it: YAML messages can carry document text (an
 * alias name), and the file may hold secrets.
 */
function composeError(path: string, error: unknown): { where: string; reason: string } {
  if (error instanceof TargetError) {
    const prefix = `${path}: `;
    return {
      where: path,
      reason: error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message,
    };
  }
  const { code, linePos } = error as { code?: unknown; linePos?: { line: number; col: number }[] };
  const at = linePos?.[0];
  if (typeof code === 'string' && at) {
    return { where: `${path}:${at.line}:${at.col}`, reason: `YAML ${code.toLowerCase().replace(/_/g, ' ')}` };
  }
  // The library throws a ReferenceError for an undefined or runaway alias.
  return { where: path, reason: error instanceof ReferenceError ? 'YAML alias error' : 'not valid YAML' };
}

/**
 * Every compose project on the target: each compose file found with the override beside it, merged as compose merges
 * them, and the file lists containers were created from (`com.docker.compose.project.config_files`) when one names a
 * file the search did not find (`-f prod.yaml`, a directory outside the search).
 */
export async function discoverCompose(
  target: Target,
  labelledProjects: readonly (readonly string[])[] = [],
): Promise<ComposeDiscovery> {
  const services: ComposeService[] = [];
  const problems: string[] = [];
  const unreadable: string[] = [];
  const projects = await findComposeProjects(target);
  const covered = new Set(projects.flat());
  const labelled = new Set<string>();
  for (const files of labelledProjects) {
    const normalised = files.map((file) => posix.normalize(file)).filter((file) => file.startsWith('/'));
    const key = normalised.join('\n');
    if (normalised.length === 0 || labelled.has(key) || normalised.every((file) => covered.has(file))) continue;
    labelled.add(key);
    projects.push(normalised);
  }
  if (projects.length === 0) return { services, problems, unreadable };
  // The YAML parser is the largest module we load: only when there is a compose file to read.
  const { COMPOSE_LIMITS, parseComposeYaml } = await import('../parsers/compose-yaml.js');
  for (const files of projects) {
    const file = files[0]!;
    // Relative paths in every file of a project resolve against the first file's directory, as do .env and the project.
    const dir = posix.dirname(file);
    const variables = parseDotEnv(await target.readText(`${dir}/.env`).catch(() => ''));
    const documents: unknown[] = [];
    const read: string[] = [];
    for (const path of files) {
      try {
        documents.push(parseComposeYaml(await target.readText(path, { maxBytes: COMPOSE_LIMITS.maxBytes })));
        read.push(path);
      } catch (error) {
        const role = path === file ? '' : ` (merged over ${file})`;
        const { where, reason } = composeError(path, error);
        unreadable.push(`compose file ${where}${role} could not be read or parsed: ${reason}`);
        // Without its base an override is a fragment: nothing to audit.
        if (path === file) break;
      }
    }
    if (read[0] !== file) continue;
    const definitions = mergeComposeDocuments(documents).services;
    if (!definitions || typeof definitions !== 'object') continue;
    for (const [name, definition] of Object.entries(definitions as Record<string, unknown>)) {
      if (!definition || typeof definition !== 'object') continue;
      const raw = interpolateDeep(definition, variables) as Record<string, unknown>;
      const image = typeof raw.image === 'string' ? raw.image : undefined;
      const role = roleOfImage(image);
      if (!role) {
        // Named like a Stacks image but no reference the engine would run: said, never quoted (it may hold anything).
        if (image !== undefined && !isImageReference(image) && roleOfText(image)) {
          problems.push(`${read.join(' + ')}: service ${name}: its image is not an image reference; not audited`);
        }
        continue;
      }
      const ports = parseComposePorts(raw.ports);
      appendAll(
        problems,
        ports.problems.map((problem) => `${read.join(' + ')}: service ${name}: ${problem}`),
      );
      services.push({
        origin: 'compose',
        file,
        ...(read.length > 1 ? { mergedFrom: read } : {}),
        name,
        role,
        ...(image ? { image } : {}),
        ...(raw.user !== undefined ? { user: String(raw.user) } : {}),
        command: asStringList(raw.command),
        environment: environmentOf(raw.environment),
        envFiles: asStringList(raw.env_file).map((envFile) => posix.resolve(dir, envFile)),
        mounts: mountsOf(raw.volumes, dir),
        ports: ports.ports,
        ...(typeof raw.network_mode === 'string' ? { networkMode: raw.network_mode } : {}),
        privileged: isTrue(raw.privileged),
        capAdd: stringList(raw.cap_add),
        capDrop: stringList(raw.cap_drop),
        securityOpt: stringList(raw.security_opt),
        readOnlyRootfs: isTrue(raw.read_only),
        raw,
      });
    }
  }
  return { services, problems, unreadable };
}
