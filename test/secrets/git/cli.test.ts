import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { BIN, REPO_ROOT, runCli } from '../../support/cli.js';
import { makeRepo, testKey } from './repo.js';

interface JsonReport {
  findings: { detector: string; file: string; line: number; commit?: string; fingerprint: string }[];
  stats: { commits?: number };
  warnings: string[];
}

test('scan --history: exit 1 with the commit of a deleted key, JSON without the value', () => {
  const repo = makeRepo();
  try {
    const key = testKey('cli-history');
    repo.write('deploy/.env', `SIGNER_PRIVATE_KEY=${key}01\n`);
    const added = repo.commit('add');
    repo.git('rm', '-q', 'deploy/.env');
    repo.commit('remove');
    const run = runCli(['scan', '--history', repo.dir, '--format', 'json']);
    assert.equal(run.code, 1, run.stderr);
    assert.ok(!run.stdout.includes(key) && !run.stderr.includes(key), 'the key leaked');
    const report = JSON.parse(run.stdout) as JsonReport;
    assert.deepEqual(
      report.findings.map(({ file, line, commit }) => ({ file, line, commit })),
      [{ file: 'deploy/.env', line: 1, commit: added }],
    );
    assert.equal(report.stats.commits, 2);
  } finally {
    repo.cleanup();
  }
});

test('scan --history / --staged outside a repository: exit 2 with where and why', () => {
  const repo = makeRepo();
  try {
    const history = runCli(['scan', '--history', join(repo.dir, '.git', 'objects')]);
    assert.equal(history.code, 0, "a git directory's subdirectory is still inside the repository");
    const missing = runCli(['scan', '--staged', join(repo.dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope: does not exist/);
  } finally {
    repo.cleanup();
  }
});

test('the pre-commit hook entry refuses a commit that stages a key, and lets a clean one through', () => {
  const hooks = parse(readFileSync(join(REPO_ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as {
    id: string;
    entry: string;
    pass_filenames: boolean;
  }[];
  const hook = hooks.find((entry) => entry.id === 'signer-opsec');
  assert.ok(hook);
  assert.equal(hook.pass_filenames, false);
  const [command, ...args] = hook.entry.split(' ');
  assert.equal(command, 'signer-opsec');
  const repo = makeRepo();
  try {
    // What the framework does, minus its installer: run the entry from the repository root as the pre-commit hook.
    const script = join(repo.dir, '.git', 'hooks', 'pre-commit');
    writeFileSync(script, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" ${args.join(' ')}\n`);
    chmodSync(script, 0o755);
    repo.write('README.md', 'hello\n');
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'clean');
    repo.write('signer.toml', `stacks_private_key = "${testKey('hook')}"\n`);
    repo.git('add', '-A');
    const refused = spawnSync('git', ['commit', '-q', '-m', 'key'], {
      cwd: repo.dir,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: 'a',
        GIT_AUTHOR_EMAIL: 'a@b',
        GIT_COMMITTER_NAME: 'a',
        GIT_COMMITTER_EMAIL: 'a@b',
      },
    });
    assert.notEqual(refused.status, 0, 'the commit went through');
    assert.match(refused.stdout + refused.stderr, /signer\.toml:1/);
    assert.equal(repo.git('rev-list', '--count', 'HEAD'), '1');
  } finally {
    repo.cleanup();
  }
});

test('the pre-commit hook scans the index the commit records: `git commit -a` and `git commit <path>`', () => {
  const repo = makeRepo();
  try {
    const script = join(repo.dir, '.git', 'hooks', 'pre-commit');
    writeFileSync(script, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" scan --staged\n`);
    chmodSync(script, 0o755);
    repo.write('signer.toml', 'node_host = "127.0.0.1:20443"\n');
    repo.write('notes.txt', 'hello\n');
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'clean');
    const commit = (...args: string[]) =>
      spawnSync('git', ['commit', '-q', '-m', 'key', ...args], {
        cwd: repo.dir,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          GIT_CONFIG_GLOBAL: '/dev/null',
          GIT_AUTHOR_NAME: 'a',
          GIT_AUTHOR_EMAIL: 'a@b',
          GIT_COMMITTER_NAME: 'a',
          GIT_COMMITTER_EMAIL: 'a@b',
        },
      });
    // Tracked files changed but never `git add`ed: .git/index holds nothing new, only the commit's own index does.
    repo.write('signer.toml', `stacks_private_key = "${testKey('commit-a')}"\n`);
    const all = commit('-a');
    assert.notEqual(all.status, 0, 'git commit -a went through with a key');
    assert.match(all.stdout + all.stderr, /signer\.toml:1/);
    const byPath = commit('signer.toml');
    assert.notEqual(byPath.status, 0, 'git commit <path> went through with a key');
    assert.match(byPath.stdout + byPath.stderr, /signer\.toml:1/);
    assert.ok(!(byPath.stdout + byPath.stderr).includes(testKey('commit-a')), 'the key leaked');
    assert.equal(repo.git('rev-list', '--count', 'HEAD'), '1');
    // A clean change still commits the same way.
    repo.write('signer.toml', 'node_host = "127.0.0.1:30443"\n');
    assert.equal(commit('-a').status, 0);
    repo.write('notes.txt', 'bye\n');
    assert.equal(commit('notes.txt').status, 0);
    assert.equal(repo.git('rev-list', '--count', 'HEAD'), '3');
  } finally {
    repo.cleanup();
  }
});
