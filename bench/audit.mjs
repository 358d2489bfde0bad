// Audit wall time, process start included, against the cost of starting node at all (`node -e 0`),
// measured in the same run. Usage: npm run bench [-- --runs N]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 15;
const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = `${repo}bin/signer-opsec.js`;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function time(args) {
  const samples = [];
  for (let index = 0; index < runs + 2; index += 1) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    if (index >= 2) samples.push(elapsed); // two warm-up runs fill the page cache
  }
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

const cases = [
  ['node -e 0 (anchor)', ['-e', '0']],
  ['signer-opsec --version', [bin, '--version']],
  [
    'audit hardened.tar --format json',
    [bin, 'audit', '--root', `${repo}examples/hosts/hardened.tar`, '--format', 'json'],
  ],
  ['audit hardened.tar (text)', [bin, 'audit', '--root', `${repo}examples/hosts/hardened.tar`, '--no-color']],
];
const anchor = time(cases[0][1]);
console.log(`runs per case: ${runs} (median, min–max), machine: ${process.arch}, node ${process.version}`);
for (const [name, args] of cases) {
  const timing = name.startsWith('node -e') ? anchor : time(args);
  const ratio = (timing.median / anchor.median).toFixed(2);
  console.log(
    `${name.padEnd(36)} ${timing.median.toFixed(1).padStart(7)} ms  (${timing.min.toFixed(1)}–${timing.max.toFixed(1)})  ${ratio}× anchor`,
  );
}

// The HTML report's cost over the JSON report of the same host: runs interleaved (json, html, json, html, …) so that
// load from elsewhere hits both alike, and the median of the pairwise differences reported.
const guide = (format) => [
  bin,
  'audit',
  '--root',
  `${repo}examples/hosts/published-guide.tar`,
  '--format',
  format,
  '--fail-on',
  'none',
];
function once(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, bytes: result.stdout.length };
}
const differences = [];
const jsonTimes = [];
let htmlBytes = 0;
for (let index = 0; index < runs + 1; index += 1) {
  const json = once(guide('json'));
  const html = once(guide('html'));
  htmlBytes = html.bytes;
  if (index === 0) continue; // warm-up pair
  jsonTimes.push(json.ms);
  differences.push(html.ms - json.ms);
}
console.log(
  `${'audit published-guide.tar --format json'.padEnd(36)} ${median(jsonTimes).toFixed(1).padStart(7)} ms  ${(median(jsonTimes) / anchor.median).toFixed(2)}× anchor`,
);
console.log(
  `--format html over json (paired median): ${median(differences).toFixed(1)} ms (budget 50 ms); ` +
    `html report ${(htmlBytes / 1024).toFixed(1)} KB (budget 150 KB)`,
);
