// Which account each service runs as after hardening: the current one when it is a dedicated unprivileged account,
// else a new system account, allocated the way `useradd --system` does (highest free id in SYS_UID_MIN..SYS_UID_MAX).

import type { Service } from '../discovery/types.js';
import { type LoadedUnit, loadUnits } from '../discovery/units.js';
import type { AuditContext } from '../engine/context.js';
import { grantCovers, PRIVILEGED_GROUPS } from '../facts/accounts/privileges.js';
import { sameAccount } from '../facts/accounts/service-accounts.js';
import { facts } from '../facts/index.js';
import type { ServiceUser } from '../facts/services/service-user.js';
import { appendAll } from '../parsers/lists.js';
import type { UserDatabase } from '../parsers/passwd.js';
import type { ServiceAccount } from './types.js';

const NON_LOGIN_SHELLS = new Set(['nologin', 'false']);
const AUTHORIZED_KEY_FILES = ['authorized_keys', 'authorized_keys2'];

/** nobody/nogroup (Debian, Fedora, Arch): the kernel's overflow id, never an account of one service. */
const NOBODY_UID = 65534;
/** Accounts named for the stacks services (or harden's fallback names) are ours even below SYS_UID_MIN. */
const OWN_ACCOUNT_NAME = /^_?stacks/;

const unitsByContext = new WeakMap<AuditContext, Promise<LoadedUnit[]>>();

/** The other loaded units whose User= names this account (by name or uid). */
async function unitsRunningAs(
  ctx: AuditContext,
  name: string,
  uid: number,
  ownUnits: readonly string[],
): Promise<string[]> {
  let units = unitsByContext.get(ctx);
  if (!units) {
    units = loadUnits(ctx.target);
    unitsByContext.set(ctx, units);
  }
  return (await units)
    .filter((unit) => unit.loaded && !ownUnits.includes(unit.name))
    .filter((unit) => {
      const user = unit.effective.get('Service', 'User')?.value.trim();
      return user !== undefined && (user === name || user === String(uid));
    })
    .map((unit) => unit.name)
    .sort();
}

/** useradd(8)'s defaults when etc/login.defs does not set them. */
const DEFAULT_SYSTEM_IDS = { min: 100, max: 999 };

/**
 * Why an existing account is unfit to run a signer or node; empty when it is fine. The unit's own Group= and
 * SupplementaryGroups= are not counted: the hardening drop-in resets them.
 */
export async function accountUnfitness(
  ctx: AuditContext,
  account: ServiceUser,
  ownUnits: readonly string[] = [],
): Promise<string[]> {
  if (account.isRoot) return ['it runs as root'];
  if (account.dynamic) return ['a DynamicUser owns no file at rest, so its config cannot be given to it'];
  const users = await ctx.users();
  const entry = account.uid === undefined ? undefined : users.user(account.uid);
  if (!entry) return [`its user ${account.name ?? '?'} is not in /etc/passwd`];
  const reasons: string[] = [];
  appendAll(reasons, await sharedAccountReasons(ctx, entry, ownUnits));
  const groups = users.groupsOf(entry.name).map((group) => ({ name: group.name, gid: group.gid }));
  for (const group of groups) {
    if (PRIVILEGED_GROUPS[group.name] !== undefined) reasons.push(`${entry.name} is in group ${group.name}`);
  }
  const held = groups.map((group) => ({ ...group, evidence: { detail: '' } }));
  const sudoers = await ctx.sudoers();
  if (sudoers.grants.some((grant) => grantCovers(grant.principal, { name: entry.name, uid: entry.uid }, held)))
    reasons.push(`a sudoers rule covers ${entry.name}`);
  const shell = entry.shell || '/bin/sh';
  if (!NON_LOGIN_SHELLS.has(shell.slice(shell.lastIndexOf('/') + 1)))
    reasons.push(`${entry.name} has the login shell ${shell}`);
  const sshDir = `${entry.home.replace(/\/+$/, '')}/.ssh`;
  for (const file of AUTHORIZED_KEY_FILES) {
    const stat = await ctx.target.lstat(`${sshDir}/${file}`).catch(() => undefined);
    if (stat && stat.size > 0) reasons.push(`${entry.name} has SSH keys in ${sshDir}/${file}`);
  }
  return reasons;
}

/**
 * Why other software may run as this account: nobody, a distribution account below SYS_UID_MIN (www-data, daemon),
 * or another unit's User=. Whatever else runs as it could read the key or replace the database.
 */
export async function sharedAccountReasons(
  ctx: AuditContext,
  entry: { name: string; uid: number },
  ownUnits: readonly string[],
): Promise<string[]> {
  const reasons: string[] = [];
  if (entry.uid === NOBODY_UID)
    reasons.push(
      `${entry.name} (uid ${NOBODY_UID}) is the overflow account every unmapped owner and many daemons share`,
    );
  else {
    const range = await systemIdRange(ctx);
    if (entry.uid < range.uid.min && !OWN_ACCOUNT_NAME.test(entry.name))
      reasons.push(
        `${entry.name} (uid ${entry.uid}, below SYS_UID_MIN ${range.uid.min}) is a distribution account other software runs as`,
      );
  }
  const others = await unitsRunningAs(ctx, entry.name, entry.uid, ownUnits);
  if (others.length > 0)
    reasons.push(`${others.join(', ')} also ${others.length === 1 ? 'runs' : 'run'} as ${entry.name}`);
  return reasons;
}

