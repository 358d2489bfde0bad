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
function cli(
  args: readonly string[],
  options: { nsenter?: string[]; tmp?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const command = options.nsenter ? 'nsenter' : process.execPath;
  const argv = options.nsenter ? [...options.nsenter, process.execPath, BIN, ...args] : [BIN, ...args];
  return new Promise((resolvePromise) => {
    const child = spawn(command, argv, {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...(options.tmp ? { TMPDIR: options.tmp } : {}),
        ...options.env,
      },
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

/** A repository under the tree's /var/lib whose history holds the key: added in one commit, removed in the next. */
function plantKeyInHistory(tree: string): { dir: string; introducer: string } {
  const dir = join(tree, 'var/lib/deploy-repo');
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: '/nonexistent',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'deploy',
        GIT_AUTHOR_EMAIL: 'deploy@example.invalid',
        GIT_COMMITTER_NAME: 'deploy',
        GIT_COMMITTER_EMAIL: 'deploy@example.invalid',
      },
    }).trim();
  execFileSync('mkdir', ['-p', join(dir, 'deploy')]);
  git('init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'deploy/README'), 'deploy notes\n');
  git('add', '.');
  git('commit', '-q', '-m', 'notes');
  writeFileSync(join(dir, 'deploy/signer.env'), `SIGNER_KEY=${KEY}01\n`);
  git('add', '.');
  git('commit', '-q', '-m', 'env');
  const introducer = git('rev-parse', 'HEAD');
  git('rm', '-q', 'deploy/signer.env');
  git('commit', '-q', '-m', 'drop env');
  return { dir, introducer };
}

describe('remote host over SSH', () => {
  let lab: SshLab;
  let tree: string;
  let leanTree: string;
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
    // The example host alone (empty /home, /opt, /srv, /var/tmp...): what one audit asks of it does not depend on
    // what else is on this machine.
    leanTree = mkdtempSync(join(tmpdir(), 'i13-lean-'));
    execFileSync('tar', ['-xf', HARDENED_TAR, '-C', leanTree]);
    lab = await startSshLab('target', [
      { alias: 'self', tree, privateTmp: true, privatePids: true, checkout: true },
      { alias: 'plain' },
      { alias: 'lean', tree: leanTree, privateTmp: true, privatePids: true, minimal: true },
    ]);
  });
  after(() => {
    lab?.stop();
    rmSync(tree, { recursive: true, force: true });
    rmSync(leanTree, { recursive: true, force: true });
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

  test('audit --host connects before the CLI loads, sends its first requests before the host answers, over three shells, in few round trips', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'i13-trace-'));
    try {
      const run = await cli(
        ['audit', '--host', 'lean', '--ssh-config', lab.configFile, '--format', 'json', '--fail-on', 'none'],
        { tmp, env: { SIGNER_OPSEC_TRACE_SSH: '1' } },
      );
      assert.equal(run.code, 0, run.stderr);
      // `@<ms since start> <step>` and `ssh @<ms sent> <ms taken> ms <bytes> B: <script>` lines.
      const steps = new Map<string, number>();
      for (const match of run.stderr.matchAll(/^@(\d+) (.+)$/gm))
        if (!steps.has(match[2]!)) steps.set(match[2]!, Number(match[1]));
      const sent = [...run.stderr.matchAll(/^ssh @(\d+) /gm)].map((match) => Number(match[1]));
      const spawned = steps.get('ssh master spawned');
      const answered = steps.get('ssh master answered');
      const opening = steps.get('opening the host target');
      const prefetched = steps.get('prefetch done');
      assert.ok(
        spawned !== undefined && answered !== undefined && opening !== undefined && prefetched !== undefined,
        run.stderr,
      );
      // The key exchange overlaps the loading of the CLI (bin/ starts it), and the first requests leave with the login.
      assert.ok(spawned < opening, `connected at ${spawned} ms, after the audit's modules had loaded (${opening} ms)`);
      assert.ok(Math.min(...sent) <= answered, `first request at ${Math.min(...sent)} ms, after the host answered`);
      // The round trips of one audit of this host (26 to 32 before the prefetch took what discovery asks for next,
      // 23 before it took the sshd -T runs, the package database, and the listings that answer "not there").
      assert.ok(sent.length <= 18, `${sent.length} remote requests:\n${run.stderr}`);
      // After the first round, only what depends on what the audit found: the signer's version, the digests of the
      // binaries and the search for copies of the key.
      const followUps = sent.filter((at) => at >= prefetched);
      assert.ok(followUps.length <= 4, `${followUps.length} requests after the first round:\n${run.stderr}`);
      // The master's own shell and two more, started as soon as the master listens (before its own shell answers):
      // the first round runs on the three side by side; none is opened later.
      const sessions = [...run.stderr.matchAll(/^@(\d+) (ssh session \d+) spawned$/gm)];
      assert.deepEqual(
        sessions.map((match) => match[2]),
        ['ssh session 2', 'ssh session 3'],
      );
      // Nothing left behind: the control socket's directory is gone.
      assert.deepEqual(readdirSync(tmp), []);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('a usage error found after the connection started ends it: exit 2 at once, nothing left behind', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'i13-early-'));
    try {
      const run = await cli(['audit', '--host', 'self', '--ssh-config', lab.configFile, '--pin-file', 'relative'], {
        tmp,
        env: { SIGNER_OPSEC_TRACE_SSH: '1' },
      });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /--pin-file relative: must be an absolute path inside the target/);
      // The connection had started (the error comes from the audit's own checks, after the command line parsed).
      assert.match(run.stderr, /^@\d+ ssh master spawned$/m);
      assert.deepEqual(readdirSync(tmp), []);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('a copy of the key on the remote host is found there, and no secret leaks in any format or file', async () => {
    const self = lab.hosts.find((host) => host.alias === 'self')!;
    // A copy in root's shell history (the key pasted into a shell), inside the server's own /root.
    const history = join(lab.dir, 'self', 'root', '.bash_history');
    writeFileSync(history, `echo ${KEY}01 > /tmp/k\n`, { mode: 0o600 });
    // And in a repository's history on the host: added, then removed (only the history holds it).
    const repo = plantKeyInHistory(tree);
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
          // The history was searched on the host, with the host's git: the key is found where it was committed.
          const inGit = JSON.parse(report).results.find((each: { id: string }) => each.id === 'keys/key-in-git');
          assert.equal(inGit.status, 'fail', JSON.stringify(inGit));
          assert.match(inGit.message, /in the git history of \/var\/lib\/deploy-repo \(1 place/);
          assert.ok(
            inGit.evidence.some(
              (evidence: { file?: string; detail?: string }) =>
                evidence.file === '/var/lib/deploy-repo/deploy/signer.env' &&
                evidence.detail?.includes(`commit ${repo.introducer.slice(0, 12)}`),
            ),
            JSON.stringify(inGit.evidence),
          );
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
      // The live audit of the same host finds it in the same place.
      const local = await cli(['audit', '--format', 'json', '--fail-on', 'none'], { nsenter: nsenterArgs(self, true) });
      assert.equal(statuses(local.stdout)['keys/key-in-git'], 'fail', local.stderr);
    } finally {
      rmSync(history, { force: true });
      rmSync(repo.dir, { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('a remote history that cannot be searched (no git on the host) is an error, never a warning or a pass', async () => {
    const self = lab.hosts.find((host) => host.alias === 'self')!;
    const repo = plantKeyInHistory(tree);
    // git is gone from the server's own mount namespace: a file that is not executable sits over it.
    const git = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const blank = join(lab.dir, 'not-git');
    writeFileSync(blank, '', { mode: 0o644 });
    // In its pid namespace too: that mount namespace's /proc is the namespace's own, where mount finds itself.
    execFileSync('nsenter', [...nsenterArgs(self, true), 'mount', '--bind', blank, git]);
    try {
      const remote = await cli(['audit', '--host', 'self', '--ssh-config', lab.configFile, '--format', 'json']);
      const inGit = JSON.parse(remote.stdout).results.find((each: { id: string }) => each.id === 'keys/key-in-git');
      assert.equal(inGit.status, 'error', JSON.stringify(inGit));
      assert.match(
        inGit.message,
        /^The git repository \/var\/lib\/deploy-repo could not be searched: \/var\/lib\/deploy-repo\/\.git: git is not installed on the host\.$/,
      );
      assert.equal(remote.code, 2, remote.stderr);
    } finally {
      execFileSync('nsenter', [...nsenterArgs(self, true), 'umount', git]);
      rmSync(repo.dir, { recursive: true, force: true });
    }
  });

  test('a host whose tools lack what the remote scripts use (busybox stat) is refused with the reason, never audited', async () => {
    const self = lab.hosts.find((host) => host.alias === 'self')!;
    const busybox = execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim();
    const stat = execFileSync('sh', ['-c', 'command -v stat'], { encoding: 'utf8' }).trim();
    execFileSync('nsenter', [...nsenterArgs(self, true), 'mount', '--bind', busybox, stat]);
    try {
      const remote = await cli(['audit', '--host', 'self', '--ssh-config', lab.configFile, '--format', 'json']);
      assert.equal(remote.code, 2, remote.stdout);
      assert.match(
        `${remote.stdout}${remote.stderr}`,
        /the host's tools lack what the agentless audit needs \(GNU coreutils, findutils, grep, sed and tar\): stat --printf/,
      );
    } finally {
      execFileSync('nsenter', [...nsenterArgs(self, true), 'umount', stat]);
    }
  });
});
