// Installable the ways people install tools: the README's first command on a fresh clone puts `signer-opsec` on PATH
// (from any directory), `npm install -g` of the `npm pack` tarball works, and the `language: node` pre-commit hook
// installs from a clean cache with Debian's pre-commit and a local repository as the hook source.
// Slow by nature (npm ci, a TypeScript build, npm pack, pre-commit's own install): measured at 4–6 min each on a
// loaded 2-core machine, hence the 30-minute timeouts. The npm registry (or npm's cache) must be reachable.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { REPO_ROOT } from '../support/cli.js';
import { snapshotRepo } from '../support/repo-snapshot.js';

const TIMEOUT_MS = 30 * 60_000;
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The first command of the README's first sh block. */
export function readmeFirstCommand(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'the README opens with an sh block');
  return block.split('\n')[0]!;
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  const result = spawnSync(command, args, { ...options, encoding: 'utf8', timeout: TIMEOUT_MS });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

describe('installing', { concurrency: false }, () => {
  const scratch = mkdtempSync(join(tmpdir(), `so-install-${process.pid}-`));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  const clone = join(scratch, 'clone');
  // npm reads its global config (where a machine keeps its CA file and registry) from <prefix>/etc/npmrc: moving the
  // prefix, as these installs and pre-commit's node environment do, would drop it and leave npm retrying TLS.
  const globalConfig = execFileSync('npm', ['config', 'get', 'globalconfig'], { encoding: 'utf8' }).trim();
  const baseEnv = {
    HOME: process.env.HOME,
    PATH: process.env.PATH,
    npm_config_update_notifier: 'false',
    ...(globalConfig ? { npm_config_globalconfig: globalConfig } : {}),
    ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
  };

  test('the README: exactly two commands; the first, on a fresh clone, leaves signer-opsec on PATH', {
    timeout: TIMEOUT_MS,
  }, () => {
    const block = /```sh\n([\s\S]*?)```/.exec(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'))?.[1] ?? '';
    assert.equal(block.trim().split('\n').length, 2, block);
    const first = readmeFirstCommand();
    assert.match(first, /signer-opsec audit --root examples\/hosts\/published-guide\.tar/);
    snapshotRepo(clone);
    const prefix = join(scratch, 'prefix');
    const env = { ...baseEnv, npm_config_prefix: prefix, PATH: `${join(prefix, 'bin')}${delimiter}${baseEnv.PATH}` };
    const readme = run('sh', ['-c', first], { cwd: clone, env });
    // The README says: exit code 1, the example host has critical findings.
    assert.equal(readme.code, 1, readme.out.slice(-3000));
    assert.match(readme.out, /Verdict +FAIL/);
    const elsewhere = mkdtempSync(join(scratch, 'elsewhere-'));
    const version = run('signer-opsec', ['--version'], { cwd: elsewhere, env });
    assert.equal(version.code, 0, version.out);
    assert.equal(version.out.trim(), VERSION);
  });

  test('npm pack, then npm install -g of the tarball into another prefix', { timeout: TIMEOUT_MS }, () => {
    const packs = join(scratch, 'packs');
    execFileSync('mkdir', ['-p', packs]);
    const pack = run('npm', ['pack', '--pack-destination', packs], { cwd: clone, env: baseEnv });
    assert.equal(pack.code, 0, pack.out);
    const [tarball] = readdirSync(packs);
    assert.ok(tarball?.endsWith('.tgz'), pack.out);
    const prefix = join(scratch, 'prefix-pack');
    const env = { ...baseEnv, npm_config_prefix: prefix, PATH: `${join(prefix, 'bin')}${delimiter}${baseEnv.PATH}` };
    const install = run('npm', ['install', '-g', '--no-audit', '--no-fund', join(packs, tarball!)], {
      cwd: scratch,
      env,
    });
    assert.equal(install.code, 0, install.out);
    const version = run('signer-opsec', ['--version'], { cwd: scratch, env });
    assert.equal(version.out.trim(), VERSION);
    const audit = run(
      'signer-opsec',
      ['audit', '--root', join(REPO_ROOT, 'examples/hosts/published-guide.tar'), '--quiet'],
      {
        cwd: scratch,
        env,
      },
    );
    assert.equal(audit.code, 1, audit.out);
    const man = run('man', ['-w', 'signer-opsec'], {
      cwd: scratch,
      env: { ...env, MANPATH: join(prefix, 'share/man') },
    });
    assert.equal(man.code, 0, `the man page is installed with the package: ${man.out}`);
  });

  test('the language: node pre-commit hook installs from a clean cache and refuses a staged key', {
    timeout: TIMEOUT_MS,
  }, () => {
    // The hook source: a git repository of the working tree (pre-commit clones it at a commit).
    const source = join(scratch, 'hook-source');
    snapshotRepo(source);
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], {
        cwd,
        encoding: 'utf8',
      });
    git(source, 'init', '-q');
    git(source, 'add', '-A');
    git(source, 'commit', '-qm', 'snapshot');
    const rev = git(source, 'rev-parse', 'HEAD').trim();
    const project = join(scratch, 'project');
    execFileSync('mkdir', ['-p', project]);
    git(project, 'init', '-q');
    writeFileSync(
      join(project, '.pre-commit-config.yaml'),
      `repos:\n  - repo: ${source}\n    rev: ${rev}\n    hooks:\n      - id: signer-opsec\n`,
    );
    writeFileSync(join(project, 'notes.txt'), 'nothing secret\n');
    git(project, 'add', '-A');
    const env = { ...baseEnv, PRE_COMMIT_HOME: join(scratch, 'pre-commit-cache') };
    const clean = run('pre-commit', ['run', '--all-files'], { cwd: project, env });
    assert.equal(clean.code, 0, clean.out.slice(-3000));
    assert.match(clean.out, /signer-opsec secret scan \(staged\)\.+Passed/);
    // A throwaway key generated for this test, staged: the hook (already installed) refuses the commit.
    const key = randomBytes(32).toString('hex');
    writeFileSync(join(project, 'signer.toml'), `stacks_private_key = "${key}01"\n`);
    git(project, 'add', 'signer.toml');
    const dirty = run('pre-commit', ['run', '--all-files'], { cwd: project, env });
    assert.equal(dirty.code, 1, dirty.out);
    assert.match(dirty.out, /signer\.toml:1:\d+ critical stacks-private-key [0-9a-f]{8}/);
    assert.ok(!dirty.out.includes(key), 'the key itself is never printed');
  });
});
