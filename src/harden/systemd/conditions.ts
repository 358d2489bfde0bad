// https://www.freedesktop.org/software/systemd/man/latest/systemd.unit.html#Conditions%20and%20Asserts — the
// Condition*= paths a unit must check so that service/unit-consistency passes: the config ExecStart= reads, a
// directory above it, the binary it runs. Pure.
import { posix } from 'node:path';
import { isAtOrBelow, normalisePath } from '../../facts/services/sandbox-paths.js';
import { unitConditions } from '../../facts/services/unit-conditions.js';
import type { EffectiveUnit } from '../../parsers/systemd-unit.js';
import { type ConditionLine, unitPath } from './render-drop-in.js';

const PATH_CONDITIONS = ['ConditionFileNotEmpty', 'ConditionPathExists', 'ConditionFileIsExecutable'];

export interface ServicePaths {
  /** The config the (new) ExecStart= passes; undefined when it passes none. */
  config?: string;
  /** The program the (new) ExecStart= runs. */
  binary?: string;
}

/**
 * The conditions to write after a reset, or undefined when every condition in force already agrees with the
 * paths. A wrong one is corrected in place (its "|" trigger kept), a negated one on the config or binary dropped
 * (it would skip the unit while they exist), and every other condition is written again as it was.
 */
export function fixConditions(unit: EffectiveUnit, paths: ServicePaths): ConditionLine[] | undefined {
  const config = paths.config === undefined ? undefined : normalisePath(paths.config);
  const binary = paths.binary?.startsWith('/') ? normalisePath(paths.binary) : undefined;
  let changed = false;
  const lines: ConditionLine[] = [];
  const add = (line: ConditionLine) => {
    if (!lines.some((other) => other.key === line.key && other.value === line.value)) lines.push(line);
  };
  for (const condition of unitConditions(unit)) {
    const raw = { key: condition.key, value: condition.assignment.value };
    if (!PATH_CONDITIONS.includes(condition.key)) {
      add(raw);
      continue;
    }
    const path = normalisePath(condition.path);
    const aboveConfig = config !== undefined && isAtOrBelow(config, path);
    const aboveBinary = binary !== undefined && isAtOrBelow(binary, path);
    const trigger = condition.assignment.value.trimStart().startsWith('|') ? '|' : '';
    if (condition.negated) {
      const hitsService =
        condition.key === 'ConditionFileIsExecutable'
          ? path === binary
          : condition.key === 'ConditionFileNotEmpty'
            ? path === config
            : aboveConfig || aboveBinary;
      if (hitsService) changed = true;
      else add(raw);
      continue;
    }
    const right = rightPath(condition.key, config, binary);
    const agrees =
      condition.key === 'ConditionFileNotEmpty'
        ? config === undefined || path === config
        : condition.key === 'ConditionPathExists'
          ? aboveConfig || aboveBinary
          : binary === undefined || path === binary;
    if (agrees || right === undefined) {
      add(raw);
      continue;
    }
    changed = true;
    add({ key: condition.key, value: `${trigger}${unitPath(right)}` });
  }
  return changed ? lines : undefined;
}

function rightPath(key: string, config: string | undefined, binary: string | undefined): string | undefined {
  if (key === 'ConditionFileNotEmpty') return config;
  if (key === 'ConditionPathExists') return config === undefined ? binary : posix.dirname(config);
  return binary;
}
