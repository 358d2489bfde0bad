// The sandboxing settings of a stacks unit as systemd 252 applies them (systemd.exec(5)): plain booleans through
// config_parse_bool(), ProtectSystem=/ProtectHome= through their enum parsers (both ignore an empty or unparsable
// value with a warning, they don't reset it), and what DynamicUser=yes forces in unit_patch_contexts().
import type { Service } from '../../discovery/types.js';
import type { LoadedUnit } from '../../discovery/units.js';
import type { AuditContext } from '../../engine/context.js';
import type { Applicability } from '../../engine/define-check.js';
import { CheckError } from '../../engine/errors.js';
import type { Evidence } from '../../engine/types.js';
import { type EffectiveUnit, parseSystemdBoolean, type UnitAssignment } from '../../parsers/systemd-unit.js';
import { maskSecrets } from '../secrets/secret-values.js';
import { absent, at, NO_SIGNER } from './discovered-services.js';

export type ProtectSystemValue = 'no' | 'yes' | 'full' | 'strict';
export type ProtectHomeValue = 'no' | 'yes' | 'read-only' | 'tmpfs';

/** A setting's value as systemd would use it, and where that value comes from. */
export interface EffectiveSetting<V extends string> {
  key: string;
  value: V;
  /** The assignment systemd used; undefined when the default applies or DynamicUser= forced the value. */
  assignment?: UnitAssignment;
  /** DynamicUser=yes, when it forced this value. */
  impliedBy?: UnitAssignment;
  /** Assignments after the used one that systemd ignored (empty or unparsable): they change nothing. */
  ignored: UnitAssignment[];
}

/** Every assignment of a key, in applied order (list() hides resets; here they matter). */
export function assignmentsOf(unit: EffectiveUnit, section: string, key: string): UnitAssignment[] {
  return unit.assignments.filter((assignment) => assignment.section === section && assignment.key === key);
}

/** A single-value setting: the last assignment systemd can parse wins; empty or unparsable ones are ignored. */
export function lastValidSetting<V extends string>(
  unit: EffectiveUnit,
  key: string,
  parse: (value: string) => V | undefined,
  fallback: V,
  section = 'Service',
): EffectiveSetting<V> {
  let setting: EffectiveSetting<V> = { key, value: fallback, ignored: [] };
  for (const assignment of assignmentsOf(unit, section, key)) {
    const value = parse(assignment.value);
    if (value === undefined) setting.ignored.push(assignment);
    else setting = { key, value, assignment, ignored: [] };
  }
  return setting;
}

/** The DynamicUser=yes assignment in force, if any. */
export function dynamicUser(unit: EffectiveUnit): UnitAssignment | undefined {
  const setting = lastValidSetting(unit, 'DynamicUser', parseYesNo, 'no');
  return setting.value === 'yes' ? setting.assignment : undefined;
}

function parseYesNo(value: string): 'yes' | 'no' | undefined {
  const parsed = parseSystemdBoolean(value);
  return parsed === undefined ? undefined : parsed ? 'yes' : 'no';
}

/** A boolean [Service] setting; `PrivateTmp` and `NoNewPrivileges` are forced on by DynamicUser=yes. */
export function booleanSetting(unit: EffectiveUnit, key: string): EffectiveSetting<'yes' | 'no'> {
  const setting = lastValidSetting(unit, key, parseYesNo, 'no');
  const dynamic = dynamicUser(unit);
  if (dynamic && (key === 'PrivateTmp' || key === 'NoNewPrivileges') && setting.value === 'no') {
    return { ...setting, value: 'yes', impliedBy: dynamic };
  }
  return setting;
}

export function protectSystem(unit: EffectiveUnit): EffectiveSetting<ProtectSystemValue> {
  const setting = lastValidSetting<ProtectSystemValue>(
    unit,
    'ProtectSystem',
    (value) => (value === 'full' || value === 'strict' ? value : parseYesNo(value)),
    'no',
  );
  const dynamic = dynamicUser(unit);
  // DynamicUser=yes sets strict whatever was written.
  return dynamic && setting.value !== 'strict' ? { ...setting, value: 'strict', impliedBy: dynamic } : setting;
}

