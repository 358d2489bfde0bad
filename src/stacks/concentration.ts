// How concentrated signer weight is: the coalitions that reach the block-approval and chain-halt thresholds
// (stacks-core:stackslib/src/chainstate/nakamoto/mod.rs compute_voting_weight_threshold; stacks-facts.md §7). Pure.
//
// The rules, from the source:
// - A block is accepted when the weight that signed it is ≥ T = ceil(total * 7 / 10) (`total_weight_signed < threshold`
//   is the rejection). So a coalition C can approve anything alone when w(C) ≥ T.
// - A coalition halts the chain when, by withholding or rejecting, it leaves the others unable to reach T:
//   total - w(C) < T, i.e. w(C) ≥ total - T + 1. Since total - T = floor(total * 3 / 10), for integer weights this is
//   exactly w(C) > 30% of total, the "> 30% halts" of the docs.
// - The fewest members reaching a weight W: the k heaviest members hold the most weight any k members can hold, so the
//   answer is the shortest prefix of the members sorted heaviest first whose sum reaches W (the property test checks this
//   against every subset).

import { maxOf } from '../parsers/lists.js';

/** T: the weight that must sign a block, ceil(total * 7 / 10), computed in integers as stacks-core does. */
export function approvalThreshold(totalWeight: number): number {
  const scaled = totalWeight * 7;
  return Math.floor(scaled / 10) + (scaled % 10 === 0 ? 0 : 1);
}

/** The least weight that can halt the chain: total - T + 1 (the others keep less than T). */
export function haltingWeight(totalWeight: number): number {
  return totalWeight - approvalThreshold(totalWeight) + 1;
}

/** Heaviest first; ties in the order given (callers pre-sort ties by key, so the order is stable and documented). */
export function heaviestFirst<T extends { weight: number }>(members: readonly T[]): T[] {
  return [...members].sort((a, b) => b.weight - a.weight);
}

/**
 * The fewest members whose weights sum to at least `needed`, or undefined when all of them together fall short.
 * `weights` in any order.
 */
export function fewestReaching(weights: readonly number[], needed: number): number | undefined {
  const sorted = [...weights].sort((a, b) => b - a);
  let sum = 0;
  if (needed <= 0) return 0;
  for (let count = 1; count <= sorted.length; count++) {
    sum += sorted[count - 1]!;
    if (sum >= needed) return count;
  }
  return undefined;
}

export interface ConcentrationFigures {
  members: number;
  totalWeight: number;
  /** T = ceil(total * 7 / 10): weight that approves any block. */
  approveThreshold: number;
  /** total - T + 1: weight that halts the chain (more than 30%). */
  haltWeight: number;
  /** Fewest members holding ≥ T. */
  fewestToApprove: number;
  /** Fewest members holding > 30%. */
  fewestToHalt: number;
  /** The heaviest member's share, 0–1. */
  largestShare: number;
  /** Herfindahl–Hirschman index Σ share², on the 0–10,000 scale (shares in percent), as competition authorities use it. */
  hhi: number;
  /** 1 / Σ share² (shares 0–1): how many equal members would give the same concentration. */
  effectiveMembers: number;
}

/** Figures for a set of members (signers, or operators with their keys' weights summed). Total weight must be > 0. */
export function concentration(weights: readonly number[]): ConcentrationFigures {
  const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
  if (!(totalWeight > 0)) throw new RangeError('concentration needs a total weight above 0');
  const approveThreshold = approvalThreshold(totalWeight);
  const haltWeight = haltingWeight(totalWeight);
  // Both thresholds are ≤ total (T ≥ 1 when total ≥ 1), so the whole set always reaches them.
  const fewestToApprove = fewestReaching(weights, approveThreshold)!;
  const fewestToHalt = fewestReaching(weights, haltWeight)!;
  // Σ share² over floating shares: w² of u32 weights can pass 2^53, a share squared cannot lose more than rounding.
  // Clamped: rounding must not push it past 1, its value for a single member.
  const concentrationRatio = Math.min(
    1,
    weights.reduce((sum, weight) => sum + (weight / totalWeight) ** 2, 0),
  );
  return {
    members: weights.length,
    totalWeight,
    approveThreshold,
    haltWeight,
    fewestToApprove,
    fewestToHalt,
    largestShare: maxOf(weights) / totalWeight,
    hhi: concentrationRatio * 10_000,
    effectiveMembers: 1 / concentrationRatio,
  };
}
