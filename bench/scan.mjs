// Secret-scan wall time against the practical floor and the alternatives, in one run:
//   files:   signer-opsec scan DIR  vs  rg (same candidate regex)  vs  secretlint + its secp256k1 rule
//   history: signer-opsec scan --history REPO  vs  git log -p -U0 --all | rg (the design gitleaks uses)
// Usage: npm run bench:scan [-- --runs N --files-mb 200 --commits 20000 --no-secretlint]
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

/** Runs a command `times` times with stdout to a file; returns the median wall time and the last stdout. */
function time(command, args, { times = runs, cwd = repo, okCodes = [0, 1] } = {}) {
  const out = join(cache, 'stdout.tmp');
  const samples = [];
  for (let i = 0; i < times; i++) {
    const fd = openSync(out, 'w');
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd, stdio: ['ignore', fd, 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    samples.push(Number(process.hrtime.bigint() - started) / 1e9);
    closeSync(fd);
    if (result.error) throw result.error;
    if (!okCodes.includes(result.status)) {
      throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${String(result.stderr).slice(0, 500)}`);
    }
  }
  return { seconds: median(samples), stdout: readFileSync(out, 'utf8') };
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
const filesDir = join(cache, `files-${filesMb}mb`);
const historyDir = join(cache, `history-${commits}`);
const files = await cached(filesDir, (dir) => generateFileCorpus(dir, filesMb * 1024 * 1024, wordlist));
const history = await cached(historyDir, (dir) => generateHistory(dir, commits, wordlist));
const historyPack = spawnSync('git', ['-C', historyDir, 'count-objects', '-vH'], { encoding: 'utf8' }).stdout;
const historyContent = spawnSync(
  'sh',
  [
    '-c',
    `git -C '${historyDir}' rev-list --objects --all | git -C '${historyDir}' cat-file --batch-check='%(objectsize) %(rest)' | awk '{s+=$1} END {print s}'`,
  ],
  { encoding: 'utf8' },
).stdout.trim();

const rows = [];
const add = (area, tool, result, findings, note = '') =>
  rows.push({ area, tool, seconds: result?.seconds, findings, note });

const ours = time(process.execPath, [bin, 'scan', filesDir, '--format', 'json']);
add('files', 'signer-opsec scan', ours, JSON.parse(ours.stdout).findings.length);
const rgFiles = time('rg', ['--count-matches', '--no-messages', '--hidden', '--no-ignore', '-e', KEY_REGEX, filesDir]);
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
    const result = time(process.execPath, [cli, '**/*', '--secretlintrc', rc, '--format', 'compact', '--maskSecrets'], {
      times: 1,
      cwd: filesDir,
    });
    const messages = result.stdout.split('\n').filter((line) => /: line \d+/.test(line)).length;
    add('files', 'secretlint secp256k1 rule', result, messages, '1 run');
  } catch (error) {
    add('files', 'secretlint secp256k1 rule', undefined, undefined, `not run: ${error.message.split('\n')[0]}`);
  }
}

const oursHistory = time(process.execPath, [bin, 'scan', '--history', historyDir, '--format', 'json']);
add('history', 'signer-opsec scan --history', oursHistory, JSON.parse(oursHistory.stdout).findings.length);
const pipeline = time('sh', ['-c', `git -C '${historyDir}' log -p -U0 --all | rg --count-matches -e '${KEY_REGEX}'`]);
add('history', 'git log -p -U0 --all | rg', pipeline, Number(pipeline.stdout.trim() || 0), 'regex matches');

console.log(
  `machine: ${process.arch}, ${spawnSync('nproc').stdout.toString().trim()} cpus, node ${process.version}; median of ${runs} runs`,
);
console.log(
  `files corpus: ${(duSize(filesDir) / 1048576).toFixed(0)} MiB in ${files.files} files, ${files.planted} planted secrets`,
);
console.log(
  `history: ${history.commits} commits, ${(Number(historyContent) / 1048576).toFixed(0)} MiB of objects, ${history.planted} planted secrets; ${historyPack.match(/size-pack: (.*)/)?.[1] ?? '?'} packed`,
);
console.log('');
console.log(`${'area'.padEnd(8)} ${'tool'.padEnd(32)} ${'wall s'.padStart(8)} ${'findings'.padStart(10)}  note`);
for (const row of rows) {
  const seconds = row.seconds === undefined ? '—' : row.seconds.toFixed(2);
  const findings = row.findings === undefined ? '—' : String(row.findings);
  console.log(
    `${row.area.padEnd(8)} ${row.tool.padEnd(32)} ${seconds.padStart(8)} ${findings.padStart(10)}  ${row.note}`,
  );
}
const ratio = (a, b) => (a && b ? (a.seconds / b.seconds).toFixed(2) : '—');
console.log('');
console.log(`files: signer-opsec / rg = ${ratio(ours, rgFiles)}× (target ≤ 3×); / rg -j1 = ${ratio(ours, rgOne)}×`);
console.log(`history: signer-opsec / git log -p pipeline = ${ratio(oursHistory, pipeline)}× (target ≤ 1×)`);
