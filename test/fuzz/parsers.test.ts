// The fixed-seed fuzz budget of the suite: every parser, a few hundred mutated real files each, and every input the
// fuzzer ever broke a parser with. `npm run fuzz -- --runs N` runs the same targets longer (scripts/fuzz.ts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from '../support/cli.js';
import { checkParserInput, describeFailure, fuzzParser } from './parser-fuzz.js';
import { NOT_PARSERS, PARSER_TARGETS, targetNamed } from './parser-targets.js';
import { knownFailures, regressionInputs } from './regressions.js';

/** Per target; ~30 targets make several thousand cases. */
export const SUITE_RUNS = 200;
export const SUITE_SEED = 20261207;
export const SUITE_GROWTH = 64 * 1024;
/**
 * Half the growing mutations grow large (log-uniformly up to twice the cap), ten times the long run's share: with a
 * 64 KiB cap a large case is cheap, and ~3.4% of the suite's cases still reach the cap (~7 per target).
 */
export const SUITE_LARGE_SHARE = 0.5;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(REPO_ROOT, join(entry.parentPath, entry.name)))
    .sort();
}

describe('fuzz targets cover every parser', () => {
  test('each module of src/parsers/ is driven by a fuzz target (or listed as no parser, with why)', () => {
    const covered = new Set(PARSER_TARGETS.flatMap((target) => target.modules));
    const missing = sourceFiles('src/parsers').filter((file) => !covered.has(file) && !(file in NOT_PARSERS));
    assert.deepEqual(missing, [], 'add a target in test/fuzz/parser-targets.ts for each');
  });

  test('every module a target names exists, and target names are unique', () => {
    const all = new Set([...sourceFiles('src')]);
    for (const target of PARSER_TARGETS)
      for (const module of target.modules) assert.ok(all.has(module), `${target.name}: no ${module}`);
    const names = PARSER_TARGETS.map((target) => target.name);
    assert.equal(new Set(names).size, names.length);
  });
});

// A case is bounded by CASE_LIMIT_MS; a whole target by that times its runs is far more than it ever takes.
describe(`fuzz: ${SUITE_RUNS} mutated inputs per parser (seed ${SUITE_SEED})`, { timeout: 600_000 }, () => {
  for (const [index, target] of PARSER_TARGETS.entries()) {
    test(target.name, async (t) => {
      const { details, stats } = await fuzzParser(target, {
        seed: SUITE_SEED + index,
        numRuns: SUITE_RUNS,
        maxGrowthBytes: SUITE_GROWTH,
        maxMutations: 6,
        largeShare: SUITE_LARGE_SHARE,
      });
      assert.ok(!details.failed, describeFailure(target, details));
      assert.equal(stats.cases, SUITE_RUNS);
      if (stats.known > 0) t.diagnostic(`${stats.known} case(s) hit a known violation, e.g. ${stats.knownExamples[0]}`);
    });
  }
});

describe('fuzz regressions: every input that ever broke a parser', () => {
  const known = knownFailures();
  const inputs = regressionInputs().filter((input) => input.target !== 'hosts');
  test('the known-failures list names kept inputs only', () => {
    const ids = new Set(regressionInputs().map((input) => input.id));
    assert.deepEqual(
      Object.keys(known).filter((id) => !ids.has(id)),
      [],
    );
  });
  for (const input of inputs) {
    const reason = known[input.id];
    test(input.id, reason ? { todo: `known failure: ${reason}` } : {}, async () => {
      await checkParserInput(targetNamed(input.target), readFileSync(input.path), true);
    });
  }
});
