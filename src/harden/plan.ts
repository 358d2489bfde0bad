// A hardening plan: the layout decided once, each area's planner in HARDEN_AREAS order, then only the changes the
// target does not already satisfy (so planning an applied host again gives nothing to change).

import { allChecks } from '../checks/index.js';
import type { AuditContext } from '../engine/context.js';
import { runChecks } from '../engine/runner.js';
import { hostPathInside, lstatOrUndefined, sharedInodeProblem } from './host-path.js';
import { decideLayout } from './layout.js';
import { newPart } from './part.js';
import { PLANNERS } from './planners.js';
import { type CurrentState, isSatisfied, readCurrentState, stateAfter } from './state.js';
import {
  type Change,
  HARDEN_AREAS,
  type HardenArea,
  type HardenLayout,
  type HardenOptions,
  type HardenPlan,
  type Planner,
  type PlanPart,
  type ServiceAccount,
} from './types.js';

/** The flag that steps past refusals naming it. */
export const CONSOLE_ACCESS_FLAG = '--i-have-console-access';

export interface AreaSelection {
  only?: readonly HardenArea[];
  skip?: readonly HardenArea[];
}

/** A change still to make, with what is at its path now (for the diff, and to notice a change before apply). */
export interface PlannedChange {
  area: HardenArea;
  change: Change;
  current: CurrentState;
}

export interface BuiltPlan extends HardenPlan {
  /** Every remaining change, in apply order (parts in HARDEN_AREAS order, each part's own order). */
  pending: PlannedChange[];
  /** Changes the planners asked for that the target already satisfies. */
  satisfied: number;
  /** Why apply would refuse: part errors, failed validations, refusals not overridden. Empty when it may go ahead. */
  blockers: string[];
}

export interface PlanDependencies {
  decideLayout?: (ctx: AuditContext) => Promise<HardenLayout>;
  planners?: Partial<Record<HardenArea, () => Promise<Planner>>>;
}

export function selectedAreas(selection: AreaSelection): HardenArea[] {
  return HARDEN_AREAS.filter(
    (area) => (!selection.only?.length || selection.only.includes(area)) && !selection.skip?.includes(area),
  );
}

export async function buildPlan(
  ctx: AuditContext,
  options: HardenOptions,
  selection: AreaSelection = {},
  dependencies: PlanDependencies = {},
): Promise<BuiltPlan> {
  const layout = await (dependencies.decideLayout ?? decideLayout)(ctx);
  const planners = dependencies.planners ?? PLANNERS;
  const parts: PlanPart[] = [];
  for (const area of selectedAreas(selection)) {
    const load = planners[area];
    if (!load) continue;
    try {
      const part = await (await load())({ ctx, layout, options });
      if (part) parts.push(part);
    } catch (error) {
      // A planner bug or unreadable input must stop apply, not vanish: the part becomes an error.
      parts.push(failedPart(area, error));
    }
  }
  return resolvePlan(ctx, layout, await withoutHardenedAreas(ctx, parts), options);
}

/** Areas whose artefacts stand alone: nothing another area writes relies on them. */
const SELF_CONTAINED_AREAS: ReadonlySet<HardenArea> = new Set(['sshd', 'firewall']);
/** What the systemd drop-in carries for these areas: User= of their account, ExecStart= of a moved config. */
const DROP_IN_DEPENDENTS: ReadonlySet<HardenArea> = new Set(['accounts', 'configs', 'permissions']);

/**
 * A host hardened by hand is left as the operator made it: an sshd or firewall part whose every addressed control
 * already passes writes nothing, and so does the systemd part when no account, config or permission changes with it.
 * Accounts, configs and permissions are never held back: they plan only what is wrong, and the other parts' files
 * name what they create (a drop-in's User= and ExecStart= need the account and the moved config).
 */
export async function withoutHardenedAreas(ctx: AuditContext, parts: PlanPart[]): Promise<PlanPart[]> {
  const ids = new Set(parts.flatMap((part) => part.addresses));
  const checks = allChecks.filter((check) => ids.has(check.id));
  const results = await runChecks(checks, ctx);
  const passing = new Set(results.filter((result) => result.status === 'pass').map((result) => result.id));
  const dependentsChange = parts.some((part) => DROP_IN_DEPENDENTS.has(part.area) && part.changes.length > 0);
  const standsAlone = (area: HardenArea) => SELF_CONTAINED_AREAS.has(area) || (area === 'systemd' && !dependentsChange);
  return parts.map((part) => {
    const hardened =
      standsAlone(part.area) &&
      part.changes.length > 0 &&
      part.addresses.length > 0 &&
      part.errors.length === 0 &&
      part.addresses.every((id) => passing.has(id));
    if (!hardened) return part;
    return {
      ...part,
      summary: 'already hardened, nothing to write',
      validations: [],
      changes: [],
      reloads: [],
      rollbackReloads: [],
      refusals: [],
      notes: [`${part.addresses.join(', ')} already ${part.addresses.length === 1 ? 'passes' : 'pass'} as the host is`],
    };
  });
}

