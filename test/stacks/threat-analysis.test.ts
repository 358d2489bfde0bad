import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fingerprint } from '../../src/stacks/fingerprint.js';
import { parseOperatorMap } from '../../src/stacks/operators.js';
import { parseStackerSet, type StackerSet } from '../../src/stacks/signer-set.js';
import { analyseThreat } from '../../src/stacks/threat-analysis.js';
import { REPO_ROOT } from '../support/cli.js';
import { key } from '../support/stacker-sets.js';

function example(name: string): string {
  return readFileSync(`${REPO_ROOT}examples/stacker-sets/${name}`, 'utf8');
}

function setOf(weights: readonly number[]): StackerSet {
  return {
    rewardSetVersion: 0,
    poxUstxThreshold: null,
    signers: weights.map((weight, index) => ({
      signingKey: key(`s${index}`),
      weight,
      stackedUstx: BigInt(weight) * 1_000_000n,
      index,
    })),
  };
}

describe('analyseThreat', () => {
  test('the larger example set: figures, sorted rows, crossing rows', () => {
    const analysis = analyseThreat(parseStackerSet(example('mainnet-like.json')));
    const { figures, rows } = analysis.signers;
    assert.equal(figures.members, 30);
    assert.equal(figures.totalWeight, 4133);
    assert.equal(figures.approveThreshold, 2894); // ceil(2893.1)
    assert.equal(figures.haltWeight, 1240); // 4133 − 2894 + 1
    assert.equal(figures.fewestToApprove, 7); // 612+540+488+402+377+301+255 = 2975 ≥ 2894; six give 2720
    assert.equal(figures.fewestToHalt, 3); // 612+540+488 = 1640 ≥ 1240; two give 1152
    assert.equal(figures.largestShare, 612 / 4133);
    for (let index = 1; index < rows.length; index++)
      assert.ok(rows[index - 1]!.weight >= rows[index]!.weight, 'heaviest first');
    assert.deepEqual(rows.find((row) => row.crosses.includes('halt'))?.rank, figures.fewestToHalt);
    assert.deepEqual(rows.find((row) => row.crosses.includes('approve'))?.rank, figures.fewestToApprove);
    assert.equal(rows.at(-1)!.cumulativeWeight, 4133);
    assert.equal(rows.at(-1)!.cumulativeShare, 1);
    assert.equal(analysis.operators, null);
    assert.equal(analysis.me, null);
    // Exact u128 sum of every stacked_amt in the file.
    const raw = example('mainnet-like.json');
    const amounts = [...raw.matchAll(/"stacked_amt": ([0-9]+)/g)].map((match) => BigInt(match[1]!));
    assert.equal(analysis.totalStackedUstx, amounts.reduce((sum, amount) => sum + amount, 0n).toString());
  });

  test('ties are ordered by signing key, so the table is stable', () => {
    const rows = analyseThreat(setOf([5, 5, 5])).signers.rows;
    const keys = rows.map((row) => row.signingKey);
    assert.deepEqual(keys, [...keys].sort());
  });

  test('operators: an operator with several keys counts once (brute force over operator coalitions)', () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let round = 0; round < 150; round++) {
      const count = 1 + Math.floor(next() * 12);
      const weights = Array.from({ length: count }, () => Math.floor(next() * 40));
      if (!weights.some((weight) => weight > 0)) weights[0] = 3;
      const set = setOf(weights);
      const operatorCount = 1 + Math.floor(next() * 5);
      const owner = set.signers.map(() => (next() < 0.8 ? Math.floor(next() * operatorCount) : -1));
      const map = new Map<string, string>();
      set.signers.forEach((signer, index) => {
        if (owner[index]! >= 0) map.set(signer.signingKey, `op${owner[index]}`);
      });
      const analysis = analyseThreat(set, { operators: map });
      // Literal: each unattributed key is its own operator; a coalition of operators holds all their keys.
      const groups = new Map<string, number>();
      set.signers.forEach((signer, index) => {
        const id = owner[index]! >= 0 ? `op${owner[index]}` : signer.signingKey;
        groups.set(id, (groups.get(id) ?? 0) + signer.weight);
      });
      const groupWeights = [...groups.values()];
      const total = groupWeights.reduce((sum, weight) => sum + weight, 0);
      let approve = Number.POSITIVE_INFINITY;
      let halt = Number.POSITIVE_INFINITY;
      for (let mask = 1; mask < 1 << groupWeights.length; mask++) {
        let weight = 0;
        let size = 0;
        groupWeights.forEach((groupWeight, bit) => {
          if (mask & (1 << bit)) {
            weight += groupWeight;
            size++;
          }
        });
        if (10 * weight >= 7 * total) approve = Math.min(approve, size);
        if (10 * (total - weight) < 7 * total) halt = Math.min(halt, size);
      }
      const where = `round ${round}: weights [${weights}] owners [${owner}]`;
      assert.equal(analysis.operators!.figures.members, groups.size, where);
      assert.equal(analysis.operators!.figures.fewestToApprove, approve, where);
      assert.equal(analysis.operators!.figures.fewestToHalt, halt, where);
    }
  });

  test('the example operators file: groups, names, keys not in the set', () => {
    const set = parseStackerSet(example('mainnet-like.json'));
    const operators = parseOperatorMap(example('mainnet-like.operators.json'));
    const extra = new Map(operators);
    extra.set(key('not in the set'), 'Ghost');
    const analysis = analyseThreat(set, { operators: extra });
    const section = analysis.operators!;
    assert.equal(section.keysNotInSet, 1);
    const poolA = section.rows.find((row) => row.name === 'Pool A')!;
    assert.equal(poolA.rank, 1);
    assert.equal(poolA.weight, 612 + 377);
    assert.equal(poolA.signingKeys.length, 2);
    assert.equal(section.figures.fewestToHalt, 2); // Pool A 989 + Pool B 825 = 1814 ≥ 1240
    assert.equal(section.figures.fewestToApprove, 5);
    const unattributed = section.rows.filter((row) => !row.attributed);
    assert.ok(unattributed.every((row) => row.signingKeys.length === 1 && row.name === row.signingKeys[0]));
    assert.equal(section.rows.length, 7 + unattributed.length);
  });

  test('my position: keys found and missing, stand-alone verdicts, my operator', () => {
    const set = setOf([50, 30, 15, 5]);
    const [heavy, second, , light] = set.signers.map((signer) => signer.signingKey) as [string, string, string, string];
    const missing = key('elsewhere');
    const alone = analyseThreat(set, { myKeys: [light, missing] }).me!;
    assert.deepEqual(alone.keys, [light]);
    assert.deepEqual(alone.missing, [fingerprint(missing)], 'named by fingerprint, never echoed');
    assert.equal(alone.weight, 5);
    assert.equal(alone.canHaltAlone, false);
    assert.equal(alone.operator, null);

    const big = analyseThreat(set, { myKeys: [heavy] }).me!;
    assert.equal(big.canHaltAlone, true); // 50 > 30
    assert.equal(big.canApproveAlone, false); // 50 < 70

    const operators = new Map([
      [heavy, 'Big'],
      [second, 'Big'],
    ]);
    const grouped = analyseThreat(set, { myKeys: [second], operators }).me!;
    assert.equal(grouped.weight, 30);
    assert.equal(grouped.canHaltAlone, false); // 30 is not more than 30%
    assert.deepEqual(grouped.operator?.names, ['Big']);
    assert.equal(grouped.operator?.weight, 80);
    assert.equal(grouped.operator?.canApproveAlone, true);

    const nowhere = analyseThreat(set, { myKeys: [missing] }).me!;
    assert.deepEqual(nowhere.keys, []);
    assert.equal(nowhere.weight, 0);
  });
});
