// `npm run fuzz -- --runs N`: the suite's fuzz targets (test/fuzz/), run longer and with larger inputs.
//   --runs N         cases per parser target (default 10000) and per host run (--host-runs, default runs/50)
//   --seed S         fast-check seed (default: from the clock; always printed, so any run can be replayed)
//   --target NAME    only these targets (repeat or comma-separate); `hosts` is the end-to-end audit/plan run
//   --path P         replay one case (the path a failure prints), with its --seed and --target
//   --growth BYTES   how much one mutation may grow an input (default 1 MiB)
//   --trace          write each case's index to stderr before running it (a hang is then replayable: --path INDEX)
//   --seconds S      stop starting new cases of a target after S seconds (a long run shared out between targets;
//                    the summary counts the cases that ran)
//   --shrink         shrink a failure to a smaller case (slow on multi-megabyte inputs; off by default)
// Each case is held to the limit in CPU time (on a loaded machine the wall clock measures the other users);
// SIGNER_OPSEC_FUZZ_CLOCK=wall holds it to wall time instead, on an idle machine (test/fuzz/invariants.ts).
// A failure prints the target, the broken invariant, the replay command, and keeps the input under
// test/fuzz/regressions/<target>/ so the suite replays it from then on. Exit 1 when any target failed.
import { checkHostCase, describeHostFailure, fuzzHosts, keepHostRegression } from '../test/fuzz/host-fuzz.js';
import { CASE_CLOCK, CASE_LIMIT_MS } from '../test/fuzz/invariants.js';
import { describeFailure, fuzzParser } from '../test/fuzz/parser-fuzz.js';
import { PARSER_TARGETS } from '../test/fuzz/parser-targets.js';
import { keepRegression } from '../test/fuzz/regressions.js';

interface Args {
  runs: number;
  hostRuns: number | undefined;
  seed: number;
  targets: string[];
  path: string | undefined;
  growth: number;
  shrink: boolean;
  trace: boolean;
  seconds: number | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    runs: 10_000,
    hostRuns: undefined,
    seed: Date.now() % 2 ** 31,
    targets: [],
    path: undefined,
    growth: 1024 * 1024,
    shrink: false,
    trace: false,
    seconds: undefined,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    const number = () => {
      if (value === undefined || !/^\d+$/.test(value)) throw new Error(`${flag}: expected a number`);
      i += 1;
      return Number(value);
    };
    if (flag === '--runs') args.runs = number();
    else if (flag === '--host-runs') args.hostRuns = number();
    else if (flag === '--seed') args.seed = number();
    else if (flag === '--growth') args.growth = number();
    else if (flag === '--seconds') args.seconds = number();
    else if (flag === '--shrink') args.shrink = true;
    else if (flag === '--trace') args.trace = true;
    else if (flag === '--target' && value !== undefined) {
      args.targets.push(...value.split(',').filter(Boolean));
      i += 1;
    } else if (flag === '--path' && value !== undefined) {
      args.path = value;
      i += 1;
    } else throw new Error(`unknown argument ${flag} (see the header of scripts/fuzz.ts)`);
  }
  const known = new Set([...PARSER_TARGETS.map((target) => target.name), 'hosts']);
  const unknown = args.targets.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new Error(`unknown --target ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  return args;
}

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const wanted = (name: string) => args.targets.length === 0 || args.targets.includes(name);
  process.stdout.write(
    `fuzz: seed ${args.seed}, ${args.runs} runs per parser, growth ${args.growth} bytes, limit ${CASE_LIMIT_MS} ms (${CASE_CLOCK} clock) per case\n`,
  );
  let failures = 0;
  let total = 0;
  let maxMs = 0;
  for (const target of PARSER_TARGETS) {
    if (!wanted(target.name)) continue;
    const started = performance.now();
    const outcome = await fuzzParser(target, {
      seed: args.seed,
      numRuns: args.runs,
      maxGrowthBytes: args.growth,
      maxMutations: 8,
      noShrink: !args.shrink,
      ...(args.seconds !== undefined ? { timeLimitMs: args.seconds * 1000 } : {}),
      ...(args.trace
        ? {
            beforeCase: (index: number, bytes: number) =>
              process.stderr.write(`${target.name} case ${index} (${bytes} bytes)\n`),
          }
        : {}),
      ...(args.path !== undefined ? { path: args.path } : {}),
    });
    const { stats } = outcome;
    total += stats.cases;
    maxMs = Math.max(maxMs, stats.maxMs);
    process.stdout.write(
      `${target.name}: ${stats.cases} cases in ${Math.round((performance.now() - started) / 1000)} s, ` +
        `slowest ${stats.maxMs.toFixed(1)} ms ${CASE_CLOCK} (${stats.maxMsBytes} bytes), slowest wall ${stats.maxWallMs.toFixed(1)} ms, largest input ${stats.largestBytes} bytes, ` +
        `peak RSS so far ${peakRssMb()} MB\n`,
    );
    if (stats.known > 0)
      process.stdout.write(
        `  ${stats.known} case(s) hit a known violation, e.g. ${stats.knownExamples.join('\n  ')}\n`,
      );
    if (outcome.details.failed) {
      failures += 1;
      process.stdout.write(`FAIL ${describeFailure(target, outcome.details)}\n`);
      if (outcome.failingInput) process.stdout.write(`kept: ${keepRegression(target.name, outcome.failingInput)}\n`);
    }
  }
  if (wanted('hosts')) {
    const started = performance.now();
    const outcome = await fuzzHosts({
      seed: args.seed,
      numRuns: args.hostRuns ?? Math.max(1, Math.round(args.runs / 50)),
      maxGrowthBytes: Math.min(args.growth, 256 * 1024),
      noShrink: !args.shrink,
      ...(args.seconds !== undefined ? { timeLimitMs: args.seconds * 1000 } : {}),
      ...(args.path !== undefined ? { path: args.path } : {}),
    });
    total += outcome.stats.cases;
    maxMs = Math.max(maxMs, outcome.stats.maxMs);
    process.stdout.write(
      `hosts: ${outcome.stats.cases} audit + plan cases in ${Math.round((performance.now() - started) / 1000)} s, ` +
        `slowest ${outcome.stats.maxMs.toFixed(1)} ms ${CASE_CLOCK} (${outcome.stats.slowest}), peak RSS so far ${peakRssMb()} MB\n`,
    );
    if (outcome.details.failed) {
      failures += 1;
      process.stdout.write(`FAIL ${describeHostFailure(outcome.details)}\n`);
      if (outcome.failingCase) {
        const kept = keepHostRegression(outcome.failingCase);
        process.stdout.write(`kept: ${kept}\n`);
        // The kept case must replay the failure on its own: say so if it does not (an order-dependent failure).
        await checkHostCase(outcome.failingCase).then(
          () => process.stdout.write('note: the kept case passes when replayed alone\n'),
          () => undefined,
        );
      }
    }
  }
  process.stdout.write(
    `fuzz: ${total} cases, slowest ${maxMs.toFixed(1)} ms, peak RSS ${peakRssMb()} MB, ${failures} target(s) failed (seed ${args.seed})\n`,
  );
  return failures > 0 ? 1 : 0;
}

process.exitCode = await main();
