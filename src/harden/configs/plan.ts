// Area 'configs': the signer and node configs rewritten with decideConfigEdits' edits, and moved to the layout's
// configTarget when it differs (a config under /home that ProtectHome= hides, a --config path mismatch). Every write
// is sensitive: the files hold the signer key and the auth token, so no diff is printed and no value is named.
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { AuditContext } from '../../engine/context.js';
import { facts } from '../../facts/index.js';
import { newPart } from '../part.js';
import type { Change, Planner, PlannerInput, PlanPart, ServiceLayout } from '../types.js';
import { decideConfigEdits, type EditedConfig } from './edits.js';

export interface ConfigPlanOptions {
  /** Source of the fresh auth token; tests pin it. */
  newToken?: () => string;
}

const freshToken = () => randomBytes(32).toString('hex');

interface ReadConfig {
  path: string;
  text: string;
  uid: number;
  gid: number;
}

async function readConfig(
  ctx: AuditContext,
  role: string,
  path: string,
  errors: string[],
): Promise<ReadConfig | undefined> {
  const stat = await ctx.target.stat(path);
  if (stat?.type !== 'file') {
    errors.push(`${role} config ${path}: ${stat ? 'not a regular file' : 'does not exist'}`);
    return undefined;
  }
  try {
    return { path, text: await ctx.target.readText(path), uid: stat.uid, gid: stat.gid };
  } catch (error) {
    errors.push(`${role} config ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

/** mkdir changes for the directories above `path` that do not exist yet, outermost first (root-owned, 0755). */
async function missingParents(ctx: AuditContext, path: string): Promise<Change[]> {
  const missing: Change[] = [];
  for (let dir = posix.dirname(path); dir !== '/'; dir = posix.dirname(dir)) {
    if (await ctx.target.stat(dir)) break;
    missing.unshift({
      kind: 'mkdir',
      path: dir,
      mode: 0o755,
      uid: 0,
      gid: 0,
      reason: `holds the moved config ${path}`,
    });
  }
  return missing;
}

/** The changes that put one config's new text in place: a write where it is, or a write at its target + a remove. */
async function configChanges(
  ctx: AuditContext,
  role: 'signer' | 'node',
  service: ServiceLayout,
  current: ReadConfig,
  edited: EditedConfig,
): Promise<Change[]> {
  const target = service.configTarget ?? current.path;
  const moved = target !== current.path;
  if (!moved && edited.changedKeys.length === 0) return [];
  const what = edited.changedKeys.length > 0 ? `sets ${edited.changedKeys.join(', ')}` : 'same settings';
  const changes: Change[] = moved ? await missingParents(ctx, target) : [];
  changes.push({
    kind: 'write',
    path: target,
    content: edited.text,
    // Private to the service account from the first byte (the permissions part asks for the same).
    mode: 0o600,
    uid: service.account?.uid ?? current.uid,
    gid: service.account?.gid ?? current.gid,
    sensitive: true,
    reason: moved ? `${role} config moved from ${current.path} (${what})` : `${role} config: ${what}`,
  });
  if (moved)
    changes.push({
      kind: 'remove',
      path: current.path,
      reason: `the ${role} config now lives at ${target}; no second copy of its secrets stays behind`,
    });
  return changes;
}

export async function planConfigsWith(
  input: PlannerInput,
  options: ConfigPlanOptions = {},
): Promise<PlanPart | undefined> {
  const { ctx, layout } = input;
  const signerLayout = layout.signer;
  if (!signerLayout?.configPath) return undefined;
  const part: PlanPart = newPart('configs', '');
  const signer = await readConfig(ctx, 'signer', signerLayout.configPath, part.errors);
  const nodePath = layout.node?.configPath;
  const node = nodePath ? await readConfig(ctx, 'node', nodePath, part.errors) : undefined;
  if (!signer || (nodePath && !node)) return part;

  let generated = false;
  const edits = decideConfigEdits({
    signerText: signer.text,
    ...(node ? { nodeText: node.text } : {}),
    ...(signerLayout.dbMovedFrom !== undefined && signerLayout.dbPath ? { dbPath: signerLayout.dbPath } : {}),
    hosts: await facts(ctx).hosts(),
    newToken: () => {
      generated = true;
      return (options.newToken ?? freshToken)();
    },
  });
  part.errors.push(...edits.errors);
  part.notes.push(...edits.notes);
  if (part.errors.length > 0) return part;
  part.addresses.push(...edits.addresses);
  part.changes.push(...(await configChanges(ctx, 'signer', signerLayout, signer, edits.signer)));
  if (node && edits.node && layout.node)
    part.changes.push(...(await configChanges(ctx, 'node', layout.node, node, edits.node)));
  const keys = [...edits.signer.changedKeys, ...(edits.node?.changedKeys ?? []).map((key) => `node ${key}`)];
  const moved = part.changes.some((change) => change.kind === 'remove');
  part.summary =
    keys.length === 0 && !moved
      ? 'signer and node configs need no change'
      : `${keys.length > 0 ? `set ${keys.join(', ')}` : 'keep the settings'}${moved ? '; move the config out of a hidden path' : ''}${generated ? ' (fresh auth token)' : ''}`;
  return part;
}

export const planConfigs: Planner = (input) => planConfigsWith(input);
