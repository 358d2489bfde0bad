// One parser target under fast-check: mutated seeds in, the invariants checked on each case. Shared by the fixed-seed
// budget of the suite (test/fuzz/parsers.test.ts) and the long runs of `npm run fuzz`.
import fc from 'fast-check';
import { describeError, FuzzViolation, leakedSecret, messagesOf, timed } from './invariants.js';
import { applyMutations, linesOf, type MutatedInput, mutatedInputArbitrary } from './mutate.js';
import type { ParserTarget } from './parser-targets.js';

export interface FuzzBudget {
  seed: number;
  numRuns: number;
  /** Replays one case (fast-check's counterexample path) instead of a run. */
  path?: string;
  maxGrowthBytes: number;
  maxMutations: number;
  /** The share of growing mutations that grow large (see MutationOptions.largeShare); default LARGE_SHARE. */
  largeShare?: number;
  /** Stop at the first failure without shrinking: a slow multi-megabyte case takes seconds per shrink step. */
  noShrink?: boolean;
  /** Called before each case with its index: a case that hangs is then known by its path (the index). */
  beforeCase?: (index: number, bytes: number) => void;
  /** Instead of running the parser, hands each case's input here (keeping the input of a case that hung). */
  inputOnly?: (input: Buffer) => void;
  /** Stop starting new cases after this long (a long run shared out between targets); the cases run are counted. */
  timeLimitMs?: number;
}

export interface FuzzStats {
  cases: number;
  maxMs: number;
  maxMsBytes: number;
  /** The slowest case's index: `--path` replays it (a case near the limit is worth a look before it crosses it). */
  maxMsCase: number;
  /** The slowest case by the wall clock (the same as maxMs when CASE_CLOCK is wall). */
  maxWallMs: number;
  largestBytes: number;
  /** The parser's time summed over the cases, by CASE_CLOCK (the rest of a run's CPU is the harness's). */
  parserMs: number;
  /** Cases that hit a known violation, with the first of each kind. */
  known: number;
  knownExamples: string[];
}

/** Runs the parser on one input; throws a FuzzViolation when an invariant breaks. */
async function runParserCase(target: ParserTarget, input: Buffer): Promise<{ ms: number; wallMs: number }> {
  let result: unknown;
  let thrown: unknown;
  let failed = false;
  const { ms, wallMs } = await timed(`${target.name} on ${input.length} bytes`, async () => {
    try {
      result = await target.run(input);
    } catch (error) {
      failed = true;
      thrown = error;
    }
  });
  if (failed && !target.expectedError?.(thrown))
    throw new FuzzViolation('crash', `${target.name} threw ${describeError(thrown)}`);
  if (!target.binary && target.messagesMayQuote === undefined) {
    const texts = messagesOf(result);
    if (thrown instanceof Error) texts.push(thrown.message);
    const secret = leakedSecret(texts);
    if (secret !== undefined) {
      const quoting = texts.find((text) => text.includes(secret))!;
      throw new FuzzViolation(
        'leak',
        `${target.name}: a message quotes the planted secret: ${JSON.stringify(quoting.replaceAll(secret, '<SECRET>').slice(0, 300))}`,
      );
    }
  }
  return { ms, wallMs };
}

export interface CaseResult {
  /** By CASE_CLOCK (CPU time by default, wall time with SIGNER_OPSEC_FUZZ_CLOCK=wall). */
  ms: number;
  wallMs: number;
  /** The known violation this case hit (see ParserTarget.knownViolations), tolerated unless strict. */
  known?: string;
}

/**
 * One input through one target. A violation the target lists as known is returned (and counted by the caller) rather
 * than thrown, unless `strict`: the regression replay is strict, its fixtures are marked known in known-failures.json.
 */
export async function checkParserInput(target: ParserTarget, input: Buffer, strict = false): Promise<CaseResult> {
  const started = performance.now();
  try {
    return await runParserCase(target, input);
  } catch (error) {
    if (strict || !(error instanceof FuzzViolation)) throw error;
    const known = target.knownViolations?.find(
      (candidate) => candidate.kind === error.kind && candidate.pattern.test(error.message),
    );
    if (!known) throw error;
    const wallMs = performance.now() - started;
    return { ms: wallMs, wallMs, known: `${known.reason}: ${error.message}` };
  }
}

