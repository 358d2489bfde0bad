import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import check from '../../../src/checks/keys/key-in-git.js';
import { AuditContext } from '../../../src/engine/context.js';
import { type DetailedResult, runCheckDetailed } from '../../../src/engine/runner.js';
import { TarTarget } from '../../../src/target/tar-target.js';
import { writeTar } from '../../../src/target/tar-writer.js';
import { decoyFiles, makeRepo, type TestRepo, testKey } from '../../secrets/git/repo.js';
import { runCheckCases } from '../../support/check-tester.js';
import { BASE_USERS, SIGNER_CONFIG_PATH, signerHost, signerToml, TEST_SIGNER_KEY } from '../../support/hosts.js';
import type { FileSpec } from '../../support/materialise.js';

const KEY64 = TEST_SIGNER_KEY.slice(0, 64);

/** Builds a real repository with git and returns its git directory as fixture files under `gitDirInTarget`. */
function gitDirFiles(gitDirInTarget: string, build: (repo: TestRepo) => void, bare = false): FileSpec {
  const repo = makeRepo('key-in-git-');
  try {
    build(repo);
    let source = join(repo.dir, '.git');
    if (bare) {
      const bareDir = join(repo.dir, '..', 'bare.git');
      repo.git('clone', '-q', '--bare', '--mirror', repo.dir, bareDir);
      source = bareDir;
    }
    return copiedFiles(source, gitDirInTarget);
  } finally {
    repo.cleanup();
  }
}

/** A host directory's files as fixture files under `prefix`. */
function copiedFiles(source: string, prefix: string): FileSpec {
  const files: FileSpec = {};
  const walk = (dir: string, into: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      // Empty directories too: git needs refs/ to recognise a repository.
      if (statSync(path).isDirectory()) {
        files[`${into}/${name}`] = { dir: true };
        walk(path, `${into}/${name}`);
      } else files[`${into}/${name}`] = { content: readFileSync(path), mode: statSync(path).mode & 0o777 };
    }
  };
  walk(source, prefix);
  return files;
}

/**
 * A superproject work tree (with its .git) under `prefix` whose submodule `vendor/signer-tools` once committed the
 * key: git keeps the submodule's history in `.git/modules/vendor/signer-tools`, its work tree has a `.git` FILE.
 */
function superprojectWithKeyInSubmodule(prefix: string): FileSpec {
  const sub = makeRepo('key-in-git-sub-');
  const superproject = makeRepo('key-in-git-super-');
  try {
    sub.write('deploy/signer.env', `SIGNER_PRIVATE_KEY=${KEY64}\n`);
    sub.commit('deploy');
    sub.git('rm', '-q', 'deploy/signer.env');
    sub.commit('remove the key');
    superproject.write('README.md', 'ops\n');
    superproject.commit('readme');
    superproject.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub.dir, 'vendor/signer-tools');
    superproject.commit('add tools');
    return copiedFiles(superproject.dir, prefix);
  } finally {
    sub.cleanup();
    superproject.cleanup();
  }
}

function neverTheKey({ result, items }: DetailedResult): void {
  const text = JSON.stringify({ result, items }).toLowerCase();
  assert.ok(!text.includes(KEY64), 'the key itself must never appear');
}

const committedThenDeleted = gitDirFiles('home/admin/deploy/.git', (repo) => {
  for (const [path, content] of Object.entries(decoyFiles('deploy'))) repo.write(path, content);
  repo.write('signer.env', `SIGNER_PRIVATE_KEY=0x${KEY64.toUpperCase()}\n`);
  repo.commit('deploy files');
  repo.git('rm', '-q', 'signer.env');
  repo.commit('oops, remove the key');
});

