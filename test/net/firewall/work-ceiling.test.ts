// Issue #18, linear time on every input: the exposure's work bound is also checked while one port piece is walked.
// Checked only between pieces, the 27-rule random ruleset of seed 499 (undecided jumps) copied 2.5 M ways in one
// piece's walk, 2.6-4.5 s, before any check came.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CheckError } from '../../../src/engine/errors.js';
import { EXPOSURE_WORK_BASE, EXPOSURE_WORK_PER_RULE, inboundExposure } from '../../../src/net/firewall/exposure.js';
import { resetRulesVisited, waysCopied, workUnits } from '../../../src/net/firewall/walk-count.js';
import { randomRuleset } from './random-ruleset.js';

describe('the exposure work ceiling', () => {
  test('seed 499 is refused as too complex before its work passes the bound, not after copying 2.5 M ways', () => {
    const ruleset = randomRuleset(499);
    resetRulesVisited();
    assert.throws(
      () => inboundExposure(ruleset),
      (error: unknown) => error instanceof CheckError && /firewall too complex to evaluate/.test(error.message),
    );
    const rules = ruleset.tables.flatMap((table) => table.chains.flatMap((chain) => chain.rules)).length;
    const bound = EXPOSURE_WORK_BASE + EXPOSURE_WORK_PER_RULE * (rules + 1_000);
    assert.ok(workUnits() <= bound + 100_000, `${workUnits()} units done, bound ${bound}`);
    assert.ok(waysCopied() < 2_500_000 / 2, `${waysCopied()} ways copied`);
  });

  test('after a refusal the ceiling is lifted: the next evaluation runs whole', () => {
    resetRulesVisited();
    const exposure = inboundExposure(randomRuleset(1));
    assert.equal(exposure.length, 2);
  });
});