/** Drops satisfied changes from hand-built or planned parts and computes what blocks an apply. */
export async function resolvePlan(
  ctx: AuditContext,
  layout: HardenLayout,
  parts: PlanPart[],
  options: HardenOptions,
): Promise<BuiltPlan> {
  const pending: PlannedChange[] = [];
  let satisfied = 0;
  const resolvedParts: PlanPart[] = [];
  // What each path will be once the earlier pending changes are made: a chmod of a file an earlier part writes with
  // that mode already is not a change, and a diff is against what the path will hold at that point.
  const simulated = new Map<string, CurrentState>();
  for (const part of parts) {
    const remaining: Change[] = [];
    const errors = [...part.errors];
    for (const change of part.changes) {
      let current = simulated.get(change.path);
      const fromHost = current === undefined;
      try {
        current ??= await readCurrentState(ctx.target, change.path, change.kind === 'write');
      } catch (error) {
        errors.push(`${change.path}: cannot be read to compare (${firstLine(error)})`);
        continue;
      }
      if (isSatisfied(change, current)) {
        satisfied++;
        continue;
      }
      // Checked again right before the change is made. A path an earlier change rewrites is a fresh inode by then.
      const shared = fromHost ? sharedInodeAt(ctx, change, current) : undefined;
      if (shared) {
        errors.push(`${change.path}: ${shared}`);
        continue;
      }
      remaining.push(change);
      pending.push({ area: part.area, change, current });
      simulated.set(change.path, stateAfter(change, current));
    }
    resolvedParts.push({ ...part, changes: remaining, errors });
  }
  return {
    root: ctx.target.source,
    live: ctx.target.live,
    layout,
    parts: resolvedParts,
    pending,
    satisfied,
    blockers: [...blockersOf(resolvedParts, options), ...missingAccountBlockers(layout, resolvedParts)],
  };
}

/**
 * The accounts this plan creates: those the layout marks `create` when the accounts area is in the plan and could be
 * planned. Without it a chown to the account's uid or a User= naming it would point at nobody.
 */
export function accountsCreatedBy(plan: Pick<HardenPlan, 'layout' | 'parts'>): ServiceAccount[] {
  const accounts = plan.parts.find((part) => part.area === 'accounts');
  if (!accounts || accounts.errors.length > 0) return [];
  return accountsToCreate(plan.layout);
}

function accountsToCreate(layout: HardenLayout): ServiceAccount[] {
  const accounts: ServiceAccount[] = [];
  for (const account of [layout.signer?.account, layout.node?.account]) {
    if (account?.create && !accounts.some((each) => each.name === account.name)) accounts.push(account);
  }
  return accounts;
}

/** A change that names the account: owned by its uid or gid, or a written file that mentions it (User=, Group=). */
function reliesOn(change: Change, account: ServiceAccount): boolean {
  if (change.kind === 'write' || change.kind === 'attributes' || change.kind === 'mkdir') {
    if (change.uid === account.uid || change.gid === account.gid) return true;
  }
  if (change.kind !== 'write') return false;
  const word = account.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // As a value (User=name, "name", name:name), not inside a path like /var/lib/name/.
  return new RegExp(`(^|[=\\s:"'])${word}($|[\\s:"'])`, 'm').test(change.content);
}

/** Parts that rely on an account only the accounts area would create, when that area is not selected or failed. */
function missingAccountBlockers(layout: HardenLayout, parts: readonly PlanPart[]): string[] {
  const accountsPart = parts.find((part) => part.area === 'accounts');
  if (accountsPart && accountsPart.errors.length === 0) return [];
  const why = accountsPart
    ? 'but the accounts area could not be planned (see its error)'
    : 'but accounts is not selected: drop --skip accounts (or add accounts to --only)';
  const blockers: string[] = [];
  for (const account of accountsToCreate(layout)) {
    const areas = parts
      .filter((part) => part.area !== 'accounts' && part.changes.some((change) => reliesOn(change, account)))
      .map((part) => part.area);
    if (areas.length === 0) continue;
    blockers.push(
      `${areas.join('/')} need${areas.length === 1 ? 's' : ''} the account ${account.name}, which the accounts area creates, ${why}`,
    );
  }
  return blockers;
}

/** A chmod/chown/rm of a file whose inode is not its own alone (see sharedInodeProblem); only on a host filesystem. */
function sharedInodeAt(ctx: AuditContext, change: Change, current: CurrentState): string | undefined {
  if (change.kind !== 'attributes' && change.kind !== 'remove') return undefined;
  if (current.type !== 'file' || ctx.target.kind === 'tar') return undefined;
  const hostPath = hostPathInside(ctx.target.source, change.path);
  const stats = lstatOrUndefined(hostPath);
  return stats ? sharedInodeProblem(hostPath, stats) : undefined;
}

function blockersOf(parts: readonly PlanPart[], options: HardenOptions): string[] {
  const overrides = new Set(options.consoleAccess ? [CONSOLE_ACCESS_FLAG] : []);
  const blockers: string[] = [];
  for (const part of parts) {
    for (const error of part.errors) blockers.push(`${part.area}: ${error}`);
    for (const validation of part.validations) {
      if (!validation.ok) blockers.push(`${part.area}: ${validation.tool} failed on ${validation.artefact}`);
    }
    for (const refusal of part.refusals) {
      if (refusal.override && overrides.has(refusal.override)) continue;
      const how = refusal.override ? ` (override: ${refusal.override})` : '';
      blockers.push(`${part.area}: refused: ${refusal.message}${how}`);
    }
  }
  return blockers;
}

function failedPart(area: HardenArea, error: unknown): PlanPart {
  return {
    ...newPart(area, `${area}: could not be planned`),
    errors: [`the ${area} planner failed: ${firstLine(error)}`],
  };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