export interface PreparedTarget {
  target: ParserTarget;
  seeds: Buffer[];
  arbitrary: fc.Arbitrary<MutatedInput>;
  input(mutated: MutatedInput): Buffer;
}

export function prepareTarget(
  target: ParserTarget,
  budget: Pick<FuzzBudget, 'maxGrowthBytes' | 'maxMutations' | 'largeShare'>,
) {
  const seeds = target.seeds();
  if (seeds.length === 0) throw new Error(`fuzz target ${target.name} has no seed file`);
  const dictionary = target.binary ? [] : [...linesOf(seeds), ...(target.keywords ?? [])];
  const arbitrary = mutatedInputArbitrary(seeds, {
    dictionary,
    secretLines: target.binary ? [] : (target.secretLines ?? []),
    maxGrowthBytes: budget.maxGrowthBytes,
    maxMutations: budget.maxMutations,
    ...(budget.largeShare !== undefined ? { largeShare: budget.largeShare } : {}),
  });
  return {
    target,
    seeds,
    arbitrary,
    input: (mutated: MutatedInput) => applyMutations(seeds, mutated, budget.maxGrowthBytes),
  } satisfies PreparedTarget;
}

export interface ParserFuzzOutcome {
  stats: FuzzStats;
  details: fc.RunDetails<[MutatedInput]>;
  /** The failing input, shrunk, as bytes (to keep as a regression fixture). */
  failingInput?: Buffer;
}

export async function fuzzParser(target: ParserTarget, budget: FuzzBudget): Promise<ParserFuzzOutcome> {
  const prepared = prepareTarget(target, budget);
  const stats: FuzzStats = {
    cases: 0,
    maxMs: 0,
    maxMsBytes: 0,
    maxMsCase: 0,
    maxWallMs: 0,
    largestBytes: 0,
    parserMs: 0,
    known: 0,
    knownExamples: [],
  };
  const property = fc.asyncProperty(prepared.arbitrary, async (mutated) => {
    const input = prepared.input(mutated);
    if (budget.inputOnly) return budget.inputOnly(input);
    const index = stats.cases;
    budget.beforeCase?.(index, input.length);
    const { ms, wallMs, known } = await checkParserInput(target, input);
    stats.cases += 1;
    stats.parserMs += ms;
    stats.maxWallMs = Math.max(stats.maxWallMs, wallMs);
    if (known !== undefined) {
      stats.known += 1;
      if (stats.knownExamples.length < 3) stats.knownExamples.push(known);
    }
    stats.largestBytes = Math.max(stats.largestBytes, input.length);
    if (ms > stats.maxMs) {
      stats.maxMs = ms;
      stats.maxMsBytes = input.length;
      stats.maxMsCase = index;
    }
  });
  const details = await fc.check(property, {
    seed: budget.seed,
    numRuns: budget.numRuns,
    ...(budget.path !== undefined ? { path: budget.path } : {}),
    ...(budget.noShrink ? { endOnFailure: true } : {}),
    ...(budget.timeLimitMs !== undefined
      ? { interruptAfterTimeLimit: budget.timeLimitMs, markInterruptAsFailure: false }
      : {}),
  });
  const counterexample = details.counterexample?.[0];
  return {
    stats,
    details,
    ...(counterexample ? { failingInput: prepared.input(counterexample) } : {}),
  };
}

/** What a failure says: the target, the violation, and how to replay it. */
export function describeFailure(target: ParserTarget, details: fc.RunDetails<[MutatedInput]>): string {
  const error = details.errorInstance;
  const what = error instanceof FuzzViolation ? error.message : describeError(error);
  return [
    `fuzz target ${target.name} failed after ${details.numRuns} case(s): ${what}`,
    `replay: npm run fuzz -- --target ${target.name} --seed ${details.seed} --path ${details.counterexamplePath}`,
  ].join('\n');
}
