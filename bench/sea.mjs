// Size and start-up time of the single executable against its anchor, `node bin/signer-opsec.js --version`, measured
// in the same run. Builds (or reuses the cached build in build/) first. Usage: npm run bench:sea
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cachedBuild } from '../dist/scripts/build-sea.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { binary, deb } = await cachedBuild();
const RUNS = 15;

function median(command, args, env) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    const run = spawnSync(command, args, { cwd: root, env, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${run.status} ${run.stderr}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const anchor = median(process.execPath, ['bin/signer-opsec.js', '--version'], process.env);
const sea = median(binary, ['--version'], {});
const seaAudit = median(
  binary,
  ['audit', '--root', 'examples/hosts/published-guide.tar', '--format', 'json', '--fail-on', 'none'],
  {},
);
const nodeAudit = median(
  process.execPath,
  [
    'bin/signer-opsec.js',
    'audit',
    '--root',
    'examples/hosts/published-guide.tar',
    '--format',
    'json',
    '--fail-on',
    'none',
  ],
  process.env,
);
const mib = (path) => (statSync(path).size / 2 ** 20).toFixed(1);
console.log(`single executable: ${mib(binary)} MiB (node ${process.version} inside); .deb ${mib(deb)} MiB`);
console.log(
  `--version, median of ${RUNS}: executable ${sea.toFixed(0)} ms, node bin/signer-opsec.js ${anchor.toFixed(0)} ms (anchor) → ${(sea / anchor).toFixed(2)}×`,
);
console.log(
  `audit of the example tar, median of ${RUNS}: executable ${seaAudit.toFixed(0)} ms, node ${nodeAudit.toFixed(0)} ms → ${(seaAudit / nodeAudit).toFixed(2)}×`,
);
