// End to end: the example hosts and the golden fixture hosts with some of their files mutated, through `audit` and
// `harden plan` in this process (the engine the CLI runs: a process per case would be too slow for thousands).
// Each host is written to disk once; a case overwrites the files it mutates and puts the originals back after.
import { lstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { allChecks } from '../../src/checks/index.js';
import { AuditContext } from '../../src/engine/context.js';
import { isValidHostName } from '../../src/facts/host/host-name.js';
import { auditTarget } from '../../src/fleet/audit-host.js';
import { buildPlan } from '../../src/harden/plan.js';
import { ownerNames, renderPlanJson, renderPlanText } from '../../src/harden/render.js';
import { formatters } from '../../src/report/index.js';
import { openTarget } from '../../src/target/open.js';
import { FIXTURE_HOSTS } from '../golden/hosts.js';
import { REPO_ROOT } from '../support/cli.js';
import { materialiseExample, materialiseFiles } from '../support/materialise.js';
import { describeError, FuzzViolation, leakedSecret, messagesOf, timed } from './invariants.js';
import { applyMutation, linesOf, type MutatedInput, mutatedInputArbitrary, PLANTED_SECRETS } from './mutate.js';
import { PARSER_TARGETS } from './parser-targets.js';
import { keepRegression } from './regressions.js';

const EXAMPLE_HOSTS = ['docker-guide', 'hardened', 'published-guide'];
/** Fixture hosts of test/golden/hosts.ts worth mutating beyond the examples: firewalls, compose, engine state. */
const FIXTURE_PICKS = /^(firewall-|compose-host|composed-engine|engine-state|service-host-both|signer-unit-host$)/;
/** Files not to mutate: programs and libraries, not configuration. */
const NOT_CONFIG = /^(bin|sbin|lib|lib64|usr\/(bin|sbin|lib|local\/bin))\//;
const MAX_MUTABLE_BYTES = 256 * 1024;

/** JS engine errors: an exception nobody meant, whatever wrapped it (a control's error, a planner's). */
const ENGINE_ERROR =
  /internal error in |Cannot read propert|is not a function|is not iterable|Maximum call stack|Invalid (array|string) length|Cannot convert|undefined is not|out of memory/;

export interface HostCase {
  host: string;
  /** In-tree path → the mutated content. */
  files: Record<string, Buffer>;
}

interface MaterialisedHost {
  name: string;
  root: string;
  /** In-tree paths of the files a case may mutate, sorted. */
  mutable: string[];
  originals: Map<string, Buffer>;
  /** Secret values the host holds (signer key, auth token): masked, never printed. */
  secrets: string[];
}

const hosts = new Map<string, MaterialisedHost>();

function walkFiles(root: string): string[] {
  return readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

const SECRET_VALUE =
  /(?:stacks_private_key|auth_password|STACKS_PRIVATE_KEY|AUTH_PASSWORD|SIGNER_PRIVATE_KEY)\s*[=:]\s*["']?([^"'\s]{16,})/g;

async function materialiseHost(name: string): Promise<MaterialisedHost> {
  const known = hosts.get(name);
  if (known) return known;
  const root = EXAMPLE_HOSTS.includes(name)
    ? await materialiseExample(name)
    : (await materialiseFiles(FIXTURE_HOSTS[name]!())).root;
  const mutable: string[] = [];
  const originals = new Map<string, Buffer>();
  const secrets = new Set<string>();
  for (const path of walkFiles(root)) {
    if (NOT_CONFIG.test(path)) continue;
    const hostPath = join(root, path);
    if (lstatSync(hostPath).size > MAX_MUTABLE_BYTES) continue;
    const content = readFileSync(hostPath);
    if (content.subarray(0, 8192).includes(0)) continue;
    mutable.push(path);
    originals.set(path, content);
    for (const match of content.toString('utf8').matchAll(SECRET_VALUE)) secrets.add(match[1]!);
  }
  const host = { name, root, mutable, originals, secrets: [...secrets] };
  hosts.set(name, host);
  return host;
}

export function hostNames(): string[] {
  return [
    ...EXAMPLE_HOSTS,
    ...Object.keys(FIXTURE_HOSTS)
      .filter((name) => FIXTURE_PICKS.test(name))
      .sort(),
  ];
}

/** Removes every host tree this process wrote. */
export function cleanupHosts(): void {
  for (const host of hosts.values()) rmSync(host.root, { recursive: true, force: true });
  hosts.clear();
}

const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schema', 'report.schema.json'), 'utf8'));
// ajv is CommonJS: under NodeNext the default import is its module.exports, whose `.default` is the class.
const validateReport = new Ajv2020.default({ allErrors: true, strict: true }).compile(schema);

/**
 * Account names of the mutated host (the first field of etc/passwd and etc/group). A planted value that became an
 * account name is an identifier the tool names by design (harden's lockout refusal names the accounts it
 * considered, as an operator needs), not a secret: the long run's seed 20261208 case 278 planted one there.
 */
function accountNames(root: string): string[] {
  const names: string[] = [];
  for (const file of ['etc/passwd', 'etc/group']) {
    let text = '';
    try {
      text = readFileSync(join(root, file), 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) names.push(line.slice(0, Math.max(0, line.indexOf(':'))));
  }
  return names.filter(Boolean);
}

/**
 * The host name the audit reports for the mutated host (the first word of etc/hostname, when it is an RFC 1123 name,
 * as src/facts/host/host-name.ts reads it): an identifier the report shows by design, like an account name. The
 * long run's seed 20261213 case 2271 made the planted token itself the host name; the tool cannot tell a name from
 * a password that looks like one. A planted value inside a longer first word is no name, and stays checked.
 */
function reportedHostName(root: string): string[] {
  let first = '';
  try {
    first = readFileSync(join(root, 'etc/hostname'), 'utf8').trim().split(/\s+/)[0] ?? '';
  } catch {
    return [];
  }
  return isValidHostName(first) ? [first] : [];
}

function assertNoLeak(
  where: string,
  texts: readonly string[],
  secrets: readonly string[],
  planted = true,
  accounts: readonly string[] = [],
): void {
  const plantedSecrets = planted
    ? PLANTED_SECRETS.filter((value) => !accounts.some((account) => account.includes(value)))
    : [];
  const secret = leakedSecret(texts, [...plantedSecrets, ...secrets], false);
  if (secret === undefined) return;
  const text = texts.find((candidate) => candidate.includes(secret))!;
  const at = text.indexOf(secret);
  const context = text.slice(Math.max(0, at - 120), at + secret.length + 40).replaceAll(secret, '<SECRET>');
  throw new FuzzViolation('leak', `${where} holds a secret value: …${JSON.stringify(context)}…`);
}

function assertNoEngineError(where: string, messages: readonly string[]): void {
  const crash = messages.find((message) => ENGINE_ERROR.test(message));
  if (crash) throw new FuzzViolation('crash', `${where}: ${crash.slice(0, 400)}`);
}

async function auditHost(host: MaterialisedHost): Promise<number> {
  const { value: texts, ms } = await timed(`audit of ${host.name}`, async () => {
    const { report } = await auditTarget(await openTarget(host.root), {
      checks: allChecks,
      audit: {},
      failOn: 'high',
      version: '0.0.0-fuzz',
    });
    const options = { color: false, width: 80, quiet: false, hardenable: [] };
    return { json: formatters.json(report, options), text: formatters.text(report, options) };
  });
  const report = JSON.parse(texts.json) as { results: { message: string }[] };
  if (!validateReport(report))
    throw new FuzzViolation(
      'schema',
      `audit JSON of ${host.name}: ${JSON.stringify(validateReport.errors).slice(0, 600)}`,
    );
  assertNoEngineError(
    `audit of ${host.name}`,
    report.results.map((result) => result.message),
  );
  const hostName = reportedHostName(host.root);
  assertNoLeak(`audit JSON of ${host.name}`, [texts.json], host.secrets, true, hostName);
  assertNoLeak(`audit text of ${host.name}`, [texts.text], host.secrets, true, hostName);
  return ms;
}

async function planHost(host: MaterialisedHost): Promise<number> {
  const { value: texts, ms } = await timed(`harden plan of ${host.name}`, async () => {
    // As `harden plan` does (src/cli/harden.ts): a fresh context, the plan masked with every secret discovery read.
    const ctx = new AuditContext(await openTarget(host.root), {});
    const built = await buildPlan(ctx, { consoleAccess: false }, { only: [], skip: [] });
    return {
      json: ctx.secrets.mask(renderPlanJson(built)),
      text: ctx.secrets.mask(renderPlanText(built, ownerNames(await ctx.users(), built))),
    };
  });
  const plan = JSON.parse(texts.json) as { summary?: unknown; parts?: unknown[] };
  if (typeof plan.summary !== 'object' || !Array.isArray(plan.parts))
    throw new FuzzViolation('schema', `harden plan JSON of ${host.name} has no summary or parts`);
  const messages = messagesOf(plan);
  assertNoEngineError(`harden plan of ${host.name}`, messages);
  // Errors and blockers never quote a line; the plan's own diffs may show a mutated non-secret line, by design.
  assertNoLeak(`harden plan messages of ${host.name}`, messages, host.secrets, true, accountNames(host.root));
  // A planted line in a file harden rewrites (passwd, sshd_config) is shown in its diff, by design: only the host's
  // own secrets, which discovery read and masks, must never appear anywhere in the plan.
  assertNoLeak(`harden plan of ${host.name}`, [texts.json, texts.text], host.secrets, false);
  return ms;
}

/** Writes the case's files into the host's tree, runs audit and plan, puts the originals back; returns the slower. */
export async function checkHostCase(hostCase: HostCase): Promise<number> {
  const host = await materialiseHost(hostCase.host);
  const written: string[] = [];
  try {
    for (const [path, content] of Object.entries(hostCase.files)) {
      if (!host.originals.has(path)) throw new Error(`${host.name} has no mutable file ${path}`);
      writeFileSync(join(host.root, path), content);
      written.push(path);
    }
    let audited: number;
    try {
      audited = await auditHost(host);
    } catch (error) {
      if (error instanceof FuzzViolation) throw error;
      throw new FuzzViolation('crash', `audit of ${host.name} threw ${describeError(error)}`);
    }
    let planned: number;
    try {
      planned = await planHost(host);
    } catch (error) {
      if (error instanceof FuzzViolation) throw error;
      throw new FuzzViolation('crash', `harden plan of ${host.name} threw ${describeError(error)}`);
    }
    return Math.max(audited, planned);
  } finally {
    for (const path of written) writeFileSync(join(host.root, path), host.originals.get(path)!);
  }
}

export interface HostCaseSpec {
  host: number;
  edits: { file: number; mutated: MutatedInput }[];
}

export interface HostFuzzBudget {
  seed: number;
  numRuns: number;
  path?: string;
  maxGrowthBytes: number;
  /** The share of growing mutations that grow large (see MutationOptions.largeShare). */
  largeShare?: number;
  /** Stop at the first failure without shrinking (each shrink step is a whole audit and plan). */
  noShrink?: boolean;
  /** Stop starting new cases after this long; the cases run are counted. */
  timeLimitMs?: number;
  /** Called before each case with its index (a watchdog's heartbeat; a hung case is replayed by --path INDEX). */
  beforeCase?: (index: number) => void;
}

/** The concrete files of a generated case (what a regression fixture keeps). */
async function resolveCase(spec: HostCaseSpec, pool: readonly Buffer[], growth: number): Promise<HostCase> {
  const names = hostNames();
  const host = await materialiseHost(names[spec.host % names.length]!);
  const files: Record<string, Buffer> = {};
  for (const edit of spec.edits) {
    const path = host.mutable[edit.file % host.mutable.length]!;
    let content = files[path] ?? host.originals.get(path)!;
    for (const mutation of edit.mutated.mutations) content = applyMutation(content, mutation, pool, growth);
    files[path] = content;
  }
  return { host: host.name, files };
}

export interface HostFuzzOutcome {
  stats: { cases: number; maxMs: number; slowest: string };
  details: fc.RunDetails<[HostCaseSpec]>;
  failingCase?: HostCase;
}

export async function fuzzHosts(budget: HostFuzzBudget): Promise<HostFuzzOutcome> {
  const names = hostNames();
  const all = await Promise.all(names.map((name) => materialiseHost(name)));
  const pool = all.flatMap((host) => [...host.originals.values()]);
  const dictionary = [
    ...linesOf(pool),
    ...PARSER_TARGETS.flatMap((target) => (target.binary ? [] : (target.keywords ?? []))),
  ];
  const secretLines = [...new Set(PARSER_TARGETS.flatMap((target) => target.secretLines ?? []))];
  const mutated = mutatedInputArbitrary(pool, {
    dictionary,
    secretLines,
    maxGrowthBytes: budget.maxGrowthBytes,
    maxMutations: 4,
    ...(budget.largeShare !== undefined ? { largeShare: budget.largeShare } : {}),
  });
  const spec = fc.record({
    host: fc.nat({ max: names.length - 1 }),
    edits: fc.array(fc.record({ file: fc.nat(), mutated }), { minLength: 1, maxLength: 3 }),
  });
  const stats = { cases: 0, maxMs: 0, slowest: '' };
  const property = fc.asyncProperty(spec, async (generated) => {
    const hostCase = await resolveCase(generated, pool, budget.maxGrowthBytes);
    budget.beforeCase?.(stats.cases);
    const ms = await checkHostCase(hostCase);
    stats.cases += 1;
    if (ms > stats.maxMs) {
      stats.maxMs = ms;
      stats.slowest = `${hostCase.host}: ${Object.keys(hostCase.files).join(', ')}`;
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
    ...(counterexample ? { failingCase: await resolveCase(counterexample, pool, budget.maxGrowthBytes) } : {}),
  };
}

export function describeHostFailure(details: fc.RunDetails<[HostCaseSpec]>): string {
  const error = details.errorInstance;
  const what = error instanceof FuzzViolation ? error.message : describeError(error);
  return [
    `fuzz target hosts failed after ${details.numRuns} case(s): ${what}`,
    `replay: npm run fuzz -- --target hosts --seed ${details.seed} --path ${details.counterexamplePath}`,
  ].join('\n');
}

/** A host case as a regression fixture: JSON with the host's name and each mutated file in base64. */
export function keepHostRegression(hostCase: HostCase): string {
  const files = Object.fromEntries(
    Object.entries(hostCase.files).map(([path, content]) => [path, content.toString('base64')]),
  );
  return keepRegression('hosts', Buffer.from(`${JSON.stringify({ host: hostCase.host, files }, null, 2)}\n`), 'json');
}

export function readHostRegression(path: string): HostCase {
  const kept = JSON.parse(readFileSync(path, 'utf8')) as { host: string; files: Record<string, string> };
  return {
    host: kept.host,
    files: Object.fromEntries(
      Object.entries(kept.files).map(([file, base64]) => [file, Buffer.from(base64, 'base64')]),
    ),
  };
}
