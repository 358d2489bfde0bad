// Remote and fleet audit cost. (1) One audit of a host through its sshd on 127.0.0.1 against the live audit of the
// same host (run in the sshd's own mount and pid namespaces), measured in the same run: target ≤ 2×. (2) 20 hosts,
// each a network namespace with its own sshd and example tree, audited with --forks 10: target < 10 s wall time.
// Usage: npm run bench:fleet [-- --runs N] [--hosts N] [--trace (lists every remote exec of one audit)]. Needs root, ip, unshare, nsenter.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nsenterArgs, startSshLab } from '../dist/test/support/ssh-hosts.js';

const REPO = resolve(import.meta.dirname, '..');
const BIN = join(REPO, 'bin/signer-opsec.js');
const arg = (name, fallback) => Number(process.argv[process.argv.indexOf(name) + 1]) || fallback;
const runs = arg('--runs', 3);
const hostCount = arg('--hosts', 20);
const EXAMPLES = ['hardened', 'published-guide', 'docker-guide'];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function timed(command, args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0 && result.status !== 1) {
    // A fleet report names the hosts it could not audit and why.
    let why = result.stderr;
    try {
      const report = JSON.parse(result.stdout);
      why = `${report.summary?.exitReason ?? ''}\n${(report.hosts ?? [])
        .filter((host) => host.status !== 'audited')
        .map((host) => `  ${host.name}: ${host.reason}`)
        .join('\n')}`;
    } catch {}
    throw new Error(`${command} ${args.join(' ')}: exit ${result.status}: ${why}`);
  }
  return ms;
}

const work = mkdtempSync(join(tmpdir(), 'i13-bench-'));
const trees = EXAMPLES.map((name) => {
  const tree = join(work, name);
  mkdirSync(tree);
  spawnSync('tar', ['-xf', join(REPO, `examples/hosts/${name}.tar`), '-C', tree]);
  return tree;
});
let lab;
try {
  // (1) one host over loopback SSH vs the live audit of the same host.
  lab = await startSshLab('bench1', [
    { alias: 'self', tree: trees[0], privateTmp: true, privatePids: true, minimal: true, checkout: true },
  ]);
  const self = lab.hosts[0];
  const local = [];
  const remote = [];
  for (let run = 0; run < runs; run++) {
    local.push(timed('nsenter', [...nsenterArgs(self, true), process.execPath, BIN, 'audit', '--format', 'json']));
    remote.push(
      timed(process.execPath, [BIN, 'audit', '--host', 'self', '--ssh-config', lab.configFile, '--format', 'json']),
    );
  }
  // Round trips of one remote audit: every remote exec, traced (SIGNER_OPSEC_TRACE_SSH), with what it ran.
  const traced = spawnSync(
    process.execPath,
    [BIN, 'audit', '--host', 'self', '--ssh-config', lab.configFile, '--format', 'json'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, SIGNER_OPSEC_TRACE_SSH: '1' } },
  );
  const execs = traced.stderr.split('\n').filter((line) => line.startsWith('ssh '));
  lab.stop();
  lab = undefined;
  const localMs = median(local);
  const remoteMs = median(remote);
  console.log(`local live audit (anchor)      ${localMs.toFixed(0).padStart(7)} ms  (median of ${runs})`);
  console.log(
    `same host over loopback SSH    ${remoteMs.toFixed(0).padStart(7)} ms  = ${(remoteMs / localMs).toFixed(2)}× (target ≤ 2×)`,
  );
  console.log(`remote exec calls (one audit)  ${String(execs.length).padStart(7)}`);
  if (process.argv.includes('--trace')) for (const line of execs) console.log(`  ${line}`);

  // (2) a fleet of namespace hosts.
  lab = await startSshLab(
    'bench20',
    Array.from({ length: hostCount }, (_, index) => ({
      alias: `h${index + 1}`,
      tree: trees[index % trees.length],
      netns: true,
      privateTmp: true,
      minimal: true,
    })),
  );
  const inventory = join(work, 'hosts.ini');
  writeFileSync(
    inventory,
    [
      '[fleet]',
      ...lab.hosts.map((host) => `${host.alias} ansible_host=${host.address}`),
      '[all:vars]',
      `ansible_ssh_private_key_file=${lab.keyFile}`,
      `ansible_ssh_common_args='-o UserKnownHostsFile=${lab.knownHosts} -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes'`,
      '',
    ].join('\n'),
  );
  const fleet = [];
  for (let run = 0; run < runs; run++)
    fleet.push(timed(process.execPath, [BIN, 'audit', '--inventory', inventory, '--forks', '10', '--format', 'json']));
  const fleetMs = median(fleet);
  console.log(
    `${hostCount} namespace hosts, --forks 10 ${fleetMs.toFixed(0).padStart(7)} ms  (target < 10000 ms; ${(fleetMs / localMs).toFixed(1)}× one local audit)`,
  );
} finally {
  lab?.stop();
  rmSync(work, { recursive: true, force: true });
}
