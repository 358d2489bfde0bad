// https://www.freedesktop.org/software/systemd/man/latest/systemd.unit.html — harden's systemd part: one drop-in per
// stacks unit on this host (the signer's, and the node's when it runs here), never a rewrite of the operator's unit.
// Reads the current units through the Target, renders the drop-ins, and has the real systemd-analyze judge them.
import { posix } from 'node:path';
import { type LoadedUnit, loadUnit } from '../../discovery/units.js';
import type { AuditContext } from '../../engine/context.js';
import { appendAll } from '../../parsers/lists.js';
import { filterUnit } from '../../parsers/systemd-unit.js';
import { newPart } from '../part.js';
import type { Change, HardenLayout, PlannerInput, PlanPart, ServiceLayout, Validation } from '../types.js';
import { chooseDropInName, DROP_IN_SUFFIX, isOwnDropIn } from './drop-in-name.js';
import { renderDropIn, type WritableDirectory } from './render-drop-in.js';
import { type ServiceTarget, serviceFacts } from './service-facts.js';
import { validateUnit } from './validate.js';

/** The signer's exposure target (service/exposure-score passes below it). */
export const SIGNER_SCORE_TARGET = 2.0;
const DROP_IN_ROOT = '/etc/systemd/system';

interface UnitPlan {
  changes: Change[];
  notes: string[];
  errors: string[];
  validations: Validation[];
  addresses: string[];
}

