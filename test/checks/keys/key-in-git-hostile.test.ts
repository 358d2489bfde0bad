// keys/key-in-git on repositories built to make git leave the target, hang, or give up (issue 18, items 2, 7, 8).
// Each repository of the target is real (built by git); the tricks are the ones a hostile tree can hold: alternates,
// commondir and an objects symlink naming a repository of the auditing host, FIFOs as HEAD, config or an include,
// bad config lines, includes and dangling refs. The host repository "outside the root" holds the signer key: any
// verdict built on it (a fail naming its commit) means git read the host.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import check from '../../../src/checks/keys/key-in-git.js';
import { AuditContext } from '../../../src/engine/context.js';
import { type DetailedResult, runCheckDetailed } from '../../../src/engine/runner.js';
import { DirectoryTarget } from '../../../src/target/directory-target.js';
import { makeRepo, runGit, type TestRepo } from '../../secrets/git/repo.js';
import { signerHost, TEST_SIGNER_KEY } from '../../support/hosts.js';
import { materialiseFiles } from '../../support/materialise.js';

const KEY64 = TEST_SIGNER_KEY.slice(0, 64);
/** A normal run of one case takes about a second; an old git that hangs on a FIFO never ends. */
const CASE_TIMEOUT_MS = 60_000;

let hostRepo: TestRepo;

before(() => {
  // On the auditing host, outside every target: the key, committed.
  hostRepo = makeRepo(`key-in-git-host-${process.pid}-`);
  hostRepo.write('host-only/signer.env', `SIGNER_PRIVATE_KEY=${KEY64}\n`);
  hostRepo.commit('host secret');
});
after(() => hostRepo.cleanup());

/** A target with a signer whose `/home/admin/app` is made by `build(appDir)`; returns the check's result. */
async function audit(build: (appDir: string, root: string) => void): Promise<DetailedResult> {
  const tree = await materialiseFiles(signerHost({}, { 'home/admin/.keep': '' }));
  try {
    build(join(tree.root, 'home/admin/app'), tree.root);
    return await runCheckDetailed(check, new AuditContext(new DirectoryTarget(tree.root, { live: false })));
  } finally {
    tree.cleanup();
  }
}

/** A repository at `dir` with one clean commit. */
function cleanRepo(dir: string): void {
  execFileSync('mkdir', ['-p', dir]);
  runGit(dir, ['init', '-q', '-b', 'main']);
  writeFileSync(join(dir, 'README.md'), 'app\n');
  runGit(dir, ['add', '-A']);
  runGit(dir, ['commit', '-q', '-m', 'readme']);
}

/** A repository at `dir` whose history (not its files) holds the key. */
function repoWithKeyInHistory(dir: string): void {
  cleanRepo(dir);
  writeFileSync(join(dir, 'signer.env'), `SIGNER_PRIVATE_KEY=${KEY64}\n`);
  runGit(dir, ['add', '-A']);
  runGit(dir, ['commit', '-q', '-m', 'oops']);
  runGit(dir, ['rm', '-q', 'signer.env']);
  runGit(dir, ['commit', '-q', '-m', 'remove']);
}

function neverReadTheHost({ result }: DetailedResult): void {
  const text = JSON.stringify(result);
  assert.ok(!text.includes('host-only'), `the host's repository was read: ${text}`);
  assert.ok(!text.toLowerCase().includes(KEY64), 'the key itself must never appear');
}

