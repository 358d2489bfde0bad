// What the binary controls share: where the signer's (or node's) binary is, its SHA-256 (computed once per run),
// and who besides root can replace a path.
import type { Role, Service } from '../../discovery/types.js';
import type { AuditContext } from '../../engine/context.js';
import type { Evidence } from '../../engine/types.js';
import { parseExecCommand } from '../../parsers/exec-command.js';
import type { UserDatabase } from '../../parsers/passwd.js';
import { TargetError } from '../../target/errors.js';
import type { FileStat, Target } from '../../target/types.js';
import { ancestors, type Principal, principalOf } from '../access/file-access.js';
import { at } from '../services/discovered-services.js';
import { serviceUser } from '../services/service-user.js';

export const BINARY_NAME: Record<Role, string> = { signer: 'stacks-signer', node: 'stacks-node' };

/**
 * Where systemd (≥ 239) looks up an ExecStart= program given by name (systemd.service(5) "COMMAND LINES"): the
 * compiled-in default PATH, /sbin and /bin last for split-/usr systems. Also where we look when no unit names one.
 */
export const EXEC_SEARCH_PATH: readonly string[] = [
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
];

export type BinaryLocation =
  | { status: 'found'; path: string; evidence: Evidence }
  /** Named (by a unit) but not in the target. */
  | { status: 'missing'; path: string; evidence: Evidence }
  | { status: 'container'; image: string | undefined; evidence: Evidence }
  | { status: 'unknown'; reason: string };

async function isFile(target: Target, path: string): Promise<boolean> {
  const stat = await target.stat(path).catch((error: unknown) => {
    if (error instanceof TargetError) return undefined;
    throw error;
  });
  return stat?.type === 'file';
}

async function searchPath(target: Target, name: string): Promise<string | undefined> {
  for (const dir of EXEC_SEARCH_PATH) {
    if (await isFile(target, `${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

/** The binary a discovered service runs: its unit's ExecStart program, else the first one on the search path. */
export async function locateBinary(target: Target, service: Service): Promise<BinaryLocation> {
  const name = BINARY_NAME[service.role];
  if (service.unit && service.binary) {
    const assignment = service.unit.effective
      .list('Service', 'ExecStart')
      .find((candidate) => parseExecCommand(candidate.value)?.path === service.binary);
    const evidence = (detail: string) => at(assignment?.file ?? service.unit?.path, assignment?.line, detail);
    if (service.binary.startsWith('/')) {
      return (await isFile(target, service.binary))
        ? { status: 'found', path: service.binary, evidence: evidence(`ExecStart runs ${service.binary}`) }
        : {
            status: 'missing',
            path: service.binary,
            evidence: evidence(`ExecStart runs ${service.binary}, which is not there`),
          };
    }
    const found = await searchPath(target, service.binary);
    return found
      ? {
          status: 'found',
          path: found,
          evidence: evidence(`ExecStart runs "${service.binary}", found by systemd at ${found}`),
        }
      : {
          status: 'missing',
          path: service.binary,
          evidence: evidence(`ExecStart runs "${service.binary}", in none of ${EXEC_SEARCH_PATH.join(', ')}`),
        };
  }
  if (service.container) {
    const { file, name: serviceName, image } = service.container;
    return {
      status: 'container',
      image,
      evidence: at(file, undefined, `service ${serviceName}: image ${image ?? '(none)'}`),
    };
  }
  const found = await searchPath(target, name);
  if (found)
    return {
      status: 'found',
      path: found,
      evidence: at(found, undefined, `no unit names the binary; ${found} is on the search path`),
    };
  return {
    status: 'unknown',
    reason: `no unit names the ${name} binary and none is in ${EXEC_SEARCH_PATH.join(', ')}`,
  };
}

const hashes = new WeakMap<AuditContext, Map<string, Promise<string>>>();

/** SHA-256 of a file in the target, computed once per audit run (several controls compare the same binary). */
export function fileSha256(ctx: AuditContext, path: string): Promise<string> {
  let perRun = hashes.get(ctx);
  if (!perRun) {
    perRun = new Map();
    hashes.set(ctx, perRun);
  }
  let digest = perRun.get(path);
  if (!digest) {
    digest = ctx.target.sha256(path);
    perRun.set(path, digest);
  }
  return digest;
}

export interface NamedPrincipal {
  /** "the signer user stacks-signer". */
  label: string;
  principal: Principal;
}

/** The account a service runs as, as a principal; undefined when unknown or a DynamicUser (it owns nothing). */
export async function servicePrincipal(ctx: AuditContext, service: Service): Promise<NamedPrincipal | undefined> {
  const user = await serviceUser(ctx, service);
  if (!user || user.dynamic || user.uid === undefined) return undefined;
  const users = await ctx.users();
  const principal = (user.name ? principalOf(users, user.name) : undefined) ?? {
    uid: user.uid,
    gids: new Set(user.gid === undefined ? [] : [user.gid]),
  };
  return { label: `the ${service.role} user ${user.name ?? `uid ${user.uid}`}`, principal };
}

export interface GoverningPath {
  path: string;
  stat: FileStat;
}

/**
 * The file and every directory whose owner or writers could replace it: the directories above the path as written
 * and above each symlink's destination (a link in /usr/local/bin is as safe as the directory it points into).
 * For a missing file, the directories down to the deepest one that exists.
 */
export async function governingPaths(target: Target, path: string): Promise<GoverningPath[]> {
  const found = new Map<string, FileStat>();
  const parts = path.split('/').filter(Boolean);
  for (let depth = 1; depth <= parts.length; depth += 1) {
    const prefix = `/${parts.slice(0, depth).join('/')}`;
    try {
      for (const entry of await ancestors(target, prefix)) found.set(entry.path, entry.stat);
      const canonical = await target.realpath(prefix);
      const stat = await target.stat(canonical);
      if (stat) found.set(canonical, stat);
    } catch (error) {
      if (error instanceof TargetError && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) break;
      throw error;
    }
  }
  // Code-unit order, as strcmp: the same under every locale, and no ICU collator to load (~6 ms at its first use).
  return [...found]
    .map(([entry, stat]) => ({ path: entry, stat }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Who, other than root, can replace or modify this path: its owner, and each principal or class with write access. */
export function writersOf(stat: FileStat, principals: readonly NamedPrincipal[], users: UserDatabase): string[] {
  const writers: string[] = [];
  if (stat.uid !== 0) writers.push(`its owner ${users.user(stat.uid)?.name ?? `uid ${stat.uid}`}`);
  for (const { label, principal } of principals) {
    if (principal.uid === stat.uid) continue; // named as the owner already
    if (principal.gids.has(stat.gid) && stat.mode & 0o020) {
      writers.push(`${label} (through group ${users.group(stat.gid)?.name ?? stat.gid})`);
    }
  }
  if (stat.mode & 0o002) writers.push('every user (world-writable)');
  return writers;
}