function emptyPlan(): UnitPlan {
  return { changes: [], notes: [], errors: [], validations: [], addresses: [] };
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

async function readDropIns(ctx: AuditContext, unit: LoadedUnit, plan: UnitPlan) {
  const dropIns: { path: string; fileName: string; text: string }[] = [];
  for (const path of unit.effective.files.slice(1)) {
    try {
      dropIns.push({ path, fileName: baseName(path), text: await ctx.target.readText(path) });
    } catch (error) {
      plan.errors.push(`${path}: cannot read the drop-in (${(error as Error).message})`);
    }
  }
  return dropIns;
}

/** mkdir for a directory the service must write that does not exist yet (ReadWritePaths= fails on a missing one). */
async function writableDirectoryChange(
  ctx: AuditContext,
  layout: ServiceLayout,
  writable: WritableDirectory,
  plan: UnitPlan,
): Promise<void> {
  if (writable.kind === 'state') return; // StateDirectory= creates it
  const directory = writable.path;
  if (await ctx.target.stat(directory)) return;
  const account = layout.account;
  const parent = posix.dirname(directory);
  if (!account || !(await ctx.target.stat(parent))) {
    plan.notes.push(
      `${directory} does not exist: create it (0700, owned by the service user) before starting the service.`,
    );
    return;
  }
  plan.changes.push({
    kind: 'mkdir',
    path: directory,
    mode: 0o700,
    uid: account.uid,
    gid: account.gid,
    reason: `directory the sandboxed service writes (ReadWritePaths= needs it to exist)`,
  });
}

async function planUnit(ctx: AuditContext, input: ServiceTarget): Promise<UnitPlan> {
  const plan = emptyPlan();
  const unit = await loadUnit(ctx.target, input.unitName);
  if (!unit?.loaded) {
    const why = unit?.masked ? 'is masked' : (unit?.problems[0]?.message ?? 'was not found');
    plan.errors.push(`${input.unitName} (${input.unitPath}) ${why}: no drop-in planned for it`);
    return plan;
  }
  // Decided from the unit as the operator left it: harden's own drop-in is being replaced, and reading it back
  // would make a second plan differ from the first (its resets would hide what they reset).
  const operatorUnit = filterUnit(unit.effective, (assignment) => !isOwnDropIn(baseName(assignment.file)));
  const decided = serviceFacts({ ...input, unit: operatorUnit });
  appendAll(plan.notes, decided.notes);
  if (decided.errors.length > 0 || !decided.facts) {
    appendAll(plan.errors, decided.errors);
    return plan;
  }
  const dropIns = await readDropIns(ctx, unit, plan);
  const fileName = chooseDropInName(dropIns.map((dropIn) => dropIn.fileName));
  if (fileName === undefined) {
    plan.errors.push(
      `${unit.name}: a drop-in sorts after every name harden can use (${dropIns.map((d) => d.fileName).join(', ')}); rename it so harden's ${DROP_IN_SUFFIX} applies last`,
    );
    return plan;
  }
  const directory = `${DROP_IN_ROOT}/${unit.name}.d`;
  const path = `${directory}/${fileName}`;
  const text = renderDropIn(decided.facts);
  plan.changes.push(
    { kind: 'mkdir', path: directory, mode: 0o755, uid: 0, gid: 0, reason: `drop-in directory of ${unit.name}` },
    { kind: 'write', path, content: text, mode: 0o644, uid: 0, gid: 0, reason: `drop-in that confines ${unit.name}` },
  );
  // An earlier drop-in of harden's under another prefix would still apply: it goes.
  for (const old of dropIns) {
    if (isOwnDropIn(old.fileName) && old.path !== path) {
      plan.changes.push({ kind: 'remove', path: old.path, reason: `replaced by ${path}` });
    }
  }
  for (const writable of decided.facts.writable) await writableDirectoryChange(ctx, input.layout, writable, plan);

  const verdict = await validateUnit(
    {
      unitName: unit.name,
      unitText: await ctx.target.readText(unit.effective.files[0]!),
      dropIns: dropIns.filter((dropIn) => !isOwnDropIn(dropIn.fileName)),
      newDropIn: { fileName, text },
    },
    // The issue holds every generated unit to the same bar, the node's too (it scores 1.1, 1.4 on ports below 1024).
    SIGNER_SCORE_TARGET,
  );
  plan.validations.push(verdict.verify, verdict.security);
  if (input.role === 'signer') {
    plan.addresses.push('service/baseline-directives', 'service/restart-policy', 'service/exposure-score');
    if (input.layout.nodeAddressUnknown === undefined) plan.addresses.push('service/egress-restricted');
    if (decided.userChanges) plan.addresses.push('identity/signer-not-root');
    if (await consistentOnceApplied(ctx, input, decided.binary, decided.config, plan)) {
      plan.addresses.push('service/unit-consistency');
    }
  }
  return plan;
}

/** unit-consistency also needs the binary and the config in place: say so when harden cannot provide them. */
async function consistentOnceApplied(
  ctx: AuditContext,
  input: ServiceTarget,
  binary: string | undefined,
  config: string | undefined,
  plan: UnitPlan,
): Promise<boolean> {
  let ok = true;
  const binaryStat = binary?.startsWith('/') ? await ctx.target.stat(binary) : undefined;
  if (binary?.startsWith('/') && (binaryStat?.type !== 'file' || (binaryStat.mode & 0o111) === 0)) {
    plan.notes.push(
      `${input.unitName} runs ${binary}, which is missing or not executable: install it before restarting.`,
    );
    ok = false;
  }
  const moved = input.layout.configTarget !== undefined && input.layout.configTarget === config;
  if (config === undefined) {
    plan.notes.push(
      `${input.unitName}: ExecStart= passes no --config; harden cannot tell which config the signer reads.`,
    );
    ok = false;
  } else if (!moved && (await ctx.target.stat(config))?.type !== 'file') {
    plan.notes.push(`${input.unitName} reads ${config}, which does not exist on this host.`);
    ok = false;
  }
  return ok;
}

function unitsOf(layout: HardenLayout): ServiceTarget[] {
  const inputs: ServiceTarget[] = [];
  const { signer, node } = layout;
  if (signer?.unit)
    inputs.push({ role: 'signer', unitName: signer.unit.name, unitPath: signer.unit.path, layout: signer });
  if (node?.unit) inputs.push({ role: 'node', unitName: node.unit.name, unitPath: node.unit.path, layout: node });
  return inputs;
}

export async function planSystemd({ ctx, layout }: PlannerInput): Promise<PlanPart | undefined> {
  const inputs = unitsOf(layout);
  if (inputs.length === 0) return undefined;
  const part: PlanPart = {
    ...newPart(
      'systemd',
      `Confine ${inputs.map((input) => input.unitName).join(' and ')} with a drop-in each (the units stay as written)`,
    ),
    reloads: [{ argv: ['systemctl', 'daemon-reload'], why: 'make systemd read the new drop-ins' }],
    rollbackReloads: [{ argv: ['systemctl', 'daemon-reload'], why: 'make systemd forget the removed drop-ins' }],
  };
  const plans: UnitPlan[] = [];
  for (const input of inputs) plans.push(await planUnit(ctx, input));
  const failed = plans.some((plan) => plan.errors.length > 0);
  for (const plan of plans) {
    appendAll(part.notes, plan.notes);
    appendAll(part.errors, plan.errors);
    appendAll(part.validations, plan.validations);
    if (!failed) {
      appendAll(part.changes, plan.changes);
      appendAll(part.addresses, plan.addresses);
    }
  }
  if (!failed) {
    const restart = inputs.map((input) => input.unitName).join(' ');
    part.notes.push(`The drop-ins take effect when the services restart: systemctl restart ${restart}`);
  }
  return part;
}