/** SYS_UID_MIN/MAX and SYS_GID_MIN/MAX of the target's etc/login.defs. */
export async function systemIdRange(ctx: AuditContext): Promise<{ uid: Range; gid: Range }> {
  const text = await ctx.target.readText('/etc/login.defs').catch(() => '');
  const value = (key: string, fallback: number) => {
    const match = new RegExp(`^\\s*${key}\\s+(\\d+)\\s*$`, 'm').exec(text);
    return match ? Number(match[1]) : fallback;
  };
  return {
    uid: { min: value('SYS_UID_MIN', DEFAULT_SYSTEM_IDS.min), max: value('SYS_UID_MAX', DEFAULT_SYSTEM_IDS.max) },
    gid: { min: value('SYS_GID_MIN', DEFAULT_SYSTEM_IDS.min), max: value('SYS_GID_MAX', DEFAULT_SYSTEM_IDS.max) },
  };
}

export interface Range {
  min: number;
  max: number;
}

/**
 * The highest id free as both a uid and a gid (so the account's group can share its number, as useradd prefers),
 * skipping ids already promised to another new account of this plan.
 */
export function freeSystemId(users: UserDatabase, range: Range, taken: ReadonlySet<number>): number | undefined {
  for (let id = range.max; id >= range.min; id--) {
    if (taken.has(id) || users.user(id) || users.group(id)) continue;
    return id;
  }
  return undefined;
}

/** The user and group names and the uids and gids that sudoers grants name (negations grant nothing). */
export function sudoersNamed(grants: readonly { principal: string }[]): { ids: Set<number>; names: Set<string> } {
  const ids = new Set<number>();
  const names = new Set<string>();
  for (const { principal } of grants) {
    const id = /^%?#(\d+)$/.exec(principal);
    if (id) ids.add(Number(id[1]));
    else if (principal !== 'ALL' && !principal.startsWith('!')) names.add(principal.replace(/^%:?/, ''));
  }
  return { ids, names };
}

function union<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): Set<T> {
  const all = new Set(a);
  for (const item of b) all.add(item);
  return all;
}

/** A name for a new account: the preferred one when neither a user nor a group holds it. */
export function freeAccountName(
  users: UserDatabase,
  preferred: string,
  taken: ReadonlySet<string>,
): string | undefined {
  for (const candidate of [preferred, `_${preferred}`, `${preferred}-svc`]) {
    if (!taken.has(candidate) && !users.user(candidate) && !users.group(candidate)) return candidate;
  }
  return undefined;
}

export interface AccountDecision {
  account?: ServiceAccount;
  /** Why no account could be decided (no free id or name); the planners then leave ownership alone. */
  problem?: string;
}

/**
 * The account for one service: kept when fit and not shared with `other`, else an existing fit account of the
 * preferred name, else a new one.
 */
export async function decideAccount(
  ctx: AuditContext,
  service: Service,
  preferredName: string,
  other: { service: Service; account: ServiceUser | undefined } | undefined,
  promised: { ids: Set<number>; names: Set<string> },
): Promise<AccountDecision> {
  const users = await ctx.users();
  const current = await facts(ctx).serviceAccount(service);
  // The other stacks service's unit is judged by sameAccount below (a clearer reason).
  const ownUnits = [service.unit?.name, other?.service.unit?.name].filter((name): name is string => !!name);
  const reasons = current ? await accountUnfitness(ctx, current, ownUnits) : ['no User= is set (it runs as root)'];
  if (current && other?.account && sameAccount(current, other.account))
    reasons.push(`it shares its account with the ${other.service.role}`);
  if (current && reasons.length === 0 && current.uid !== undefined) {
    const entry = users.user(current.uid)!;
    const group = users.group(entry.gid);
    return {
      account: {
        name: entry.name,
        uid: entry.uid,
        group: group?.name ?? String(entry.gid),
        gid: entry.gid,
        create: false,
        reason: `${entry.name} is a dedicated unprivileged account`,
      },
    };
  }
  const why = reasons.join('; ');
  const existing = users.user(preferredName);
  if (existing && existing.uid !== current?.uid && other?.account?.uid !== existing.uid) {
    const probe: ServiceUser = {
      name: existing.name,
      uid: existing.uid,
      gid: existing.gid,
      isRoot: existing.uid === 0,
      dynamic: false,
      source: 'unit',
      evidence: { detail: '' },
    };
    if ((await accountUnfitness(ctx, probe, ownUnits)).length === 0) {
      return {
        account: {
          name: existing.name,
          uid: existing.uid,
          group: users.group(existing.gid)?.name ?? String(existing.gid),
          gid: existing.gid,
          create: false,
          reason: `the current account is unfit (${why}); ${existing.name} exists and is unprivileged`,
        },
      };
    }
  }
  // Names and ids a sudoers rule grants to (`alice`, `%ops`, `#995`, `%#995`, aliases expanded) are never given to
  // a new account: it would be born privileged, fail signer-user-unprivileged, and the next apply would make another.
  const named = sudoersNamed((await ctx.sudoers()).grants);
  const name = freeAccountName(users, preferredName, union(promised.names, named.names));
  const range = await systemIdRange(ctx);
  const id = freeSystemId(
    users,
    { min: Math.max(range.uid.min, range.gid.min), max: Math.min(range.uid.max, range.gid.max) },
    union(promised.ids, named.ids),
  );
  if (!name || id === undefined)
    return { problem: `a new system account is needed (${why}) but no free ${name ? 'system id' : 'name'} was found` };
  promised.ids.add(id);
  promised.names.add(name);
  return {
    account: {
      name,
      uid: id,
      group: name,
      gid: id,
      create: true,
      reason: `the current account is unfit: ${why}`,
    },
  };
}
