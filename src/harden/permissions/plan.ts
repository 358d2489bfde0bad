// Area 'permissions': owners and modes of the configs, the signer database and the binaries, and of the directories
// above them, so the config, database and binary controls pass. Only attributes (and a missing database directory)
// change; system directories are never touched, only reported in a note.
import { posix } from 'node:path';
import type { AuditContext } from '../../engine/context.js';
import { HOME_AREAS, isAtOrBelow } from '../../facts/services/sandbox-paths.js';
import type { FileStat } from '../../target/types.js';
import { newPart } from '../part.js';
import { DB_SIDECARS, dedicatedToDatabase } from '../service-directories.js';
import type { Change, HardenLayout, Planner, ServiceAccount } from '../types.js';
import {
  type Attributes,
  isSystemDirectory,
  rootDirectory,
  type ServicePrincipal,
  safeDirectory,
  sameAttributes,
  systemDirectoryProblem,
} from './rules.js';

function inHomeArea(path: string): boolean {
  return HOME_AREAS.some((area) => isAtOrBelow(path, area));
}

class PermissionPlan {
  readonly changes = new Map<string, Change>();
  readonly notes: string[] = [];
  private readonly noted = new Set<string>();

  constructor(readonly ctx: AuditContext) {}

  note(text: string): void {
    if (this.noted.has(text)) return;
    this.noted.add(text);
    this.notes.push(text);
  }

  /**
   * An attributes change when `stat` differs from `wanted`; a later request for the same path replaces it. Nothing
   * in a home area is ever changed (a chown of /home/admin to root locks its owner out): false, with a note, then.
   */
  set(path: string, stat: FileStat, wanted: Attributes, reason: string): boolean {
    if (inHomeArea(path)) {
      if (!sameAttributes(stat, wanted))
        this.note(`${path} is in a home area, which harden never changes: ${reason} — fix it by hand, or move it out`);
      return sameAttributes(stat, wanted);
    }
    if (sameAttributes(stat, wanted)) {
      this.changes.delete(path);
      return true;
    }
    this.changes.set(path, { kind: 'attributes', path, ...wanted, reason });
    return true;
  }

  /** `stat` with the attributes already planned for `path`, so two requests for one directory add up. */
  pending(path: string, stat: FileStat): FileStat {
    const planned = this.changes.get(path);
    if (planned?.kind !== 'attributes') return stat;
    return {
      ...stat,
      mode: planned.mode ?? stat.mode,
      uid: planned.uid ?? stat.uid,
      gid: planned.gid ?? stat.gid,
    };
  }

  /** The directories above `path`, outermost first: as written, and (when it exists) those of its real path. */
  async directoriesAbove(path: string): Promise<{ path: string; stat: FileStat }[]> {
    const found = new Map<string, FileStat>();
    const collect = async (file: string) => {
      const parts = file.split('/').filter(Boolean);
      for (let depth = 0; depth < parts.length; depth++) {
        const dir = `/${parts.slice(0, depth).join('/')}`;
        // Attributes never follow a symlink: a linked directory (merged /usr's /bin) is covered by its real path.
        const stat = await this.ctx.target.lstat(dir);
        if (stat?.type === 'dir') found.set(dir, stat);
      }
    };
    await collect(path);
    const real = await this.ctx.target.realpath(path).catch(() => undefined);
    if (real && real !== path) await collect(real);
    return [...found].map(([dir, stat]) => ({ path: dir, stat })).sort((a, b) => a.path.length - b.path.length);
  }

  /** go-w and a safe owner for every non-system directory above a service's file; system directories only noted. */
  async protectDirectoriesAbove(path: string, service: ServicePrincipal | undefined, what: string): Promise<boolean> {
    let clean = true;
    for (const dir of await this.directoriesAbove(path)) {
      if (isSystemDirectory(dir.path)) {
        const problem = systemDirectoryProblem(dir.path, dir.stat);
        if (problem) {
          clean = false;
          this.note(`${problem}: harden leaves system directories alone; fix it by hand (it lies above ${what})`);
        }
        continue;
      }
      const wanted = safeDirectory(this.pending(dir.path, dir.stat), service);
      if (!this.set(dir.path, dir.stat, wanted, `directory above ${what}: no group/other write`)) clean = false;
    }
    return clean;
  }
}

