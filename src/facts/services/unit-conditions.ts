// The Condition*= path settings of a unit. Read by service/unit-consistency and by harden's systemd planner.
import type { EffectiveUnit, UnitAssignment } from '../../parsers/systemd-unit.js';

export interface Condition {
  key: string;
  path: string;
  negated: boolean;
  assignment: UnitAssignment;
}

/**
 * The Condition*= path settings in force: "|" (triggering) and "!" (negation) prefixes split off, and an empty
 * Condition*= assignment of any kind resets every earlier condition (systemd.unit(5)).
 */
export function unitConditions(unit: EffectiveUnit): Condition[] {
  let conditions: Condition[] = [];
  for (const assignment of unit.assignments) {
    if (assignment.section !== 'Unit' || !assignment.key.startsWith('Condition')) continue;
    if (assignment.value === '') {
      conditions = [];
      continue;
    }
    let rest = assignment.value;
    if (rest.startsWith('|')) rest = rest.slice(1).trimStart();
    const negated = rest.startsWith('!');
    if (negated) rest = rest.slice(1).trimStart();
    conditions.push({ key: assignment.key, path: rest, negated, assignment });
  }
  return conditions;
}
