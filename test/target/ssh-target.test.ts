// The remote host as a target, through a real sshd on 127.0.0.1: it passes the contract every target passes, and an
// audit through it gives the same status for every control as the live audit of the same machine.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SshTarget } from '../../src/target/ssh-target.js';
import type { Target } from '../../src/target/types.js';
import { assertNoKey, filesHoldingKey } from '../support/key-leaks.js';
import { nsenterArgs, type SshLab, startSshLab } from '../support/ssh-hosts.js';
import { describeTargetContract } from '../support/target-contract.js';

const REPO = resolve(import.meta.dirname, '../../..');
const BIN = join(REPO, 'bin/signer-opsec.js');
const HARDENED_TAR = join(REPO, 'examples/hosts/hardened.tar');
const KEY = '298f635b9b33efad60a83c2f7f599cac0cfac519a1b84a8d08548a8e443a6065';
const TOKEN = 'aa35643ce2aba28b2763cd57988bb8a9a7dd7bef65c951fc49965032fe670d92';
const BITCOIND_PASSWORD = 'i13-planted-bitcoind-password-7c1e55aa';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI (optionally inside a mount namespace), with its own TMPDIR so every file it leaves can be searched. */
function cli(args: readonly string[], options: { nsenter?: string[]; tmp?: string } = {}): Promise<Run> {
  const command = options.nsenter ? 'nsenter' : process.execPath;
  const argv = options.nsenter ? [...options.nsenter, process.execPath, BIN, ...args] : [BIN, ...args];
  return new Promise((resolvePromise) => {
    const child = spawn(command, argv, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(options.tmp ? { TMPDIR: options.tmp } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

function statuses(json: string): Record<string, string> {
  const report = JSON.parse(json) as { results: { id: string; status: string }[] };
  return Object.fromEntries(report.results.map((result) => [result.id, result.status]));
}

/** The controls whose status differs, with both messages and evidence (so a failure says why). */
function differences(localJson: string, remoteJson: string): string[] {
  type Result = { id: string; status: string; message: string; evidence: unknown[] };
  const local = (JSON.parse(localJson) as { results: Result[] }).results;
  const remote = new Map(
    (JSON.parse(remoteJson) as { results: Result[] }).results.map((result) => [result.id, result]),
  );
  return local
    .filter((result) => remote.get(result.id)?.status !== result.status)
    .map((result) => {
      const other = remote.get(result.id);
      return `${result.id}: local ${result.status} (${result.message} ${JSON.stringify(result.evidence).slice(0, 400)}) / remote ${other?.status} (${other?.message})`;
    });
}

/** Every process's argv and environment while `work` runs: a secret must never be in either. */
async function watchProcesses<T>(work: Promise<T>): Promise<{ result: T; seen: string[] }> {
  const seen = new Set<string>();
  let done = false;
  const sample = () => {
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      for (const file of ['cmdline', 'environ']) {
        try {
          seen.add(readFileSync(`/proc/${pid}/${file}`, 'latin1'));
        } catch {
          // exited meanwhile
        }
      }
    }
  };
  const loop = (async () => {
    while (!done) {
      sample();
      await new Promise((resolveWait) => setTimeout(resolveWait, 25));
    }
  })();
  try {
    const result = await work;
    return { result, seen: [...seen] };
  } finally {
    done = true;
    await loop;
  }
}

describe('remote host over SSH', () => {
  let lab: SshLab;
  let tree: string;
  before(async () => {
    tree = mkdtempSync(join(tmpdir(), 'i13-tree-'));
    execFileSync('tar', ['-xf', HARDENED_TAR, '-C', tree]);
    // Plant a token copy and a bitcoind password where a deploy would leave them.
    writeFileSync(join(tree, 'var/lib/deploy-notes.txt'), `auth token ${TOKEN}\nrpc password ${BITCOIND_PASSWORD}\n`, {
      mode: 0o600,
    });
    const nodeConfig = join(tree, 'etc/stacks/node/node-config.toml');
    writeFileSync(
      nodeConfig,
      readFileSync(nodeConfig, 'utf8').replace(/^\[burnchain\]$/m, `[burnchain]\npassword = "${BITCOIND_PASSWORD}"`),
    );
    lab = await startSshLab('target', [
      { alias: 'self', tree, privateTmp: true, privatePids: true },
      { alias: 'plain' },
    ]);
  });
  after(() => {
    lab?.stop();
    rmSync(tree, { recursive: true, force: true });
  });

  describeTargetContract(
    'ssh',
    (root) => SshTarget.open({ destination: { host: 'plain' }, configFile: lab.configFile, remoteRoot: root }),
    { live: true, close: (target: Target) => (target as SshTarget).close() },
  );

  test('an audit through sshd gives the live audit status for every control', async () => {
    const self = lab.hosts.find((host) => host.alias === 'self')!;
    // The live audit of the same machine, in the sshd's own mount and pid namespaces.
    const local = await cli(['audit', '--format', 'json', '--fail-on', 'none'], { nsenter: nsenterArgs(self, true) });
    const remote = await cli([
      'audit',
      '--host',
      'self',
      '--ssh-config',
      lab.configFile,
      '--format',
      'json',
      '--fail-on',
      'none',
    ]);
    assert.equal(local.code, 0, local.stderr);
    assert.equal(remote.code, 0, remote.stderr);
    const localStatuses = statuses(local.stdout);
    const remoteStatuses = statuses(remote.stdout);
    assert.ok(Object.keys(localStatuses).length >= 40);
    assert.deepEqual(differences(local.stdout, remote.stdout), []);
    assert.deepEqual(Object.keys(remoteStatuses).sort(), Object.keys(localStatuses).sort());
    // The audit did evaluate the signer (a check that found nothing must not make this pass vacuously).
    assert.equal(remoteStatuses['keys/key-format'], 'pass');
    assert.ok(['pass', 'fail'].includes(remoteStatuses['keys/key-copies-on-host']!));
    assert.equal(JSON.parse(remote.stdout).target.kind, 'remote');
  });

  test('a copy of the key on the remote host is found there, and no secret leaks in any format or file', async () => {
    const self = lab.hosts.find((host) => host.alias === 'self')!;
    // A copy in root's shell history (the key pasted into a shell), inside the server's own /root.
    const history = join(lab.dir, 'self', 'root', '.bash_history');
    writeFileSync(history, `echo ${KEY}01 > /tmp/k\n`, { mode: 0o600 });
    const tmp = mkdtempSync(join(tmpdir(), 'i13-run-'));
    try {
      for (const format of ['text', 'json']) {
        const output = join(tmp, `report.${format}`);
        const { result, seen } = await watchProcesses(
          cli(['audit', '--host', 'self', '--ssh-config', lab.configFile, '--format', format, '--output', output], {
            tmp,
          }),
        );
        assert.equal(result.code, 1, result.stderr);
        const report = readFileSync(output, 'utf8');
        if (format === 'json') {
          const copies = JSON.parse(report).results.find(
            (each: { id: string }) => each.id === 'keys/key-copies-on-host',
          );
          assert.equal(copies.status, 'fail');
          assert.ok(copies.evidence.some((evidence: { file?: string }) => evidence.file === '/root/.bash_history'));
        }
        for (const [where, text] of [
          ['stdout', result.stdout],
          ['stderr', result.stderr],
          [`--output ${format}`, report],
        ] as const) {
          assertNoKey(text, KEY, where);
          assert.ok(!text.includes(TOKEN), `${where} holds the auth token`);
          assert.ok(!text.includes(BITCOIND_PASSWORD), `${where} holds the bitcoind password`);
        }
        for (const text of seen) {
          assertNoKey(text, KEY, 'a process argv or environment');
          assert.ok(
            !text.includes(TOKEN) && !text.includes(BITCOIND_PASSWORD),
            'a process argv or environment holds a secret',
          );
        }
        void self;
      }
      // Every file the runs left (their TMPDIR; the control sockets' directories are gone) holds nothing secret.
      assert.deepEqual(filesHoldingKey(tmp, KEY, new Set()), []);
      const left = readdirSync(tmp).filter((name) => !name.startsWith('report.'));
      assert.deepEqual(left, []);
      for (const name of readdirSync(tmp)) {
        const text = readFileSync(join(tmp, name), 'utf8');
        assert.ok(!text.includes(TOKEN) && !text.includes(BITCOIND_PASSWORD), `${name} holds a secret`);
      }
    } finally {
      rmSync(history, { force: true });
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