async function principalOf(
  ctx: AuditContext,
  account: ServiceAccount | undefined,
): Promise<ServicePrincipal | undefined> {
  if (!account) return undefined;
  const users = await ctx.users();
  const groups = account.create ? [] : users.groupsOf(account.name).map((group) => group.gid);
  return { uid: account.uid, gids: new Set([account.gid, ...groups]) };
}

/** A config: 0600 owned by its service account, and nothing above it writable by group or others. */
async function protectConfig(
  plan: PermissionPlan,
  role: 'signer' | 'node',
  path: string | undefined,
  account: ServiceAccount | undefined,
): Promise<boolean> {
  if (!path) return false;
  const what = `the ${role} config ${path}`;
  const principal = await principalOf(plan.ctx, account);
  const clean = await plan.protectDirectoriesAbove(path, principal, what);
  const stat = await plan.ctx.target.lstat(path);
  // A config about to be moved here is written 0600 by the configs part; nothing to set yet.
  if (!stat) return clean && account !== undefined;
  if (stat.type !== 'file') {
    plan.note(`${what} is a ${stat.type}, not a file: fix its permissions by hand`);
    return false;
  }
  if (!account) {
    plan.set(path, stat, { mode: 0o600, uid: stat.uid, gid: stat.gid }, `${what}: no access for group or others`);
    plan.note(`${role}: no service account was decided, so the owner of ${path} is left as it is`);
    return false;
  }
  const set = plan.set(
    path,
    stat,
    { mode: 0o600, uid: account.uid, gid: account.gid },
    `${what}: private to ${account.name} (it holds secrets)`,
  );
  return clean && set;
}

async function inMemoryDatabase(ctx: AuditContext): Promise<boolean> {
  const { signer } = await ctx.discovery();
  return signer?.config.status === 'ok' && signer.config.parsed.config.dbPath === ':memory:';
}

async function protectDatabase(plan: PermissionPlan, layout: HardenLayout): Promise<boolean> {
  const signer = layout.signer;
  if (!signer) return false;
  if (signer.dbProblem !== undefined) {
    plan.note(`signer: ${signer.dbProblem}; its database is left as it is`);
    return false;
  }
  const dbPath = signer.dbPath;
  // No dbPath: an in-memory database (nothing on disk to protect; the control passes), or no db_path at all.
  if (!dbPath) return await inMemoryDatabase(plan.ctx);
  const account = signer.account;
  if (!account) {
    plan.note('signer: no service account was decided, so the database is left as it is');
    return false;
  }
  const dir = signer.dbDirectory ?? posix.dirname(dbPath);
  const owner = { uid: account.uid, gid: account.gid };
  const dirStat = await plan.ctx.target.lstat(dir);
  let closed: boolean;
  if (!dirStat) {
    if (!(await plan.ctx.target.stat(posix.dirname(dir)))) {
      plan.note(`${posix.dirname(dir)} does not exist: create the database directory ${dir} yourself`);
      return false;
    }
    plan.changes.set(dir, {
      kind: 'mkdir',
      path: dir,
      mode: 0o700,
      ...owner,
      reason: `the signer's database directory, private to ${account.name}`,
    });
    closed = true;
  } else if (dirStat.type !== 'dir') {
    plan.note(`${dir} (above db_path) is not a directory: fix it by hand`);
    return false;
  } else if (signer.dbDirectoryDedicated === true || (await dedicatedToDatabase(plan.ctx, dir, dbPath))) {
    closed = plan.set(
      dir,
      dirStat,
      { mode: 0o700, ...owner },
      `the signer's database directory, private to ${account.name}`,
    );
  } else {
    closed = (dirStat.mode & 0o006) === 0;
    plan.note(
      `${dir} holds more than the signer's database (or is a system directory): harden fixes only the database files; give the signer a directory of its own (e.g. /var/lib/stacks-signer) and point db_path there`,
    );
  }
  for (const file of [dbPath, ...DB_SIDECARS.map((suffix) => `${dbPath}${suffix}`)]) {
    const stat = await plan.ctx.target.lstat(file);
    if (!stat) continue;
    if (stat.type !== 'file') {
      plan.note(`${file} is a ${stat.type}, not a database file: fix it by hand`);
      closed = false;
      continue;
    }
    if (!plan.set(file, stat, { mode: 0o600, ...owner }, `signer database file, private to ${account.name}`))
      closed = false;
  }
  return closed;
}

