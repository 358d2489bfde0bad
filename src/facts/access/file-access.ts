import type { UserDatabase } from '../../parsers/passwd.js';
import type { FileStat, Target } from '../../target/types.js';

// POSIX permission evaluation as the kernel does it for a non-root process: the owner class if the uid owns
// the file, else the group class if one of its groups owns it, else other. ACLs and capabilities are not seen.

export interface Principal {
  uid: number;
  gids: ReadonlySet<number>;
}

export function principalOf(users: UserDatabase, name: string): Principal | undefined {
  const entry = users.user(name);
  if (!entry) return undefined;
  return { uid: entry.uid, gids: new Set([entry.gid, ...users.groupsOf(entry.name).map((group) => group.gid)]) };
}

type Want = 'read' | 'write' | 'search';
const BITS: Record<Want, number> = { read: 4, write: 2, search: 1 };

export function permits(stat: FileStat, principal: Principal, want: Want): boolean {
  if (principal.uid === 0) return true;
  const bit = BITS[want];
  if (stat.uid === principal.uid) return ((stat.mode >> 6) & bit) !== 0;
  if (principal.gids.has(stat.gid)) return ((stat.mode >> 3) & bit) !== 0;
  return (stat.mode & bit) !== 0;
}

/** Can the principal read (or write) the file, counting search permission on every directory above it? */
export async function canAccess(
  target: Target,
  principal: Principal,
  path: string,
  want: 'read' | 'write',
): Promise<boolean> {
  const canonical = await target.realpath(path);
  const parts = canonical.split('/').filter(Boolean);
  for (let depth = 0; depth < parts.length; depth += 1) {
    const dir = `/${parts.slice(0, depth).join('/')}`;
    const stat = await target.stat(dir);
    if (!stat || !permits(stat, principal, 'search')) return false;
  }
  const stat = await target.stat(canonical);
  return stat !== undefined && permits(stat, principal, want);
}

/** Every directory from the root down to the file's parent, with its stat. */
export async function ancestors(target: Target, path: string): Promise<{ path: string; stat: FileStat }[]> {
  const canonical = await target.realpath(path);
  const parts = canonical.split('/').filter(Boolean);
  const result: { path: string; stat: FileStat }[] = [];
  for (let depth = 0; depth < parts.length; depth += 1) {
    const dir = `/${parts.slice(0, depth).join('/')}`;
    const stat = await target.stat(dir);
    if (stat) result.push({ path: dir, stat });
  }
  return result;
}
