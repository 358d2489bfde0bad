// The overall exposure of a service unit as `systemd-analyze security --offline=true` of systemd 252 computes it
// (assess() in src/analyze/analyze-security.c): integer arithmetic with round-up divisions, in tenths.
import type { EffectiveUnit } from '../../parsers/systemd-unit.js';
import { ASSESSORS, type Assessor } from './assessors.js';
import { readSecurityInfo } from './security-info.js';

export type ExposureLabel = 'PERFECT' | 'SAFE' | 'OK' | 'MEDIUM' | 'EXPOSED' | 'UNSAFE' | 'DANGEROUS';

/** Lowest exposure (in tenths) of each label, worst first, as badness_table[] lists them. */
const LABELS: readonly { from: number; label: ExposureLabel }[] = [
  { from: 100, label: 'DANGEROUS' },
  { from: 90, label: 'UNSAFE' },
  { from: 75, label: 'EXPOSED' },
  { from: 50, label: 'MEDIUM' },
  { from: 10, label: 'OK' },
  { from: 1, label: 'SAFE' },
  { from: 0, label: 'PERFECT' },
];

export interface Assessment {
  id: string;
  weight: number;
  range: number;
  /** 0 … range; undefined when the assessor does not apply to this unit (it then has no weight either). */
  badness: number | undefined;
  /** What systemd-analyze prints for this row. */
  description: string;
  /** This row's share of the overall exposure, as systemd-analyze prints it (0.0 … 10.0). */
  exposure: number;
  fix: string;
  settings: readonly string[];
}

export interface Contributor {
  id: string;
  /** The directive that would take this contribution away. */
  directive: string;
  exposure: number;
  reason: string;
  settings: readonly string[];
}

export interface UnitExposure {
  /** 0.0 (nothing exposed) … 10.0. */
  score: number;
  label: ExposureLabel;
  assessments: Assessment[];
  /** Rows with a non-zero share, largest first. */
  contributors: Contributor[];
}

const divRoundUp = (a: number, b: number) => Math.floor((a + b - 1) / b);

function assessOne(assessor: Assessor, info: ReturnType<typeof readSecurityInfo>) {
  if (assessor.defaultDependenciesOnly && !info.defaultDependencies) {
    return { badness: undefined, description: 'Service runs in special boot phase, option is not appropriate' };
  }
  const verdict = assessor.assess(info);
  const fallback =
    verdict.badness === undefined
      ? assessor.notApplicable
      : verdict.badness === 0
        ? assessor.good
        : verdict.badness === assessor.range
          ? assessor.bad
          : undefined;
  return { badness: verdict.badness, description: verdict.description ?? fallback ?? '' };
}

export function scoreUnit(effective: EffectiveUnit): UnitExposure {
  const info = readSecurityInfo(effective);
  const rows = ASSESSORS.map((assessor) => ({ assessor, ...assessOne(assessor, info) }));
  let badnessSum = 0;
  let weightSum = 0;
  for (const { assessor, badness } of rows) {
    if (badness === undefined) continue;
    badnessSum += divRoundUp(badness * assessor.weight, assessor.range);
    weightSum += assessor.weight;
  }
  const tenths = divRoundUp(badnessSum * 100, weightSum);
  const label = LABELS.find((entry) => tenths >= entry.from)?.label ?? 'PERFECT';

  const assessments: Assessment[] = rows.map(({ assessor, badness, description }) => ({
    id: assessor.id,
    weight: assessor.weight,
    range: assessor.range,
    badness,
    description,
    exposure: badness ? divRoundUp(divRoundUp(badness * assessor.weight * 100, assessor.range), weightSum) / 10 : 0,
    fix: assessor.fix,
    settings: assessor.settings,
  }));
  // Largest share first; among equal printed shares, the one that weighs more in the sum.
  const share = (row: Assessment) => ((row.badness ?? 0) * row.weight) / row.range;
  const contributors = assessments
    .filter((row) => row.exposure > 0)
    .sort((a, b) => b.exposure - a.exposure || share(b) - share(a))
    .map((row) => ({
      id: row.id,
      directive: row.fix,
      exposure: row.exposure,
      reason: row.description,
      settings: row.settings,
    }));
  return { score: tenths / 10, label, assessments, contributors };
}