runCheckCases(check, {
  pass: [
    { name: 'no repository on the host', files: signerHost(), messages: ['noRepositories'] },
    {
      // Found by the fuzzer (test/fuzz/regressions/hosts/): a relative home was searched as a path and threw.
      name: 'a passwd entry whose home is not an absolute path (not searched, not an error)',
      files: signerHost({}, { 'etc/passwd': `${BASE_USERS['etc/passwd']}bob:x:1001:1001::7:/bin/sh\n` }),
      messages: ['noRepositories'],
    },
    {
      name: 'repositories holding other keys and hash-heavy files only',
      files: signerHost(
        {},
        gitDirFiles('home/admin/tools/.git', (repo) => {
          for (const [path, content] of Object.entries(decoyFiles('tools'))) repo.write(path, content);
          repo.write('test/signer.toml', `stacks_private_key = "${testKey('someone else')}01"\n`);
          repo.commit('tools');
        }),
      ),
      messages: ['clean'],
      verify: ({ result }) => assert.match(result.message, /\/home\/admin\/tools/),
    },
  ],
  fail: [
    {
      name: 'committed (upper case, 0x) and deleted in the next commit',
      files: signerHost({}, committedThenDeleted),
      messages: ['inHistory'],
      verify: (detailed) => {
        neverTheKey(detailed);
        const evidence = detailed.result.evidence.find((item) => item.file === '/home/admin/deploy/signer.env');
        assert.ok(evidence, JSON.stringify(detailed.result.evidence));
        assert.equal(evidence.line, 1);
        assert.match(evidence.detail, /commit [0-9a-f]{12} \(\d{4}-\d\d-\d\d, Planted Author/);
      },
    },
    {
      name: 'etckeeper committed the signer config to /etc/.git',
      files: signerHost(
        {},
        gitDirFiles('etc/.git', (repo) => {
          repo.write('stacks/signer/signer-config.toml', signerToml());
          repo.commit('etckeeper daily autocommit');
        }),
      ),
      messages: ['inHistory'],
      verify: (detailed) => {
        neverTheKey(detailed);
        assert.ok(detailed.result.evidence.some((item) => item.file === `/${SIGNER_CONFIG_PATH}`));
      },
    },
    {
      name: 'only in an older stash entry under /root',
      files: signerHost(
        {},
        gitDirFiles('root/ops/.git', (repo) => {
          repo.write('notes.md', 'ops notes\n');
          repo.commit('notes');
          repo.write('notes.md', `ops notes\nkey: ${KEY64}\n`);
          repo.git('stash', 'push', '-q');
          repo.write('notes.md', 'ops notes, edited\n');
          repo.git('stash', 'push', '-q');
        }),
      ),
      messages: ['inHistory'],
      verify: neverTheKey,
    },
    {
      name: 'a bare repository under /srv (pushed there)',
      files: signerHost(
        {},
        gitDirFiles(
          'srv/git/ops.git',
          (repo) => {
            repo.write('backup/key.txt', `${TEST_SIGNER_KEY}\n`);
            repo.commit('backup');
          },
          true,
        ),
      ),
      messages: ['inHistory'],
    },
    {
      name: 'only in the history of a submodule (.git/modules), the superproject itself clean',
      files: signerHost({}, superprojectWithKeyInSubmodule('home/admin/ops')),
      messages: ['inHistory'],
      verify: (detailed) => {
        neverTheKey(detailed);
        assert.match(detailed.result.message, /\/home\/admin\/ops\/\.git\/modules\/vendor\/signer-tools/);
      },
    },
    {
      name: 'a work tree whose .git file points to a git directory outside the searched roots',
      files: signerHost(
        {},
        {
          ...gitDirFiles('data/repos/app.git', (repo) => {
            repo.write('k.txt', `${KEY64}\n`);
            repo.commit('key');
          }),
          'home/admin/app/.git': 'gitdir: ../../../data/repos/app.git\n',
          'home/admin/app/README.md': 'app\n',
        },
      ),
      messages: ['inHistory'],
      verify: (detailed) => assert.match(detailed.result.message, /\/data\/repos\/app\.git/),
    },
  ],
  error: [
    {
      // Fail closed: a warn here let `--fail-on` pass a repository that might hold the key (issue 18, item 7).
      name: 'a damaged repository cannot be cleared',
      files: signerHost(
        {},
        { 'opt/app/.git/HEAD': 'not a ref\n', 'opt/app/.git/objects/.keep': '', 'opt/app/.git/refs/.keep': '' },
      ),
      messages: ['unreadable'],
    },
  ],
  notEvaluable: [
    {
      name: 'the signer config has no key',
      files: signerHost({ stacks_private_key: undefined }, committedThenDeleted),
      messages: ['unknownKey'],
    },
  ],
  notApplicable: [{ name: 'no signer', files: BASE_USERS }],
});

test('keys/key-in-git: a tar target gives the same result as the directory (the git directory is copied out)', async () => {
  const files = signerHost({}, committedThenDeleted);
  const entries = Object.entries(files).map(([path, spec]) => {
    const options = typeof spec === 'string' || Buffer.isBuffer(spec) ? { content: spec } : spec;
    const type = options.dir ? ('dir' as const) : ('file' as const);
    return {
      path,
      type,
      mode: options.mode ?? (options.dir ? 0o755 : 0o644),
      uid: 0,
      gid: 0,
      content: options.content ?? '',
    };
  });
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'key-in-git-tar-'));
  try {
    const archive = join(dir, 'host.tar');
    writeFileSync(archive, writeTar(entries));
    const fromTar = await runCheckDetailed(check, new AuditContext(new TarTarget(archive)));
    assert.equal(fromTar.result.status, 'fail', fromTar.result.message);
    assert.ok(fromTar.result.evidence.some((item) => item.file === '/home/admin/deploy/signer.env'));
    neverTheKey(fromTar);
    // Only this process's copies: other test files (and other runs) on the machine make their own at the same time.
    assert.deepEqual(
      readdirSync(tmpdir()).filter((name) => name.startsWith(`signer-opsec-git-${process.pid}-`)),
      [],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
