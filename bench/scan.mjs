// Secret-scan wall time against the practical floor and the alternatives, in one run:
//   files:   signer-opsec scan DIR  vs  rg (same candidate regex)  vs  secretlint + its secp256k1 rule
//   history: signer-opsec scan --history REPO  vs  git log -p -U0 --all | rg (the design gitleaks uses), with the
//            scan's peak RSS and its findings before and after grouping
//   audit:   signer-opsec audit --root examples/hosts/hardened.tar --format json  vs  node -e 0
// Usage: npm run bench:scan [-- --runs N --files-mb 200 --commits 20000 --no-secretlint --repo PATH --only ROW[,ROW]]
// --repo PATH (or SCAN_BENCH_REPO=PATH): a real repository for the history rows (a clone of a large public one);
// without it the generated history is used. A repository missing objects (a snapshot without its large blobs) is
// wrapped: a bare repository holding its objects (hard links) and refs, with a replace ref (refs/replace/<id>) for
// each missing blob pointing to a one-line stand-in blob, so git log -p (the anchor) reads the stand-in instead of
// dying part-way (it reads a new file's blob even when its path is -diff). The scan ignores replace refs
// (GIT_NO_REPLACE_OBJECTS): it meets the missing blobs, says so and goes on, so it does at least the anchor's work.
// The anchor runs under pipefail, so a git log that stops part-way fails the bench. The wrapper lives in
// bench/.cache/; nothing is written to the repository.
// Corpora are generated once into bench/.cache/ (gitignored); secretlint is installed bench-only from
// bench/secretlint/package-lock.json with `npm ci --prefix` on first run.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateFileCorpus, generateHistory } from './scan-corpus.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const index = argv.indexOf(name);
  return index >= 0 && argv[index + 1] !== undefined ? Number(argv[index + 1]) : fallback;
};
const runs = option('--runs', 3);
const filesMb = option('--files-mb', 200);
const commits = option('--commits', 20_000);
const withSecretlint = !argv.includes('--no-secretlint');
const repoIndex = argv.indexOf('--repo');
const realRepo = repoIndex >= 0 ? argv[repoIndex + 1] : process.env.SCAN_BENCH_REPO;
// --only ROW[,ROW]: only these rows (files, history, audit), and only their corpora are generated.
const onlyIndex = argv.indexOf('--only');
const ROWS = ['files', 'history', 'audit'];
const only = onlyIndex >= 0 ? (argv[onlyIndex + 1] ?? '').split(',') : ROWS;
const unknownRow = only.find((row) => !ROWS.includes(row));
if (unknownRow !== undefined) throw new Error(`--only ${unknownRow}: expected ${ROWS.join(', ')} (comma-separated)`);
const wants = (row) => only.includes(row);
const gitEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'bin/signer-opsec.js');
const cache = join(repo, 'bench/.cache');
const wordlist = join(repo, 'data/bip39-english.txt');
// Case-insensitive 64-hex with optional 0x and 01 suffix: the candidates the key detector starts from.
const KEY_REGEX = '\\b(0x)?[0-9a-fA-F]{64}(01)?\\b';