/** A binary: root:root 0755 (its real file when the path is a symlink), every directory above it root-owned. */
async function protectBinary(
  plan: PermissionPlan,
  role: 'signer' | 'node',
  binary: string | undefined,
  services: readonly ServicePrincipal[],
): Promise<boolean> {
  if (!binary?.startsWith('/')) return false;
  const what = `the ${role} binary ${binary}`;
  let clean = true;
  for (const dir of await plan.directoriesAbove(binary)) {
    if (isSystemDirectory(dir.path)) {
      const problem = systemDirectoryProblem(dir.path, dir.stat);
      if (problem) {
        clean = false;
        plan.note(`${problem}: harden leaves system directories alone; fix it by hand (it lies above ${what})`);
      }
      continue;
    }
    const wanted = rootDirectory(plan.pending(dir.path, dir.stat), services);
    if (!plan.set(dir.path, dir.stat, wanted, `directory above ${what}: only root may change it`)) clean = false;
  }
  const real = await plan.ctx.target.realpath(binary).catch(() => undefined);
  const stat = real ? await plan.ctx.target.lstat(real) : undefined;
  if (!real || stat?.type !== 'file') {
    plan.note(`${what} does not exist: install it with install -o root -g root -m 0755`);
    return clean;
  }
  if (!plan.set(real, stat, { mode: 0o755, uid: 0, gid: 0 }, `${what}: only root may replace it`)) return false;
  return clean;
}

export const planPermissions: Planner = async ({ ctx, layout }) => {
  const { signer, node } = layout;
  if (!signer && !node) return undefined;
  const plan = new PermissionPlan(ctx);
  const addresses: string[] = [];
  const signerConfig = signer?.configTarget ?? signer?.configPath;
  const nodeConfig = node?.configTarget ?? node?.configPath;
  const signerOk = await protectConfig(plan, 'signer', signerConfig, signer?.account);
  const nodeOk = await protectConfig(plan, 'node', nodeConfig, node?.account);
  if (signerOk) addresses.push('keys/signer-config-permissions');
  if (nodeOk) addresses.push('keys/node-config-permissions');
  // Each config private to its own (distinct) account: neither service can read the other's.
  if ((signerOk || !signerConfig) && (nodeOk || !nodeConfig) && (signerConfig || nodeConfig))
    addresses.push('identity/config-owner');
  if (await protectDatabase(plan, layout)) addresses.push('keys/signer-db-permissions');

  const services = (await Promise.all([principalOf(ctx, signer?.account), principalOf(ctx, node?.account)])).filter(
    (principal): principal is ServicePrincipal => principal !== undefined,
  );
  const signerBinaryOk = await protectBinary(plan, 'signer', signer?.binary, services);
  await protectBinary(plan, 'node', node?.binary, services);
  if (signerBinaryOk && signer?.binary && signer.account && signer.account.uid !== 0)
    addresses.push('binary/not-writable-by-service');

  const changes = [...plan.changes.values()];
  const summary =
    changes.length === 0
      ? 'owners and modes of configs, database and binaries are already right'
      : `fix owner/mode of ${changes.length} path${changes.length === 1 ? '' : 's'} (configs, database, binaries)`;
  return { ...newPart('permissions', summary), changes, addresses, notes: plan.notes };
};
