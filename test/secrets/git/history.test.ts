import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NEEDS_CONTEXT, needsContext } from '../../../src/secrets/git/history.js';
import { scanGitHistory } from '../../../src/secrets/git/index.js';
import { operatorKeyFromHex } from '../../../src/secrets/operator-key.js';
import type { ScanResult } from '../../../src/secrets/types.js';
import { decoyFiles, makeRepo, type TestRepo, testKey, testMnemonic } from './repo.js';

const PUBLISHED_KEY = '6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01';

describe('scanGitHistory: a labelled history', () => {
  const keys = {
    deleted: testKey('deleted'),
    env: testKey('env'),
    side: testKey('side'),
    stash: testKey('stash'),
    untracked: testKey('untracked'),
  };
  const mnemonic = testMnemonic('tagged', 12);
  let repo: TestRepo;
  const expected: { detector: string; file: string; commit: string }[] = [];
  let result: ScanResult;

  before(async () => {
    repo = makeRepo();
    repo.write('README.md', '# ops\n');
    for (const [path, content] of Object.entries(decoyFiles('first'))) repo.write(path, content);
    // Added, then deleted by the next commit: only history has it.
    repo.write(
      'signer/signer-config.toml',
      `node_host = "127.0.0.1:20443"\nstacks_private_key = "${keys.deleted}01"\n`,
    );
    repo.write('examples/signer-0.toml', `stacks_private_key = "${PUBLISHED_KEY}"\n`);
    const first = repo.commit('first');
    expected.push({ detector: 'stacks-private-key', file: 'signer/signer-config.toml', commit: first });
    expected.push({ detector: 'published-secret', file: 'examples/signer-0.toml', commit: first });

    repo.git('rm', '-q', 'signer/signer-config.toml');
    repo.write('deploy/.env', `NETWORK=mainnet\nSIGNER_PRIVATE_KEY=0x${keys.env.toUpperCase()}\n`);
    const second = repo.commit('move the key to .env');
    expected.push({ detector: 'stacks-private-key', file: 'deploy/.env', commit: second });
    repo.git('rm', '-q', 'deploy/.env');
    for (const [path, content] of Object.entries(decoyFiles('third'))) repo.write(path, content);
    repo.commit('no more keys');

    // A side branch main never merged.
    repo.git('checkout', '-q', '-b', 'ops', second);
    repo.write('ops/values.yaml', `signer:\n  private_key: "${keys.side}"\n`);
    expected.push({ detector: 'stacks-private-key', file: 'ops/values.yaml', commit: repo.commit('helm values') });
    repo.write('ops/notes.md', 'nothing secret\n');
    repo.commit('notes');

    // A commit reachable only through an annotated tag.
    repo.git('checkout', '-q', '--detach', 'main');
    repo.write(
      'notes/wallet.txt',
      `1. ${mnemonic.split(' ').slice(0, 6).join('\n2. ')}\n${mnemonic.split(' ').slice(6).join(', ')}\n`,
    );
    const tagged = repo.commit('wallet');
    repo.git('tag', '-a', '-m', 'old', 'v0-old');
    repo.git('checkout', '-q', 'main');
    expected.push({ detector: 'bip39-mnemonic', file: 'notes/wallet.txt', commit: tagged });

    // An older stash entry (a tracked file changed) and the newest (an untracked file, stash -u).
    repo.write('README.md', `# ops\nmining_key = "${keys.stash}"\n`);
    repo.git('stash', 'push', '-q', '-m', 'older');
    repo.write('.env.local', `PRIVATE_KEY=${keys.untracked}01\n`);
    repo.git('stash', 'push', '-q', '-u', '-m', 'newest');
    expected.push({ detector: 'stacks-private-key', file: 'README.md', commit: repo.git('rev-parse', 'stash@{1}') });
    expected.push({ detector: 'stacks-private-key', file: '.env.local', commit: repo.git('rev-parse', 'stash@{0}^3') });

    result = await scanGitHistory(repo.dir, {});
  });
  after(() => repo.cleanup());

  test('finds every planted secret with the commit that introduced it, and nothing else', () => {
    const found = result.findings.map(({ detector, file, commit }) => ({ detector, file, commit }));
    const order = (a: { file: string; detector: string }, b: { file: string; detector: string }) =>
      a.file.localeCompare(b.file) || a.detector.localeCompare(b.detector);
    assert.deepEqual([...found].sort(order), [...expected].sort(order));
  });

  test('gives the line in the blob, the author and the date', () => {
    const env = result.findings.find((finding) => finding.file === 'deploy/.env');
    assert.equal(env?.line, 2);
    assert.equal(env?.author, 'Planted Author <author@example.com>');
    assert.match(env?.date ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.equal(result.findings.find((finding) => finding.file === 'README.md')?.line, 2);
  });

  test('counts commits and blobs and warns about nothing', () => {
    assert.ok((result.stats.commits ?? 0) >= 9, `commits: ${result.stats.commits}`);
    // One addition per planted secret: none was added twice.
    assert.equal(result.stats.additions, expected.length);
    assert.equal(result.stats.missingObjects, 0);
    assert.deepEqual(result.warnings, []);
  });

  test('never carries a secret value', () => {
    const text = JSON.stringify(result);
    for (const key of [...Object.values(keys), PUBLISHED_KEY.slice(0, 64)]) {
      assert.ok(!text.toLowerCase().includes(key), 'a key leaked into the result');
    }
    assert.ok(!text.includes(mnemonic.split(' ').slice(0, 3).join(' ')), 'the mnemonic leaked');
  });

  test('--key-from mode finds only the operator key, in the commit that added it', async () => {
    const operatorKey = operatorKeyFromHex(keys.env);
    assert.ok(operatorKey);
    const own = await scanGitHistory(repo.dir, { keyFrom: operatorKey });
    assert.deepEqual(
      own.findings.map(({ detector, file, commit }) => ({ detector, file, commit })),
      [
        {
          detector: 'operator-key',
          file: 'deploy/.env',
          commit: expected.find((e) => e.file === 'deploy/.env')?.commit,
        },
      ],
    );
  });
});

describe('scanGitHistory: where and why it refuses', () => {
  test('a directory that is not a repository is a clear error', async () => {
    const repo = makeRepo();
    try {
      await assert.rejects(
        scanGitHistory(`${repo.dir}/.git/objects`, {}, { searchParents: false }),
        /not a git repository/,
      );
      await assert.rejects(scanGitHistory(`${repo.dir}/missing`, {}), /missing: does not exist/);
    } finally {
      repo.cleanup();
    }
  });

  test('a work tree whose .git names a git directory outside it (a linked worktree) is refused, never followed', async () => {
    // scan --history is confined to the repository's directory (issue 18): git must not read another place.
    const repo = makeRepo();
    try {
      repo.write('a.txt', 'a\n');
      repo.commit('a');
      const linked = `${repo.dir}-linked`;
      repo.git('worktree', 'add', '-q', linked);
      await assert.rejects(
        scanGitHistory(linked, {}),
        /\.git: names a git directory outside .*scan that repository instead/,
      );
      repo.git('worktree', 'remove', '--force', linked);
    } finally {
      repo.cleanup();
    }
  });

  test('a FIFO as HEAD or config: an error naming it, no hang', { timeout: 60_000 }, async () => {
    for (const name of ['HEAD', 'config']) {
      const repo = makeRepo();
      try {
        repo.write('a.txt', 'a\n');
        repo.commit('a');
        rmSync(join(repo.dir, '.git', name));
        execFileSync('mkfifo', [join(repo.dir, '.git', name)]);
        if (name === 'HEAD') {
          await assert.rejects(scanGitHistory(repo.dir, {}), /\.git\/HEAD: not a regular file/);
        } else {
          const result = await scanGitHistory(repo.dir, {});
          assert.match(result.incomplete ?? '', /\.git\/config: not a regular file/);
        }
      } finally {
        repo.cleanup();
      }
    }
  });

  test('an empty repository has nothing to scan and is no error', async () => {
    const repo = makeRepo();
    try {
      const result = await scanGitHistory(repo.dir, {});
      assert.deepEqual(result.findings, []);
      assert.equal(result.stats.commits, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('a blob over the size cap is skipped with a note, never read whole', async () => {
    const repo = makeRepo();
    try {
      repo.write('big.env', `${'x'.repeat(4096)}\nSIGNER_PRIVATE_KEY=${testKey('big')}01\n`);
      repo.write('small.txt', 'hello\n');
      repo.commit('big');
      const result = await scanGitHistory(repo.dir, { maxFileBytes: 1024 });
      assert.deepEqual(result.findings, []);
      assert.equal(result.stats.skippedTooLarge, 1);
      assert.match(result.warnings.join('\n'), /big\.env .*over the 1024-byte cap/);
    } finally {
      repo.cleanup();
    }
  });

  test('a repository owned by another user is scanned (root audits every home)', async () => {
    const repo = makeRepo();
    try {
      repo.write('.env', `SIGNER_PRIVATE_KEY=${testKey('owned')}01\n`);
      repo.commit('owned');
      repo.git('config', 'core.fsmonitor', 'touch /tmp/signer-opsec-fsmonitor-ran');
      const { chownSync, existsSync, readdirSync, statSync } = await import('node:fs');
      const walk = (path: string): void => {
        chownSync(path, 65534, 65534);
        if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) walk(`${path}/${entry}`);
      };
      walk(repo.dir);
      const result = await scanGitHistory(repo.dir, {});
      assert.equal(result.findings.length, 1);
      assert.ok(!existsSync('/tmp/signer-opsec-fsmonitor-ran'), 'the repository config ran a program');
    } finally {
      repo.cleanup();
    }
  });
});

test('needsContext: what NEEDS_CONTEXT matches, pre-checks and all', () => {
  // A small xorshift: the same texts on every run.
  let state = 0x2545f491;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const hex = '0123456789abcdefABCDEF'.repeat(3).slice(0, 64);
  const pieces = [
    'password',
    'PASSWORD',
    'PassWord',
    'pAsSwOrD',
    'assword',
    ' = x',
    ':',
    '=',
    '"',
    "'",
    ' ',
    '\t',
    '\n',
  ];
  pieces.push('- ', '-\t', '-', 'w', 'W', 'pass', 'word', hex, `0x${hex}`, hex.slice(1), 'key', '\r\n', 'paSSWORD');
  let matched = 0;
  for (let round = 0; round < 20_000; round++) {
    let text = '';
    const count = 1 + Math.floor(next() * 10);
    for (let i = 0; i < count; i++) text += pieces[Math.floor(next() * pieces.length)];
    const expected =
      (text.includes('assword') || text.includes('ASSWORD') || text.includes('- ')) && NEEDS_CONTEXT.test(text);
    if (expected) matched++;
    assert.equal(needsContext(Buffer.from(text, 'latin1')), expected, JSON.stringify(text));
  }
  assert.ok(matched > 500, `only ${matched} texts needed context`);
});
