// The owner and mode harden wants for a directory above a secret or a binary, decided from its current stat. Pure.
import { permits } from '../../facts/access/file-access.js';
import type { FileStat } from '../../target/types.js';

/**
 * Directories the distribution owns: harden never changes their owner or mode (a `chmod go-w /tmp` would break the
 * host), it only says what is wrong with them.
 */
const SYSTEM_DIRECTORIES = new Set([
  '/',
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib64',
  '/media',
  '/mnt',
  '/opt',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/srv',
  '/sys',
  '/tmp',
  '/usr',
  '/usr/bin',
  '/usr/lib',
  '/usr/lib64',
  '/usr/libexec',
  '/usr/local',
  '/usr/local/bin',
  '/usr/local/lib',
  '/usr/local/sbin',
  '/usr/sbin',
  '/usr/share',
  '/var',
  '/var/cache',
  '/var/lib',
  '/var/local',
  '/var/log',
  '/var/opt',
  '/var/tmp',
]);

export function isSystemDirectory(path: string): boolean {
  return SYSTEM_DIRECTORIES.has(path);
}

/** The account the service runs as after hardening, for the search check (a new account has only its own group). */
export interface ServicePrincipal {
  uid: number;
  gids: ReadonlySet<number>;
}

export interface Attributes {
  mode: number;
  uid: number;
  gid: number;
}

/**
 * A directory above a service's file: not writable by group or others, owned by root unless the service itself owns
 * it (the config checks accept that), and still searchable by the service (else it could not reach its own file).
 */
export function safeDirectory(stat: FileStat, service: ServicePrincipal | undefined): Attributes {
  let mode = stat.mode & 0o7777 & ~0o022;
  const keepOwner = stat.uid === 0 || (service !== undefined && stat.uid === service.uid);
  const uid = keepOwner ? stat.uid : 0;
  const gid = keepOwner ? stat.gid : 0;
  if (service && !permits({ ...stat, mode, uid, gid }, service, 'search')) mode |= 0o001;
  return { mode, uid, gid };
}

/** A directory above a binary: root:root, no group/other write, searchable by the services that run it. */
export function rootDirectory(stat: FileStat, services: readonly ServicePrincipal[]): Attributes {
  let mode = stat.mode & 0o7777 & ~0o022;
  const next = { ...stat, mode, uid: 0, gid: 0 };
  if (services.some((service) => !permits(next, service, 'search'))) mode |= 0o001;
  return { mode, uid: 0, gid: 0 };
}

/** What is wrong with a system directory that harden leaves alone; undefined when nothing is. */
export function systemDirectoryProblem(path: string, stat: FileStat): string | undefined {
  const problems = [
    stat.uid !== 0 && `owned by uid ${stat.uid}`,
    (stat.mode & 0o020) !== 0 && 'group-writable',
    (stat.mode & 0o002) !== 0 && 'world-writable',
  ].filter(Boolean);
  return problems.length > 0 ? `${path} is ${problems.join(', ')}` : undefined;
}

export function sameAttributes(stat: FileStat, wanted: Attributes): boolean {
  return (stat.mode & 0o7777) === wanted.mode && stat.uid === wanted.uid && stat.gid === wanted.gid;
}
