// The account a signer or node runs as, seen the way the identity controls need it: with the groups the unit adds,
// the container's own user rules, and the credentials its process has on the host's files.
import type { Service } from '../../discovery/types.js';
import type { AuditContext } from '../../engine/context.js';
import type { Evidence } from '../../engine/types.js';
import type { UserDatabase } from '../../parsers/passwd.js';
import type { Principal } from '../access/file-access.js';
import { at } from '../services/discovered-services.js';
import { type ServiceUser, serviceUser } from '../services/service-user.js';

/** A compose `user:` value: `uid[:gid]` or `name[:group]`; empty or unset means root. */
export interface ContainerUser {
  written: string;
  root: boolean;
  uid?: number;
  gid?: number;
  /** A name, resolved by the image's own /etc/passwd (which the target doesn't show us). */
  name?: string;
}

export function parseContainerUser(written: string | undefined): ContainerUser {
  const text = (written ?? '').trim();
  if (text === '') return { written: text, root: true, uid: 0, gid: 0 };
  const [user = '', group] = text.split(':');
  const gid = group !== undefined && /^\d+$/.test(group) ? Number(group) : undefined;
  if (/^\d+$/.test(user)) {
    const uid = Number(user);
    return { written: text, root: uid === 0, uid, ...(gid !== undefined ? { gid } : {}) };
  }
  return {
    written: text,
    root: user === 'root',
    name: user,
    ...(user === 'root' ? { uid: 0 } : {}),
    ...(gid !== undefined ? { gid } : {}),
  };
}

/** A group the process holds, and what grants it. */
export interface HeldGroup {
  name: string;
  gid: number | undefined;
  evidence: Evidence;
}

/** Groups a unit gives its process whatever /etc/group says: `Group=` (primary) and `SupplementaryGroups=`. */
export function unitGroups(users: UserDatabase, service: Service): HeldGroup[] {
  const unit = service.unit?.effective;
  if (!unit) return [];
  const held: HeldGroup[] = [];
  const group = unit.get('Service', 'Group');
  if (group)
    held.push({
      name: users.group(group.value)?.name ?? group.value,
      gid: users.group(group.value)?.gid,
      evidence: at(group.file, group.line, `Group=${group.value}`),
    });
  for (const assignment of unit.list('Service', 'SupplementaryGroups')) {
    for (const name of assignment.value.split(/\s+/).filter(Boolean)) {
      const entry = users.group(name);
      held.push({
        name: entry?.name ?? name,
        gid: entry?.gid,
        evidence: at(assignment.file, assignment.line, `SupplementaryGroups=${assignment.value}`),
      });
    }
  }
  return held;
}

/** Every group a host account holds: its passwd primary group, /etc/group memberships, and the unit's additions. */
export function heldGroups(users: UserDatabase, service: Service, account: ServiceUser): HeldGroup[] {
  const held: HeldGroup[] = [];
  const entry = account.name !== undefined && account.source !== 'container' ? users.user(account.name) : undefined;
  if (entry) {
    const primary = users.group(entry.gid);
    held.push({
      name: primary?.name ?? `gid ${entry.gid}`,
      gid: entry.gid,
      evidence: at('/etc/passwd', entry.line, `${entry.name}: primary group ${primary?.name ?? entry.gid}`),
    });
    for (const group of users.groups) {
      if (group.members.includes(entry.name)) {
        held.push({
          name: group.name,
          gid: group.gid,
          evidence: at('/etc/group', group.line, `${group.name}: member ${entry.name}`),
        });
      }
    }
  }
  return [...held, ...unitGroups(users, service)];
}

/**
 * The account of a service. Units and processes follow serviceUser(); a container's `user:` is read as Docker
 * reads it (names belong to the image's passwd, not the host's).
 */
export async function serviceAccount(ctx: AuditContext, service: Service): Promise<ServiceUser | undefined> {
  if (service.unit || !service.container) return serviceUser(ctx, service);
  const { file, name, user } = service.container;
  const parsed = parseContainerUser(user);
  const detail = user?.trim()
    ? `service ${name}: user: ${user}`
    : `service ${name}: no user: (the official image runs as root)`;
  return {
    name: parsed.root ? 'root' : (parsed.name ?? `uid ${parsed.uid}`),
    uid: parsed.uid,
    gid: parsed.gid,
    isRoot: parsed.root,
    dynamic: false,
    source: 'container',
    evidence: at(file, undefined, detail),
  };
}

/** How an account is named in messages. */
export function describeAccount(account: ServiceUser, service: Service): string {
  if (account.dynamic)
    return account.name ? `dynamic user ${account.name}` : `a DynamicUser of ${service.unit?.name ?? 'its unit'}`;
  if (account.isRoot) return 'root';
  if (account.name !== undefined && account.uid !== undefined && account.name !== `uid ${account.uid}`)
    return `${account.name} (uid ${account.uid})`;
  return account.name ?? `uid ${account.uid}`;
}

/**
 * Whether two services run as one account: by uid when both are known, else by name. A DynamicUser without a
 * name is allocated per unit, so it is never shared; one with a name is shared by every unit using that name.
 */
export function sameAccount(a: ServiceUser, b: ServiceUser): boolean {
  if (a.isRoot || b.isRoot) return a.isRoot && b.isRoot;
  if (a.dynamic !== b.dynamic) return false;
  if (a.dynamic) return a.name !== undefined && a.name === b.name;
  if (a.uid !== undefined && b.uid !== undefined) return a.uid === b.uid;
  return a.name !== undefined && a.name === b.name;
}

/** The primary group id the process runs with: unit `Group=` wins over passwd. */
export function primaryGid(users: UserDatabase, service: Service, account: ServiceUser): number | undefined {
  const group = service.unit?.effective.get('Service', 'Group');
  if (group) return users.group(group.value)?.gid;
  return account.gid;
}

/** The credentials the service's process has on host files; undefined when the target can't tell. */
export function servicePrincipal(users: UserDatabase, service: Service, account: ServiceUser): Principal | undefined {
  if (account.isRoot) return { uid: 0, gids: new Set([0]) };
  const extra = unitGroups(users, service)
    .map((group) => group.gid)
    .filter((gid): gid is number => gid !== undefined);
  // A transient uid owns no file at rest: only its groups and the "other" bits count.
  if (account.dynamic) return { uid: -1, gids: new Set(extra) };
  if (account.uid === undefined) return undefined;
  if (account.source === 'container') {
    // Docker gives a uid the image's passwd doesn't know gid 0; the official images know only root.
    return { uid: account.uid, gids: new Set([account.gid ?? 0]) };
  }
  const entry = users.user(account.uid);
  const gids = new Set<number>(extra);
  const primary = primaryGid(users, service, account);
  if (primary !== undefined) gids.add(primary);
  if (entry) for (const group of users.groupsOf(entry.name)) gids.add(group.gid);
  return { uid: account.uid, gids };
}