export function protectHome(unit: EffectiveUnit): EffectiveSetting<ProtectHomeValue> {
  const setting = lastValidSetting<ProtectHomeValue>(
    unit,
    'ProtectHome',
    (value) => (value === 'read-only' || value === 'tmpfs' ? value : parseYesNo(value)),
    'no',
  );
  const dynamic = dynamicUser(unit);
  // DynamicUser=yes only raises "no" to read-only.
  return dynamic && setting.value === 'no' ? { ...setting, value: 'read-only', impliedBy: dynamic } : setting;
}

/** "ProtectHome=true at …/x.service:9", "PrivateTmp= not set in the unit or its drop-ins (default: no)"… */
export function describeSetting(setting: EffectiveSetting<string>): string {
  if (setting.impliedBy)
    return `${setting.key}=${setting.value}, forced by DynamicUser=yes at ${where(setting.impliedBy)}`;
  if (setting.assignment) return `${setting.key}=${setting.assignment.value} at ${where(setting.assignment)}`;
  return `${setting.key}= is not set in the unit or its drop-ins (default: ${setting.value})`;
}

export function where(assignment: Pick<UnitAssignment, 'file' | 'line'>): string {
  return `${assignment.file}:${assignment.line}`;
}

/** Evidence for a setting: the assignment used (or the unit file when unset), plus ignored later ones. */
export function settingEvidence(setting: EffectiveSetting<string>, unit: LoadedUnit): Evidence[] {
  const { impliedBy, assignment } = setting;
  const main = impliedBy
    ? at(impliedBy.file, impliedBy.line, `${setting.key}=${setting.value}, forced by DynamicUser=yes`)
    : assignment
      ? at(assignment.file, assignment.line, `${assignment.key}=${maskSecrets(assignment.value)}`)
      : at(unit.effective.files[0] ?? unit.path, undefined, `no ${setting.key}= in ${unit.effective.files.join(', ')}`);
  const ignored = setting.ignored.map((assignment) =>
    at(
      assignment.file,
      assignment.line,
      `${assignment.key}=${assignment.value}: ${assignment.value === '' ? 'empty' : 'not a valid value'}, ignored by systemd (does not reset ${assignment.key}=)`,
    ),
  );
  return [main, ...ignored];
}

/** Why there is no signer unit to read: compose, or only a config at a well-known path. */
export function noUnitReason(service: Service): string {
  if (service.container) {
    return `the ${service.role} runs in compose service ${service.container.name} (${service.container.file}), not from a systemd unit; container/hardening covers its confinement`;
  }
  const found = 'path' in service.config ? ` (found only through ${service.config.path})` : '';
  return `no systemd unit starts stacks-${service.role}${found}; pass --${service.role}-unit NAME if a unit with another ExecStart= runs it`;
}

export async function appliesToSignerUnit(ctx: AuditContext): Promise<Applicability> {
  const discovery = await ctx.discovery();
  const { signer } = discovery;
  if (!signer) return absent(discovery, NO_SIGNER);
  return signer.unit ? true : { notApplicable: noUnitReason(signer) };
}

/** The unit of a service, or a CheckError when systemd could not load it either. */
export function loadedUnit(service: Service): LoadedUnit {
  const unit = service.unit;
  if (!unit) throw new CheckError(noUnitReason(service));
  if (!unit.loaded) {
    const problem = unit.problems[0];
    // A file over a parse limit may be a drop-in: say which, and where.
    const file = problem?.limit ? `${problem.file}${problem.line ? `:${problem.line}` : ''}: ` : '';
    const reason = unit.masked ? 'is masked' : `could not be read${problem ? `: ${file}${problem.message}` : ''}`;
    throw new CheckError(`${unit.name} ${reason}`, at(unit.path, undefined, reason));
  }
  return unit;
}

/**
 * The signer's unit, then the node's when it runs from a unit on this host too. The signer's must load (else a
 * CheckError); a node unit systemd could not load is left to the node's own checks.
 */
export async function stacksUnits(ctx: AuditContext): Promise<{ service: Service; unit: LoadedUnit }[]> {
  const { signer, node } = await ctx.discovery();
  const units: { service: Service; unit: LoadedUnit }[] = [];
  if (signer) units.push({ service: signer, unit: loadedUnit(signer) });
  if (node?.unit?.loaded) units.push({ service: node, unit: node.unit });
  return units;
}
