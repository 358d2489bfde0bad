// CPU time of the mnemonic search (findWordRuns, then detectMnemonics on each run) against the rest of the scan, on
// blobs that merges gave a path: the history scan reads each such blob whole (src/secrets/git/merge-walk.ts).
// Usage: npm run build, then node bench/word-runs.mjs REPO [--blobs 2000]
// CPU time (process.cpuUsage), not wall time: the machine is shared. Medians of 7 passes.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const repoPath = argv[0];
if (repoPath === undefined) throw new Error('usage: node bench/word-runs.mjs REPO [--blobs N]');
const blobsIndex = argv.indexOf('--blobs');
const wanted = blobsIndex >= 0 ? Number(argv[blobsIndex + 1]) : 2000;
const dist = fileURLToPath(new URL('../dist/src/secrets/', import.meta.url));
const { findWordRuns } = await import(join(dist, 'candidates.js'));
const { detectMnemonics } = await import(join(dist, 'detectors/bip39-mnemonic.js'));
const { scanContentPending, textToScan } = await import(join(dist, 'scan-content.js'));

const git = (args, input) =>
  spawnSync('git', ['-C', repoPath, ...args], {
    input,
    maxBuffer: 1 << 30,
    env: { ...process.env, GIT_NO_REPLACE_OBJECTS: '1' },
  });
const raw = git(['log', '--all', '--merges', '--format=', '--raw', '--no-abbrev', '-m', '--no-renames', '-n', '5000']);
const oids = [
  ...new Set(
    raw.stdout
      .toString('latin1')
      .split('\n')
      .map((line) => line.split(' '))
      .filter((fields) => fields.length >= 5 && /^[AM]/.test(fields[4]))
      .map((fields) => fields[3]),
  ),
].slice(0, wanted);
const batch = git(['cat-file', '--batch'], `${oids.join('\n')}\n`).stdout;
const blobs = [];
for (let at = 0; at < batch.length; ) {
  const newline = batch.indexOf(0x0a, at);
  const header = batch.toString('latin1', at, newline).split(' ');
  if (header[1] === 'missing') {
    at = newline + 1;
    continue;
  }
  const size = Number(header[2]);
  const text = textToScan(batch.subarray(newline + 1, newline + 1 + size));
  if (text !== undefined) blobs.push(text);
  at = newline + 1 + size + 1;
}
const megabytes = blobs.reduce((sum, blob) => sum + blob.length, 0) / 1e6;

function mnemonicSearch(bytes) {
  let hits = 0;
  for (const [start, end] of findWordRuns(bytes))
    hits += detectMnemonics({ text: bytes.toString('latin1', start, end), file: 'x', offset: start }).length;
  return hits;
}

function cpuMedian(label, pass) {
  const times = [];
  let result = 0;
  for (let run = 0; run < 7; run++) {
    const started = process.cpuUsage();
    result = 0;
    for (const blob of blobs) result += pass(blob);
    const used = process.cpuUsage(started);
    times.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  console.log(`${label}: ${times[3].toFixed(0)} ms CPU (min ${times[0].toFixed(0)}), ${result}`);
}

console.log(`${blobs.length} text blobs of merges, ${megabytes.toFixed(1)} MB`);
cpuMedian('findWordRuns (runs)', (blob) => findWordRuns(blob).length);
cpuMedian('mnemonic search (hits)', mnemonicSearch);
cpuMedian(
  'scan, mnemonic detector only (findings)',
  (blob) => scanContentPending(blob, 'x', { detectors: ['bip39-mnemonic'] }).length,
);
cpuMedian('scan, every detector (findings)', (blob) => scanContentPending(blob, 'x', {}).length);
