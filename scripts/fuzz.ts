// `npm run fuzz -- --runs N`: the suite's fuzz targets (test/fuzz/), run longer and with larger inputs.
//   --runs N         cases per parser target (default 10000) and per host run (--host-runs, default runs/50)
//   --seed S         fast-check seed (default: from the clock; always printed, so any run can be replayed)
//   --target NAME    only these targets (repeat or comma-separate); `hosts` is the end-to-end audit/plan run
//   --path P         replay one case (the path a failure prints), with its --seed and --target
//   --growth BYTES   how much one mutation may grow an input (default 1 MiB)
//   --large-share F  the share of growing mutations that grow large, log-uniformly up to the cap (default 0.05:
//                    ~1.2% of cases pass 100 KB, ~0.35% reach the 1 MiB cap; test/fuzz/mutate.ts)
//   --trace          write each case's index to stderr before running it (a hang is then replayable: --path INDEX)
//   --seconds S      stop starting new cases of a target after S seconds (a long run shared out between targets;
//                    the summary counts the cases that ran)
//   --jobs N         run N targets at a time, each in its own process (default 1: in this process). A process whose
//                    case has run past the wall limit (30x the CPU limit) having used more than the CPU limit is
//                    killed: the case is reported as a hang, kept, and replayed by --path INDEX
//   --summary FILE   also write the per-target figures as a markdown table to FILE
//   --shrink         shrink a failure to a smaller case (slow on multi-megabyte inputs; off by default)
// The figures of the last long run (100,000 cases per parser target, 2 jobs, idle CPU priority) are in
// test/fuzz/LONG-RUN.md, with the command that made them.
// Each case is held to the limit in CPU time (on a loaded machine the wall clock measures the other users);
// SIGNER_OPSEC_FUZZ_CLOCK=wall holds it to wall time instead, on an idle machine (test/fuzz/invariants.ts).
// A failure prints the target, the broken invariant, the replay command, and keeps the input under
// test/fuzz/regressions/<target>/ so the suite replays it from then on. Exit 1 when any target failed.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkHostCase,
  cleanupHosts,
  describeHostFailure,
  fuzzHosts,
  keepHostRegression,
} from '../test/fuzz/host-fuzz.js';
import { CASE_CLOCK, CASE_LIMIT_MS, CASE_WALL_LIMIT_MS } from '../test/fuzz/invariants.js';
import { describeFailure, fuzzParser } from '../test/fuzz/parser-fuzz.js';
import { PARSER_TARGETS, targetNamed } from '../test/fuzz/parser-targets.js';
import { keepRegression } from '../test/fuzz/regressions.js';