describe('keys/key-in-git: git never reads outside the target', { timeout: CASE_TIMEOUT_MS * 8 }, () => {
  test('objects/info/alternates naming a host repository: an error naming the file', async () => {
    const detailed = await audit((app) => {
      runGit(join(app, '..'), ['clone', '-q', '--shared', hostRepo.dir, 'app']);
    });
    neverReadTheHost(detailed);
    assert.equal(detailed.result.status, 'error', detailed.result.message);
    assert.match(detailed.result.message, /\/home\/admin\/app\/\.git\/objects\/info\/alternates/);
  });

  test('commondir naming a host repository: an error naming the file', async () => {
    const detailed = await audit((app) => {
      cleanRepo(app);
      writeFileSync(join(app, '.git/commondir'), `${join(hostRepo.dir, '.git')}\n`);
    });
    neverReadTheHost(detailed);
    assert.equal(detailed.result.status, 'error', detailed.result.message);
    assert.match(detailed.result.message, /\/home\/admin\/app\/\.git\/commondir/);
  });

  test('an objects/ symlink to a host repository: an error naming it', async () => {
    const detailed = await audit((app) => {
      runGit(join(app, '..'), ['clone', '-q', '--no-local', hostRepo.dir, 'app']);
      rmSync(join(app, '.git/objects'), { recursive: true, force: true });
      symlinkSync(join(hostRepo.dir, '.git/objects'), join(app, '.git/objects'));
    });
    neverReadTheHost(detailed);
    assert.equal(detailed.result.status, 'error', detailed.result.message);
    assert.match(detailed.result.message, /\/home\/admin\/app\/\.git\/objects/);
  });

  test('an objects/ symlink inside the target is followed there', async () => {
    const detailed = await audit((app, root) => {
      repoWithKeyInHistory(app);
      execFileSync('mv', [join(app, '.git/objects'), join(root, 'home/admin/objects-store')]);
      symlinkSync('../../objects-store', join(app, '.git/objects'));
    });
    assert.equal(detailed.result.status, 'fail', detailed.result.message);
  });

  test('an include of a host file (/etc/shadow) and of a FIFO: not read, the history still searched', async () => {
    const detailed = await audit((app) => {
      repoWithKeyInHistory(app);
      execFileSync('mkfifo', [join(app, '.git/fifo.inc')]);
      appendFileSync(join(app, '.git/config'), '[include]\n\tpath = /etc/shadow\n\tpath = fifo.inc\n');
    });
    assert.equal(detailed.result.status, 'fail', detailed.result.message);
    assert.ok(
      detailed.result.evidence.some((item) => /include\/includeIf files were not read/.test(item.detail ?? '')),
    );
  });
});

describe('keys/key-in-git: a FIFO in the repository never hangs the audit', { timeout: CASE_TIMEOUT_MS * 4 }, () => {
  for (const name of ['HEAD', 'config']) {
    test(`.git/${name} is a FIFO: an error naming it, no hang`, { timeout: CASE_TIMEOUT_MS }, async () => {
      const detailed = await audit((app) => {
        cleanRepo(app);
        rmSync(join(app, '.git', name));
        execFileSync('mkfifo', [join(app, '.git', name)]);
      });
      assert.equal(detailed.result.status, 'error', detailed.result.message);
      assert.match(detailed.result.message, new RegExp(`/home/admin/app/\\.git/${name}: not a regular file`));
    });
  }
});

describe('keys/key-in-git: a broken repository never turns the failure into a pass (item 7)', () => {
  test('a bad .git/config line: the key is still found', async () => {
    const detailed = await audit((app) => {
      repoWithKeyInHistory(app);
      appendFileSync(join(app, '.git/config'), 'this is = not [ a config line\n');
    });
    assert.equal(detailed.result.status, 'fail', detailed.result.message);
  });

  test('a bad [include]d file: the key is still found', async () => {
    const detailed = await audit((app) => {
      repoWithKeyInHistory(app);
      writeFileSync(join(app, '.git/bad.inc'), '[[[ broken\n');
      appendFileSync(join(app, '.git/config'), '[include]\n\tpath = bad.inc\n');
    });
    assert.equal(detailed.result.status, 'fail', detailed.result.message);
  });

  test('a dangling ref: the key is still found, and the dangling ref is named', async () => {
    const detailed = await audit((app) => {
      repoWithKeyInHistory(app);
      writeFileSync(join(app, '.git/refs/heads/broken'), `${'1234567890'.repeat(4)}\n`);
    });
    assert.equal(detailed.result.status, 'fail', detailed.result.message);
    assert.ok(
      detailed.result.evidence.some((item) => /refs\/heads\/broken names object 123456789012/.test(item.detail ?? '')),
      JSON.stringify(detailed.result.evidence),
    );
  });

  test('a dangling ref in a clean repository: error (exit 2), never a pass or a warn', async () => {
    const detailed = await audit((app) => {
      cleanRepo(app);
      writeFileSync(join(app, '.git/refs/heads/broken'), `${'1234567890'.repeat(4)}\n`);
    });
    assert.equal(detailed.result.status, 'error', detailed.result.message);
    assert.match(detailed.result.message, /refs\/heads\/broken names object/);
  });

  test('a git killed for its timeout: error, not a pass', async () => {
    const previous = process.env.SIGNER_OPSEC_GIT_TIMEOUT;
    // So short that every git is killed at once (normal runs stay far from a second).
    process.env.SIGNER_OPSEC_GIT_TIMEOUT = '0.001';
    try {
      const detailed = await audit((app) => repoWithKeyInHistory(app));
      assert.equal(detailed.result.status, 'error', detailed.result.message);
    } finally {
      if (previous === undefined) delete process.env.SIGNER_OPSEC_GIT_TIMEOUT;
      else process.env.SIGNER_OPSEC_GIT_TIMEOUT = previous;
    }
  });
});
