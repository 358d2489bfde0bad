// The directories the hardened services must write — the signer's database directory, the node's chainstate — and
// whether harden can hand them to the service account: systemd's StateDirectory= chowns a dedicated directory below
// /var/lib at every start, the permissions part chowns a dedicated one elsewhere; a shared or system directory is
// never taken over (a recursive chown of /var/lib/stacks would give the node's chainstate to the signer).
import { posix } from 'node:path';
import type { NodeService } from '../discovery/types.js';
import type { AuditContext } from '../engine/context.js';
import { permits } from '../facts/access/file-access.js';
import { facts } from '../facts/index.js';
import { isAtOrBelow, normalisePath } from '../facts/services/sandbox-paths.js';
import { isSystemDirectory } from './permissions/rules.js';
import type { NodeLayout, ServiceAccount, SignerLayout } from './types.js';

/** SQLite's companions of a database file (write-ahead log, shared memory, rollback journal). */
export const DB_SIDECARS = ['-wal', '-shm', '-journal'];
export const DEFAULT_SIGNER_DB = '/var/lib/stacks-signer/signer.sqlite';
export const RECOMMENDED_NODE_WORKING_DIR = '/var/lib/stacks-node';
const STATE_ROOT = '/var/lib/';

/** Below /var/lib (not /var/lib itself, nor a directory the distribution owns): StateDirectory= can own it. */
export function isStateDirectory(path: string): boolean {
  const normal = normalisePath(path);
  return normal.startsWith(STATE_ROOT) && !isSystemDirectory(normal);
}

/** Whether a directory holds nothing but the signer's database files. */
export async function dedicatedToDatabase(ctx: AuditContext, dir: string, dbPath: string): Promise<boolean> {
  if (isSystemDirectory(normalisePath(dir))) return false;
  const base = posix.basename(dbPath);
  const allowed = new Set([base, ...DB_SIDECARS.map((suffix) => `${base}${suffix}`)]);
  const entries = await ctx.target.readDir(dir).catch(() => undefined);
  return entries?.every((entry) => allowed.has(entry)) ?? false;
}

async function canWrite(ctx: AuditContext, account: ServiceAccount, dir: string): Promise<boolean> {
  const stat = await ctx.target.stat(dir);
  if (stat?.type !== 'dir') return false;
  const users = await ctx.users();
  const groups = account.create ? [] : users.groupsOf(account.name).map((group) => group.gid);
  const principal = { uid: account.uid, gids: new Set([account.gid, ...groups]) };
  return permits(stat, principal, 'write') && permits(stat, principal, 'search');
}

const MOVE_DB = `stop the signer, move the database to ${DEFAULT_SIGNER_DB} and set db_path there`;

/**
 * The database directory of an existing db_path, and why it cannot be handed to `account` when it cannot: a
 * symlinked directory (its owner would change through the link), a system directory (never ReadWritePaths=), or a
 * shared directory the account cannot write (SQLite creates -wal/-journal beside the database).
 */
export async function databaseDirectory(
  ctx: AuditContext,
  dbPath: string,
  account: ServiceAccount | undefined,
): Promise<Pick<SignerLayout, 'dbPath' | 'dbDirectory' | 'dbDirectoryDedicated' | 'dbProblem'>> {
  const dir = posix.dirname(dbPath);
  const layout = { dbPath, dbDirectory: dir };
  const stat = await ctx.target.lstat(dir);
  if (!stat) return { ...layout, dbDirectoryDedicated: true };
  if (stat.type === 'symlink') {
    return {
      ...layout,
      dbProblem: `the database directory ${dir} is a symlink: harden does not change owners through a link; point db_path at the real directory, or ${MOVE_DB}`,
    };
  }
  if (stat.type !== 'dir') return { ...layout, dbProblem: `${dir} (above db_path) is a ${stat.type}, not a directory` };
  if (await dedicatedToDatabase(ctx, dir, dbPath)) return { ...layout, dbDirectoryDedicated: true };
  if (isSystemDirectory(normalisePath(dir))) {
    return {
      ...layout,
      dbDirectoryDedicated: false,
      dbProblem: `db_path ${dbPath} lies directly in the system directory ${dir}, which harden never makes writable: ${MOVE_DB}`,
    };
  }
  if (account && !(await canWrite(ctx, account, dir))) {
    return {
      ...layout,
      dbDirectoryDedicated: false,
      dbProblem: `db_path ${dbPath} lies in ${dir}, which holds more than the signer's database and ${account.name} cannot write (SQLite creates -wal and -journal files beside the database); harden never takes over a shared directory: ${MOVE_DB}`,
    };
  }
  return { ...layout, dbDirectoryDedicated: false };
}

/** STACKS_WORKING_DIR from the node unit's environment: it overrides [node] working_dir (EnvironmentFile= last). */
async function workingDirFromEnvironment(ctx: AuditContext, node: NodeService): Promise<string | undefined> {
  const { variables } = await facts(ctx).serviceEnvironment(node);
  const fromUnit = variables.filter((variable) => variable.name === 'STACKS_WORKING_DIR');
  // systemd: variables from EnvironmentFile= override Environment=; within each kind the last one wins.
  const fromFile = fromUnit.filter((variable) => variable.origin === 'unit EnvironmentFile=');
  return (fromFile.at(-1) ?? fromUnit.at(-1))?.value;
}

/**
 * The node's chainstate directory after hardening, whether it is the node's alone, and why it cannot follow the
 * node to a new account (an existing directory systemd cannot chown for it).
 */
export async function nodeWorkingDirectory(
  ctx: AuditContext,
  node: NodeService,
  configWorkingDir: string | undefined,
  accountChanges: ServiceAccount | undefined,
  signerDbDirectory: string | undefined,
  notes: string[],
): Promise<Pick<NodeLayout, 'workingDirectory' | 'workingDirectoryDedicated' | 'workingDirectoryProblem'>> {
  const fromEnvironment = await workingDirFromEnvironment(ctx, node);
  const directory = fromEnvironment || configWorkingDir;
  if (!directory) {
    notes.push(
      `node: working_dir is not set, so stacks-node keeps its chainstate in /tmp/stacks-node-<time>, a new one at every start (and private to the service under PrivateTmp=): set working_dir = "${RECOMMENDED_NODE_WORKING_DIR}" in the node config (harden does not change it: the node would resync from scratch)`,
    );
    return {};
  }
  if (!directory.startsWith('/')) return { workingDirectory: directory };
  const path = normalisePath(directory);
  const signerInside = signerDbDirectory !== undefined && isAtOrBelow(normalisePath(signerDbDirectory), path);
  const dedicated = isStateDirectory(path) && !signerInside;
  const layout = { workingDirectory: path, workingDirectoryDedicated: dedicated };
  if (!accountChanges || dedicated) return layout;
  const stat = await ctx.target.lstat(path);
  if (!stat) return layout;
  const where = fromEnvironment ? 'STACKS_WORKING_DIR' : 'working_dir';
  return {
    ...layout,
    workingDirectoryProblem: `the node's chainstate ${path} (${where}) exists and belongs to its current account, and systemd hands over only a directory of the node's own below /var/lib (StateDirectory=): give the node its own account by hand (stop it, chown -R ${accountChanges.name}:${accountChanges.group} ${path}, set User=${accountChanges.name}), or move the chainstate to ${RECOMMENDED_NODE_WORKING_DIR} and set working_dir there`,
  };
}
