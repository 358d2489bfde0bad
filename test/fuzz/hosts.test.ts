// The fixed-seed end-to-end fuzz budget: mutated example and fixture hosts through `audit` and `harden plan`, in
// process. Invariants: no exception, no case over the limit, the report valid against schema/report.schema.json,
// no secret (planted or the host's own) in a report or a plan's messages. Kept host failures are replayed too.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { checkHostCase, cleanupHosts, describeHostFailure, fuzzHosts, readHostRegression } from './host-fuzz.js';
import { knownFailures, regressionInputs } from './regressions.js';

export const HOST_SUITE_RUNS = 40;
export const HOST_SUITE_SEED = 20261207;

describe('fuzz: mutated hosts through audit and harden plan', { timeout: 600_000 }, () => {
  after(cleanupHosts);

  test(`${HOST_SUITE_RUNS} cases (seed ${HOST_SUITE_SEED})`, async () => {
    // Half the growing mutations grow large, as in the parser budget (parsers.test.ts): the cap is small here.
    const outcome = await fuzzHosts({
      seed: HOST_SUITE_SEED,
      numRuns: HOST_SUITE_RUNS,
      maxGrowthBytes: 32 * 1024,
      largeShare: 0.5,
    });
    assert.ok(!outcome.details.failed, describeHostFailure(outcome.details));
    assert.equal(outcome.stats.cases, HOST_SUITE_RUNS);
  });

  const known = knownFailures();
  for (const input of regressionInputs().filter((kept) => kept.target === 'hosts')) {
    const reason = known[input.id];
    test(`regression ${input.id}`, reason ? { todo: `known failure: ${reason}` } : {}, async () => {
      await checkHostCase(readHostRegression(input.path));
    });
  }
});