async function cached(dir, make) {
  const marker = join(dir, '.bench-done.json');
  if (existsSync(marker)) return JSON.parse(readFileSync(marker, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const meta = await make(dir);
  meta.generatedInSeconds = (Date.now() - started) / 1000;
  writeFileSync(marker, JSON.stringify(meta));
  return meta;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs a command once with stdout to a file; returns its wall time, stdout and the VMHWM it printed on stderr. */
function runOnce(command, args, { cwd = repo, okCodes = [0, 1] } = {}) {
  const out = join(cache, 'stdout.tmp');
  const fd = openSync(out, 'w');
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd,
    env: gitEnv,
    stdio: ['ignore', fd, 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  closeSync(fd);
  if (result.error) throw result.error;
  if (!okCodes.includes(result.status)) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${String(result.stderr).slice(0, 500)}`);
  }
  const hwm = /VMHWM (\d+)/.exec(String(result.stderr))?.[1];
  return { seconds, stdout: readFileSync(out, 'utf8'), peakRss: hwm ? Number(hwm) : 0 };
}

/** Runs a command `times` times; returns the median wall time, every sample, the last stdout and the peak RSS. */
function time(command, args, { times = runs, ...options } = {}) {
  const results = [];
  for (let i = 0; i < times; i++) results.push(runOnce(command, args, options));
  return summary(results);
}

function summary(results) {
  return {
    seconds: median(results.map(({ seconds }) => seconds)),
    samples: results.map(({ seconds }) => seconds),
    stdout: results.at(-1).stdout,
    peakRss: Math.max(...results.map(({ peakRss }) => peakRss)),
  };
}

/**
 * Two commands run alternately, `runs` times each: on a machine others share, both sides see the same load. The
 * ratio is the median of the per-pair ratios.
 */
function timePair([commandA, argsA, optionsA = {}], [commandB, argsB, optionsB = {}]) {
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(runOnce(commandA, argsA, optionsA));
    b.push(runOnce(commandB, argsB, optionsB));
  }
  const ratio = median(a.map((run, i) => run.seconds / b[i].seconds));
  return [summary(a), summary(b), ratio];
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** The CLI in-process, printing its peak RSS (VmHWM: this node process, not the git processes) on stderr. */
function cliWithPeak(args) {
  const script = `const { main } = await import(${JSON.stringify(join(repo, 'dist/src/cli/main.js'))});
    const code = await main(process.argv.slice(1));
    const { readFileSync } = await import('node:fs');
    process.stderr.write('VMHWM ' + Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024 + '\\n');
    process.exitCode = code;`;
  return [process.execPath, ['--input-type=module', '-e', script, ...args]];
}

/** A repository missing objects, wrapped so both tools walk it whole (see the header); else the repository itself. */
function benchRepository(path) {
  const git = (args, options = {}) =>
    spawnSync('git', ['-C', path, ...args], { encoding: 'utf8', env: gitEnv, maxBuffer: 1 << 30, ...options });
  const missing = new Set(
    git(['rev-list', '--objects', '--all', '--missing=print'])
      .stdout.split('\n')
      .filter((line) => line.startsWith('?'))
      .map((line) => line.slice(1)),
  );
  if (missing.size === 0) return { dir: path, missing: 0, missingPaths: 0 };
  const head = git(['rev-parse', 'HEAD']).stdout.trim();
  const wrapper = join(cache, `wrapped-${head.slice(0, 12)}.git`);
  // The missing objects must all be blobs named in some commit's tree (a missing tree or commit cannot stand in).
  const paths = new Set();
  const blobs = new Set();
  for (const line of git(['log', '--all', '--raw', '--no-renames', '--no-abbrev', '--format=', '-m']).stdout.split(
    '\n',
  )) {
    const match = /^:\d+ \d+ ([0-9a-f]+) ([0-9a-f]+) \S+\t(.*)$/.exec(line);
    if (!match) continue;
    for (const oid of [match[1], match[2]]) {
      if (!missing.has(oid)) continue;
      blobs.add(oid);
      paths.add(match[3]);
    }
  }
  if (blobs.size !== missing.size)
    throw new Error(`${missing.size - blobs.size} missing objects are not blobs: cannot wrap`);
  const marker = join(wrapper, '.bench-replaced');
  if (!existsSync(marker)) {
    rmSync(wrapper, { recursive: true, force: true });
    spawnSync('git', ['init', '-q', '--bare', wrapper], { env: gitEnv });
    const objects = git(['rev-parse', '--path-format=absolute', '--git-path', 'objects']).stdout.trim();
    // The snapshot's objects are hard-linked in (a copy when on another file system), not borrowed through
    // objects/info/alternates: the scan reads only what lies inside the repository it is given (issue 18: an
    // alternate outside it is refused), so a borrowing wrapper would be an error, not a bench.
    const linked = spawnSync('cp', ['-al', `${objects}/.`, join(wrapper, 'objects')]);
    if (linked.status !== 0) spawnSync('cp', ['-a', `${objects}/.`, join(wrapper, 'objects')], { stdio: 'inherit' });
    const stand = spawnSync('git', ['-C', wrapper, 'hash-object', '-w', '--stdin'], {
      input: 'blob missing from the snapshot\n',
      encoding: 'utf8',
      env: gitEnv,
    }).stdout.trim();
    const refs = git(['for-each-ref', '--format=create %(refname) %(objectname)']).stdout;
    const replaced = [...missing].map((oid) => `create refs/replace/${oid} ${stand}\n`).join('');
    spawnSync('git', ['-C', wrapper, 'update-ref', '--stdin'], { input: refs + replaced, env: gitEnv });
    writeFileSync(marker, '');
  }
  // update-ref wrote each ref as a file; the snapshot packs them (packed-refs). The scan copies the refs into its
  // private git directory and removes them at the end: thousands of loose ones cost it seconds the snapshot does not.
  const packed = join(wrapper, '.bench-packed-refs');
  if (!existsSync(packed)) {
    const pack = spawnSync('git', ['-C', wrapper, 'pack-refs', '--all', '--prune'], { env: gitEnv });
    if (pack.status !== 0) throw new Error(`git pack-refs in ${wrapper} failed: ${String(pack.stderr).slice(0, 300)}`);
    writeFileSync(packed, '');
  }
  return { dir: wrapper, missing: missing.size, missingPaths: paths.size };
}

function duSize(dir) {
  const result = spawnSync('du', ['-sb', '--exclude=.git', dir], { encoding: 'utf8' });
  return Number(result.stdout.split('\t')[0]);
}

function ensureSecretlint() {
  const prefix = join(repo, 'bench/secretlint');
  const cli = join(prefix, 'node_modules/secretlint/bin/secretlint.js');
  if (existsSync(cli)) return cli;
  console.error('installing secretlint (bench only) with npm ci --prefix bench/secretlint …');
  const result = spawnSync('npm', ['ci', '--prefix', prefix, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0 || !existsSync(cli)) throw new Error('npm ci of bench/secretlint failed');
  return cli;
}

const sumCounts = (text) =>
  text
    .split('\n')
    .filter(Boolean)
    .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(':') + 1)), 0);

mkdirSync(cache, { recursive: true });
const rows = [];
const add = (area, tool, result, findings, note = '') =>
  rows.push({ area, tool, seconds: result?.seconds, findings, note });
const ratio = (a, b) => (a && b ? (a.seconds / b.seconds).toFixed(2) : '—');
const samples = (result) => result.samples.map((seconds) => seconds.toFixed(2)).join(' ');
/** Lines printed after the table, per row. */
const context = [];
const sampleLines = [];
const verdicts = [];

const loadBefore = loadAverage();
if (wants('files')) {
  const filesDir = join(cache, `files-${filesMb}mb`);
  const files = await cached(filesDir, (dir) => generateFileCorpus(dir, filesMb * 1024 * 1024, wordlist));
  context.push(
    `files corpus: ${(duSize(filesDir) / 1048576).toFixed(0)} MiB in ${files.files} files, ${files.planted} planted secrets`,
  );
  const [ours, rgFiles, filesRatio] = timePair(
    [process.execPath, [bin, 'scan', filesDir, '--format', 'json']],
    ['rg', ['--count-matches', '--no-messages', '--hidden', '--no-ignore', '-e', KEY_REGEX, filesDir]],
  );
  add('files', 'signer-opsec scan', ours, JSON.parse(ours.stdout).findings.length);
  add(
    'files',
    `rg (${spawnSync('nproc').stdout.toString().trim()} threads)`,
    rgFiles,
    sumCounts(rgFiles.stdout),
    'regex matches',
  );
  const rgOne = time('rg', [
    '-j1',
    '--count-matches',
    '--no-messages',
    '--hidden',
    '--no-ignore',
    '-e',
    KEY_REGEX,
    filesDir,
  ]);
  add('files', 'rg -j1', rgOne, sumCounts(rgOne.stdout), 'regex matches');
  if (withSecretlint) {
    try {
      const cli = ensureSecretlint();
      const rc = join(repo, 'bench/secretlint/.secretlintrc.json');
      // One run: it takes minutes. --maskSecrets so the report holds no key.
      const result = time(
        process.execPath,
        [cli, '**/*', '--secretlintrc', rc, '--format', 'compact', '--maskSecrets'],
        {
          times: 1,
          cwd: filesDir,
        },
      );
      const messages = result.stdout.split('\n').filter((line) => /: line \d+/.test(line)).length;
      add('files', 'secretlint secp256k1 rule', result, messages, '1 run');
    } catch (error) {
      add('files', 'secretlint secp256k1 rule', undefined, undefined, `not run: ${error.message.split('\n')[0]}`);
    }
  }
  sampleLines.push(`files ${samples(ours)} | rg ${samples(rgFiles)} | rg -j1 ${samples(rgOne)}`);
  verdicts.push(
    `files: signer-opsec / rg = ${ratio(ours, rgFiles)}× (median of pair ratios ${filesRatio.toFixed(2)}×; target ≤ 3×); / rg -j1 = ${ratio(ours, rgOne)}×`,
  );
}

if (wants('history')) {
  const historyDir = join(cache, `history-${commits}`);
  const generated = realRepo ? undefined : await cached(historyDir, (dir) => generateHistory(dir, commits, wordlist));
  const wrapped = realRepo ? benchRepository(realRepo) : { dir: historyDir, missing: 0, missingPaths: 0 };
  const historyRepo = wrapped.dir;
  const historyPack = spawnSync('git', ['-C', historyRepo, 'count-objects', '-vH'], {
    encoding: 'utf8',
    env: gitEnv,
  }).stdout;
  const historyCounts = spawnSync(
    'sh',
    [
      '-c',
      `git -C '${historyRepo}' rev-list --objects --all --missing=print | grep -v '^?' | git -C '${historyRepo}' cat-file --batch-check='%(objecttype) %(objectsize) %(rest)' | awk '$1=="blob" {n++; s+=$2} END {print n, s}'`,
    ],
    { encoding: 'utf8', env: gitEnv },
  ).stdout.trim();
  const [blobCount, blobBytes] = historyCounts.split(' ').map(Number);
  const commitCount = Number(
    spawnSync('git', ['-C', historyRepo, 'rev-list', '--all', '--count'], { encoding: 'utf8', env: gitEnv }).stdout,
  );
  context.push(
    `history: ${realRepo ?? 'generated'}: ${commitCount} commits, ${blobCount} blobs, ${(blobBytes / 1048576).toFixed(0)} MiB of blob text${generated ? `, ${generated.planted} planted secrets` : ''}; ${historyPack.match(/size-pack: (.*)/)?.[1] ?? '?'} packed` +
      (wrapped.missing > 0
        ? `; ${wrapped.missing} objects missing (at ${wrapped.missingPaths} paths), stood in for by replace refs in a wrapper (${historyRepo})`
        : ''),
  );
  const [oursHistory, pipeline, historyRatio] = timePair(
    cliWithPeak(['scan', '--history', historyRepo, '--format', 'json']),
    // pipefail: a git log that stops part-way (a missing object) fails the bench instead of timing half the history.
    [
      'bash',
      ['-c', `set -o pipefail; git -C '${historyRepo}' log -p -U0 --all | rg --count-matches -e '${KEY_REGEX}'`],
    ],
  );
  const historyReport = JSON.parse(oursHistory.stdout);
  add(
    'history',
    'signer-opsec scan --history',
    oursHistory,
    historyReport.findings.length,
    `${historyReport.stats.additions} before grouping; peak RSS ${(oursHistory.peakRss / 1048576).toFixed(0)} MiB`,
  );
  add('history', 'git log -p -U0 --all | rg', pipeline, Number(pipeline.stdout.trim() || 0), 'regex matches');
  sampleLines.push(`history ${samples(oursHistory)} | anchor ${samples(pipeline)}`);
  verdicts.push(
    `history: signer-opsec / git log -p pipeline = ${ratio(oursHistory, pipeline)}× (median of pair ratios ${historyRatio.toFixed(2)}×; target ≤ 1×, stretch 0.6×); peak RSS ${(oursHistory.peakRss / 1048576).toFixed(0)} MiB (budget 250)`,
  );
}

if (wants('audit')) {
  const [audit, nodeStart, auditRatio] = timePair(
    [
      process.execPath,
      [bin, 'audit', '--root', join(repo, 'examples/hosts/hardened.tar'), '--format', 'json'],
      { okCodes: [0, 1, 2] },
    ],
    [process.execPath, ['-e', '0']],
  );
  add('audit', 'audit --root hardened.tar --format json', audit, undefined);
  add('audit', 'node -e 0', nodeStart, undefined);
  sampleLines.push(`audit ${samples(audit)} | node ${samples(nodeStart)}`);
  verdicts.push(
    `audit: / node -e 0 = ${ratio(audit, nodeStart)}× (median of pair ratios ${auditRatio.toFixed(2)}×; target ≤ 3×)`,
  );
}

console.log(
  `machine: ${process.arch}, ${spawnSync('nproc').stdout.toString().trim()} cpus, node ${process.version}; median of ${runs} runs, each pair run alternately; load average ${loadBefore} before, ${loadAverage()} after`,
);
for (const line of context) console.log(line);
console.log('');
console.log(`${'area'.padEnd(8)} ${'tool'.padEnd(32)} ${'wall s'.padStart(8)} ${'findings'.padStart(10)}  note`);
for (const row of rows) {
  const seconds = row.seconds === undefined ? '—' : row.seconds.toFixed(2);
  const findings = row.findings === undefined ? '—' : String(row.findings);
  console.log(
    `${row.area.padEnd(8)} ${row.tool.padEnd(32)} ${seconds.padStart(8)} ${findings.padStart(10)}  ${row.note}`,
  );
}
console.log('');
console.log(`samples (s): ${sampleLines.join('; ')}`);
console.log('');
for (const line of verdicts) console.log(line);