interface Args {
  runs: number;
  hostRuns: number | undefined;
  seed: number;
  targets: string[];
  path: string | undefined;
  growth: number;
  largeShare: number | undefined;
  shrink: boolean;
  trace: boolean;
  seconds: number | undefined;
  jobs: number;
  summary: string | undefined;
  /** Internal: this process runs one target for a parent (--jobs), and reports to it. */
  worker: boolean;
  /** Internal: the file where a worker writes the index of the case it is running (the parent's watchdog reads it). */
  beat: string | undefined;
  /** Internal: keep the input of case --path without running it (the parent's record of a hung case). */
  keepOnly: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    runs: 10_000,
    hostRuns: undefined,
    seed: Date.now() % 2 ** 31,
    targets: [],
    path: undefined,
    growth: 1024 * 1024,
    largeShare: undefined,
    shrink: false,
    trace: false,
    seconds: undefined,
    jobs: 1,
    summary: undefined,
    worker: false,
    beat: undefined,
    keepOnly: false,
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
    else if (flag === '--jobs') args.jobs = Math.max(1, number());
    else if (flag === '--shrink') args.shrink = true;
    else if (flag === '--trace') args.trace = true;
    else if (flag === '--worker') args.worker = true;
    else if (flag === '--keep-only') args.keepOnly = true;
    else if (flag === '--large-share' && value !== undefined && /^(0(\.\d+)?|1)$/.test(value)) {
      args.largeShare = Number(value);
      i += 1;
    } else if (flag === '--beat' && value !== undefined) {
      args.beat = value;
      i += 1;
    } else if (flag === '--summary' && value !== undefined) {
      args.summary = value;
      i += 1;
    } else if (flag === '--target' && value !== undefined) {
      args.targets.push(...value.split(',').filter(Boolean));
      i += 1;
    } else if (flag === '--path' && value !== undefined) {
      args.path = value;
      i += 1;
    } else throw new Error(`unknown argument ${flag} (see the header of scripts/fuzz.ts)`);
  }
  // A replay is one case, in this process: a worker's case index would count from the replayed path, not from 0.
  if (args.path !== undefined && !args.worker) args.jobs = 1;
  const known = new Set([...PARSER_TARGETS.map((target) => target.name), 'hosts']);
  const unknown = args.targets.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new Error(`unknown --target ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  return args;
}

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** One target's figures: what a line of the output and a row of the summary say. */
interface TargetResult {
  name: string;
  runs: number;
  cases: number;
  seconds: number;
  maxMs: number;
  /** The input of the slowest case (bytes), or for hosts the files it mutated. */
  maxMsInput: string;
  maxWallMs: number | undefined;
  largestBytes: number | undefined;
  /** CPU of the whole target run beyond the parser's own (fast-check generation, applyMutations, checks). */
  harnessMs: number | undefined;
  parserMs: number | undefined;
  /** Of the process that ran it: this target alone with --jobs, all targets so far without. */
  peakRssMb: number;
  failed: boolean;
  /** The lines this target printed (the same with and without --jobs). */
  output: string;
}

/**
 * Before each case, its index over the start of the --beat file: one small write, which the parent reads once a
 * second (a message per case through a pipe cost the parent a fifth of a worker's CPU at 1,000 cases a second).
 */
function heartbeat(args: Args): ((index: number) => void) | undefined {
  if (args.beat === undefined) return undefined;
  const fd = openSync(args.beat, 'w');
  return (index: number) => {
    writeSync(fd, `${String(index).padEnd(15)}\n`, 0);
  };
}

async function runParserTarget(name: string, args: Args): Promise<TargetResult> {
  const target = targetNamed(name);
  const started = performance.now();
  const cpuStarted = cpuMs();
  const beat = heartbeat(args);
  if (args.keepOnly) {
    let kept = '';
    await fuzzParser(target, {
      seed: args.seed,
      numRuns: args.runs,
      maxGrowthBytes: args.growth,
      maxMutations: 8,
      ...(args.largeShare !== undefined ? { largeShare: args.largeShare } : {}),
      ...(args.path !== undefined ? { path: args.path } : {}),
      noShrink: true,
      // fast-check starts at --path and goes on from there: keep that first case, and end the run with it.
      inputOnly: (input) => {
        kept = keepRegression(name, input);
        throw new Error('kept');
      },
    });
    return { ...emptyResult(name, args.runs), output: `kept: ${kept}\n` };
  }
  const outcome = await fuzzParser(target, {
    seed: args.seed,
    numRuns: args.runs,
    maxGrowthBytes: args.growth,
    maxMutations: 8,
    noShrink: !args.shrink,
    ...(args.largeShare !== undefined ? { largeShare: args.largeShare } : {}),
    ...(args.seconds !== undefined ? { timeLimitMs: args.seconds * 1000 } : {}),
    ...(args.trace || beat
      ? {
          beforeCase: (index: number, bytes: number) => {
            beat?.(index);
            if (args.trace) process.stderr.write(`${target.name} case ${index} (${bytes} bytes)\n`);
          },
        }
      : {}),
    ...(args.path !== undefined ? { path: args.path } : {}),
  });
  const { stats } = outcome;
  const seconds = (performance.now() - started) / 1000;
  const harnessMs = Math.max(0, cpuMs() - cpuStarted - (CASE_CLOCK === 'cpu' ? stats.parserMs : 0));
  let output =
    `${target.name}: ${stats.cases} cases in ${Math.round(seconds)} s, ` +
    `slowest ${stats.maxMs.toFixed(1)} ms ${CASE_CLOCK} (${stats.maxMsBytes} bytes, --path ${stats.maxMsCase}), slowest wall ${stats.maxWallMs.toFixed(1)} ms, largest input ${stats.largestBytes} bytes, ` +
    `harness ${perCase(harnessMs, stats.cases)} us/case, parser ${perCase(stats.parserMs, stats.cases)} us/case, ` +
    `peak RSS ${args.worker ? '' : 'so far '}${peakRssMb()} MB\n`;
  if (stats.known > 0)
    output += `  ${stats.known} case(s) hit a known violation, e.g. ${stats.knownExamples.join('\n  ')}\n`;
  if (outcome.details.failed) {
    output += `FAIL ${describeFailure(target, outcome.details)}\n`;
    if (outcome.failingInput) output += `kept: ${keepRegression(target.name, outcome.failingInput)}\n`;
  }
  return {
    name,
    runs: args.runs,
    cases: stats.cases,
    seconds,
    maxMs: stats.maxMs,
    maxMsInput: `${stats.maxMsBytes} B (path ${stats.maxMsCase})`,
    maxWallMs: stats.maxWallMs,
    largestBytes: stats.largestBytes,
    harnessMs,
    parserMs: CASE_CLOCK === 'cpu' ? stats.parserMs : undefined,
    peakRssMb: peakRssMb(),
    failed: outcome.details.failed,
    output,
  };
}

function perCase(ms: number, cases: number): string {
  return cases === 0 ? '-' : String(Math.round((ms * 1000) / cases));
}

function hostRuns(args: Args): number {
  return args.hostRuns ?? Math.max(1, Math.round(args.runs / 50));
}

async function runHosts(args: Args): Promise<TargetResult> {
  const started = performance.now();
  const beat = heartbeat(args);
  const outcome = await fuzzHosts({
    seed: args.seed,
    numRuns: hostRuns(args),
    maxGrowthBytes: Math.min(args.growth, 256 * 1024),
    noShrink: !args.shrink,
    ...(args.seconds !== undefined ? { timeLimitMs: args.seconds * 1000 } : {}),
    ...(args.path !== undefined ? { path: args.path } : {}),
    ...(beat ? { beforeCase: beat } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  let output =
    `hosts: ${outcome.stats.cases} audit + plan cases in ${Math.round(seconds)} s, ` +
    `slowest ${outcome.stats.maxMs.toFixed(1)} ms ${CASE_CLOCK} (${outcome.stats.slowest}), peak RSS ${args.worker ? '' : 'so far '}${peakRssMb()} MB\n`;
  if (outcome.details.failed) {
    output += `FAIL ${describeHostFailure(outcome.details)}\n`;
    if (outcome.failingCase) {
      output += `kept: ${keepHostRegression(outcome.failingCase)}\n`;
      // The kept case must replay the failure on its own: say so if it does not (an order-dependent failure).
      await checkHostCase(outcome.failingCase).then(
        () => {
          output += 'note: the kept case passes when replayed alone\n';
        },
        () => undefined,
      );
    }
  }
  cleanupHosts();
  return {
    ...emptyResult('hosts', hostRuns(args)),
    cases: outcome.stats.cases,
    seconds,
    maxMs: outcome.stats.maxMs,
    maxMsInput: outcome.stats.slowest,
    peakRssMb: peakRssMb(),
    failed: outcome.details.failed,
    output,
  };
}

function emptyResult(name: string, runs: number): TargetResult {
  return {
    name,
    runs,
    cases: 0,
    seconds: 0,
    maxMs: 0,
    maxMsInput: '',
    maxWallMs: undefined,
    largestBytes: undefined,
    harnessMs: undefined,
    parserMs: undefined,
    peakRssMb: 0,
    failed: false,
    output: '',
  };
}

function runTarget(name: string, args: Args): Promise<TargetResult> {
  return name === 'hosts' ? runHosts(args) : runParserTarget(name, args);
}

const SCRIPT = fileURLToPath(import.meta.url);
const RESULT_MARK = '@@fuzz-result ';
const CLOCK_TICKS_PER_MS = 100 / 1000;

/** CPU ms a process has used (utime + stime of /proc/PID/stat), or undefined once it is gone. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_MS;
  } catch {
    return undefined;
  }
}

/** The arguments a worker gets: the parent's, less what only the parent does, for one target. */
function workerArgs(argv: readonly string[], name: string, seed: number, beat: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i]!;
    if (flag === '--jobs' || flag === '--summary' || flag === '--target' || flag === '--seed') i += 1;
    else out.push(flag);
  }
  return [...out, '--seed', String(seed), '--target', name, '--worker', '--beat', beat];
}

/**
 * Runs one target in a child process. The child beats before each case; a case past the wall limit that has used
 * more than the CPU limit (a hang, not a starved process) is killed here, since a synchronous loop never returns to
 * the in-process check of timed(): the case is then reported as a `slow` failure and kept, as any other.
 */
function runWorker(name: string, args: Args, argv: readonly string[]): Promise<TargetResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const beatFile = join(tmpdir(), `signer-opsec-fuzz-${process.pid}-${name}.beat`);
    closeSync(openSync(beatFile, 'w'));
    const child = spawn(process.execPath, [SCRIPT, ...workerArgs(argv, name, args.seed, beatFile)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    let lastCase = -1;
    let caseStarted = performance.now();
    let caseCpu = 0;
    let hung: string | undefined;
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const watchdog = setInterval(() => {
      // A case is timed from when this first sees its index: up to a second late, against a 60 s limit.
      const index = Number.parseInt(readFileSync(beatFile, 'latin1'), 10);
      if (Number.isInteger(index) && index !== lastCase) {
        lastCase = index;
        caseStarted = performance.now();
        caseCpu = processCpuMs(child.pid!) ?? 0;
        return;
      }
      if (lastCase < 0 || hung !== undefined) return;
      const wallMs = performance.now() - caseStarted;
      const usedMs = (processCpuMs(child.pid!) ?? caseCpu) - caseCpu;
      if (wallMs > CASE_WALL_LIMIT_MS && usedMs > CASE_LIMIT_MS) {
        hung = `slow: ${name} case ${lastCase} was stopped after ${Math.round(wallMs)} ms (${Math.round(usedMs)} ms of CPU; limits ${CASE_LIMIT_MS} ms CPU, ${CASE_WALL_LIMIT_MS} ms wall)`;
        child.kill('SIGKILL');
      }
    }, 1000);
    child.on('close', async (code, signal) => {
      clearInterval(watchdog);
      rmSync(beatFile, { force: true });
      const mark = stdout.lastIndexOf(RESULT_MARK);
      if (mark !== -1 && hung === undefined) {
        resolve(JSON.parse(stdout.slice(mark + RESULT_MARK.length)) as TargetResult);
        return;
      }
      const replay = `npm run fuzz -- --target ${name} --seed ${args.seed} --path ${lastCase}`;
      let output = `${name}: stopped after case ${lastCase} in ${Math.round((performance.now() - started) / 1000)} s\n`;
      output += `FAIL fuzz target ${name} failed: ${hung ?? `the worker ended (${signal ?? `exit ${code}`}) with no result`}\n`;
      output += `replay: ${replay}\n`;
      if (lastCase >= 0 && name !== 'hosts') {
        const kept = await runTarget(name, { ...args, path: String(lastCase), keepOnly: true, worker: false });
        output += kept.output;
      }
      resolve({
        ...emptyResult(name, name === 'hosts' ? hostRuns(args) : args.runs),
        cases: lastCase,
        seconds: (performance.now() - started) / 1000,
        failed: true,
        output,
      });
    });
  });
}

async function runAll(names: readonly string[], args: Args, argv: readonly string[]): Promise<TargetResult[]> {
  const results = new Map<string, TargetResult>();
  const print = (result: TargetResult) => process.stdout.write(result.output);
  if (args.jobs === 1) {
    for (const name of names) {
      const result = await runTarget(name, args);
      results.set(name, result);
      print(result);
    }
    return names.map((name) => results.get(name)!);
  }
  // The slowest target first (hosts, a whole audit per case), so it does not start last and end the run alone.
  const queue = [...names].sort((a, b) => Number(b === 'hosts') - Number(a === 'hosts'));
  const next = async (): Promise<void> => {
    const name = queue.shift();
    if (name === undefined) return;
    const result = await runWorker(name, args, argv);
    results.set(name, result);
    print(result);
    await next();
  };
  await Promise.all(Array.from({ length: Math.min(args.jobs, names.length) }, next));
  return names.map((name) => results.get(name)!);
}

function cell(value: number | undefined, digits = 0): string {
  return value === undefined ? '-' : value.toFixed(digits);
}

function summaryTable(results: readonly TargetResult[], args: Args): string {
  const rows = results.map((result) =>
    [
      result.name,
      `${result.cases}${result.cases >= result.runs ? '' : ` of ${result.runs}`}`,
      Math.round(result.seconds),
      cell(result.maxMs, 1),
      result.maxMsInput || '-',
      cell(result.maxWallMs, 1),
      cell(result.largestBytes),
      result.harnessMs === undefined ? '-' : perCase(result.harnessMs, result.cases),
      result.parserMs === undefined ? '-' : perCase(result.parserMs, result.cases),
      result.peakRssMb || '-',
      result.failed ? 'FAIL' : 'ok',
    ].join(' | '),
  );
  return [
    `Seed ${args.seed}, ${args.runs} runs per parser target, growth ${args.growth} bytes, limit ${CASE_LIMIT_MS} ms ${CASE_CLOCK} per case${args.seconds !== undefined ? `, at most ${args.seconds} s per target` : ''}, ${args.jobs} job(s).`,
    '',
    `| target | cases | s | max ${CASE_CLOCK} ms/case | its input | max wall ms/case | largest input (B) | harness CPU us/case | parser CPU us/case | peak RSS MB | result |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((row) => `| ${row} |`),
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  if (args.worker || args.keepOnly) {
    const result = await runTarget(args.targets[0]!, args);
    process.stdout.write(args.worker ? `${RESULT_MARK}${JSON.stringify(result)}\n` : result.output);
    return 0;
  }
  const names = [...PARSER_TARGETS.map((target) => target.name), 'hosts'].filter(
    (name) => args.targets.length === 0 || args.targets.includes(name),
  );
  process.stdout.write(
    `fuzz: seed ${args.seed}, ${args.runs} runs per parser, growth ${args.growth} bytes, limit ${CASE_LIMIT_MS} ms (${CASE_CLOCK} clock) per case, ${args.jobs} job(s)\n`,
  );
  const results = await runAll(names, args, argv);
  const failures = results.filter((result) => result.failed).length;
  const total = results.reduce((sum, result) => sum + Math.max(0, result.cases), 0);
  const maxMs = results.reduce((max, result) => Math.max(max, result.maxMs), 0);
  const peak = results.reduce((max, result) => Math.max(max, result.peakRssMb), peakRssMb());
  process.stdout.write(
    `fuzz: ${total} cases, slowest ${maxMs.toFixed(1)} ms, peak RSS ${peak} MB, ${failures} target(s) failed (seed ${args.seed})\n`,
  );
  if (args.summary !== undefined) writeFileSync(args.summary, summaryTable(results, args));
  return failures > 0 ? 1 : 0;
}

process.exitCode = await main();
