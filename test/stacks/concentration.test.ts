import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { approvalThreshold, concentration, fewestReaching, haltingWeight } from '../../src/stacks/concentration.js';

/** mulberry32: a seeded generator, so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Small sets with ties, zeros and one dominant signer now and then: the shapes where greedy answers could slip. */
function randomWeights(next: () => number): number[] {
  const count = 1 + Math.floor(next() * 12);
  const style = next();
  const weights = Array.from({ length: count }, () => {
    if (style < 0.25) return Math.floor(next() * 4); // many ties and zeros
    if (style < 0.5) return Math.floor(next() ** 3 * 1000); // heavy tail
    return Math.floor(next() * 60);
  });
  if (!weights.some((weight) => weight > 0)) weights[0] = 1 + Math.floor(next() * 5);
  return weights;
}

/**
 * The literal definitions, over every subset, with no shared arithmetic:
 * approve = the coalition's signatures alone meet "≥ 70% of the weight": 10·w(C) ≥ 7·total;
 * halt = the others can no longer meet it: 10·(total − w(C)) < 7·total.
 */
function bruteForce(weights: readonly number[]): { approve: number; halt: number; haltBy30: number } {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let approve = Number.POSITIVE_INFINITY;
  let halt = Number.POSITIVE_INFINITY;
  let haltBy30 = Number.POSITIVE_INFINITY;
  for (let mask = 1; mask < 1 << weights.length; mask++) {
    let weight = 0;
    let size = 0;
    for (let bit = 0; bit < weights.length; bit++) {
      if (mask & (1 << bit)) {
        weight += weights[bit]!;
        size++;
      }
    }
    if (10 * weight >= 7 * total) approve = Math.min(approve, size);
    if (10 * (total - weight) < 7 * total) halt = Math.min(halt, size);
    if (10 * weight > 3 * total) haltBy30 = Math.min(haltBy30, size);
  }
  return { approve, halt, haltBy30 };
}

describe('thresholds', () => {
  test('approval threshold is ceil(total · 7 / 10), as stacks-core computes it', () => {
    // stacks-core's own regression vector: total 511 → 358.
    assert.equal(approvalThreshold(511), 358);
    assert.equal(approvalThreshold(1), 1);
    assert.equal(approvalThreshold(10), 7);
    assert.equal(approvalThreshold(11), 8);
    assert.equal(approvalThreshold(4000), 2800);
    for (let total = 1; total <= 5000; total++) {
      assert.equal(approvalThreshold(total), Math.ceil((total * 7) / 10 - 1e-9), `total ${total}`);
    }
  });

  test('halting weight: the least weight that leaves the others below the threshold, i.e. more than 30%', () => {
    assert.equal(haltingWeight(10), 4);
    assert.equal(haltingWeight(11), 4);
    assert.equal(haltingWeight(1), 1);
    for (let total = 1; total <= 5000; total++) {
      const halt = haltingWeight(total);
      assert.ok(total - halt < approvalThreshold(total), `total ${total}: ${halt} halts`);
      assert.ok(total - (halt - 1) >= approvalThreshold(total), `total ${total}: ${halt - 1} does not`);
      assert.ok(10 * halt > 3 * total && 10 * (halt - 1) <= 3 * total, `total ${total}: same as > 30%`);
    }
  });
});

describe('fewestReaching', () => {
  test('shortest heaviest-first prefix; undefined when everything together falls short', () => {
    assert.equal(fewestReaching([1, 5, 2, 5], 10), 2);
    assert.equal(fewestReaching([1, 5, 2, 5], 11), 3);
    assert.equal(fewestReaching([1, 1], 3), undefined);
    assert.equal(fewestReaching([3], 0), 0);
  });
});

describe('concentration', () => {
  test('greedy answers equal the brute force over every subset (600 random sets, n ≤ 12)', () => {
    for (let seed = 1; seed <= 600; seed++) {
      const weights = randomWeights(random(seed));
      const figures = concentration(weights);
      const expected = bruteForce(weights);
      const where = `seed ${seed}: [${weights.join(', ')}]`;
      assert.equal(figures.fewestToApprove, expected.approve, `${where} approve`);
      assert.equal(figures.fewestToHalt, expected.halt, `${where} halt`);
      assert.equal(expected.halt, expected.haltBy30, `${where}: "others can't reach 70%" is "> 30%"`);
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      const hhi = weights.reduce((sum, weight) => sum + ((100 * weight) / total) ** 2, 0);
      assert.ok(Math.abs(figures.hhi - hhi) < 1e-6, `${where} hhi ${figures.hhi} vs ${hhi}`);
      assert.equal(figures.largestShare, Math.max(...weights) / total, `${where} largest`);
    }
  });

  test('the docs example sets (stacks-core docs/rpc examples)', () => {
    // PoX-4 example: one signer of weight 1.
    assert.deepEqual(concentration([1]), {
      members: 1,
      totalWeight: 1,
      approveThreshold: 1,
      haltWeight: 1,
      fewestToApprove: 1,
      fewestToHalt: 1,
      largestShare: 1,
      hhi: 10_000,
      effectiveMembers: 1,
    });
    // PoX-5 example: weights 636 and 9, total 645: T = ceil(451.5) = 452, halting weight 645 − 452 + 1 = 194.
    const pox5 = concentration([636, 9]);
    assert.equal(pox5.approveThreshold, 452);
    assert.equal(pox5.haltWeight, 194);
    assert.equal(pox5.fewestToApprove, 1);
    assert.equal(pox5.fewestToHalt, 1);
    assert.equal(pox5.largestShare, 636 / 645);
    assert.equal(Math.round(pox5.hhi * 100) / 100, 9724.82); // (636² + 9²) / 645² · 10⁴ = 404577 / 416025 · 10⁴
  });

  test('equal weights: HHI 10,000 / n, effective members n; a zero-weight member changes nothing but the count', () => {
    const figures = concentration([5, 5, 5, 5]);
    assert.equal(figures.hhi, 2500);
    assert.equal(figures.effectiveMembers, 4);
    assert.equal(figures.fewestToApprove, 3); // 15 ≥ 14
    assert.equal(figures.fewestToHalt, 2); // others keep 10 < 14
    const withZero = concentration([5, 5, 5, 5, 0]);
    assert.equal(withZero.members, 5);
    assert.equal(withZero.hhi, 2500);
    assert.equal(withZero.fewestToApprove, 3);
  });

  test('a total of zero is refused', () => {
    assert.throws(() => concentration([0, 0]), RangeError);
    assert.throws(() => concentration([]), RangeError);
  });
});
