import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanGitStaged } from '../../../src/secrets/git/index.js';
import { parseStagedRaw } from '../../../src/secrets/git/staged.js';
import { decoyFiles, makeRepo, testKey } from './repo.js';

test('the staged scan reads the index version, ignores unstaged and committed files', async () => {
  const repo = makeRepo();
  try {
    repo.write('committed.toml', `stacks_private_key = "${testKey('committed')}"\n`);
    repo.commit('already committed');
    // Staged with a key, then the key removed from the work tree: the commit would still record it.
    repo.write('deploy/.env', `A=1\nSIGNER_PRIVATE_KEY=${testKey('staged')}01\n`);
    repo.git('add', 'deploy/.env');
    repo.write('deploy/.env', 'A=1\n');
    repo.write('unstaged.toml', `stacks_private_key = "${testKey('unstaged')}"\n`);
    for (const [path, content] of Object.entries(decoyFiles('staged'))) repo.write(path, content);
    repo.git('add', 'Cargo.lock', 'release', 'tests', 'docs', 'objects.txt');
    repo.write('image.bin', Buffer.from([0, 1, 2, 3]));
    repo.git('add', 'image.bin');
    const result = await scanGitStaged(repo.dir, {});
    assert.deepEqual(
      result.findings.map(({ detector, file, line, commit }) => ({ detector, file, line, commit })),
      [{ detector: 'stacks-private-key', file: 'deploy/.env', line: 2, commit: undefined }],
    );
    assert.equal(result.stats.skippedBinary, 1);
    assert.equal(result.stats.filesScanned, 6);
  } finally {
    repo.cleanup();
  }
});

test('the first commit of a repository (no HEAD yet) is scanned too', async () => {
  const repo = makeRepo();
  try {
    repo.write('signer.toml', `stacks_private_key = "${testKey('first')}"\n`);
    repo.git('add', '-A');
    const result = await scanGitStaged(repo.dir, {});
    assert.equal(result.findings.length, 1);
    assert.equal(result.findings[0]?.file, 'signer.toml');
  } finally {
    repo.cleanup();
  }
});

test('nothing staged: no findings, no error', async () => {
  const repo = makeRepo();
  try {
    const result = await scanGitStaged(repo.dir, {});
    assert.deepEqual(result, { findings: [], stats: result.stats, warnings: [] });
  } finally {
    repo.cleanup();
  }
});

test('parseStagedRaw keeps regular files, drops symlinks, submodules and deletions', () => {
  const blob = 'a'.repeat(40);
  const zero = '0'.repeat(40);
  const raw = [
    `:000000 100644 ${zero} ${blob} A`,
    'a file',
    `:000000 120000 ${zero} ${'b'.repeat(40)} A`,
    'link',
    `:000000 160000 ${zero} ${'c'.repeat(40)} A`,
    'sub',
    `:100644 100755 ${'d'.repeat(40)} ${blob} M`,
    'same\ncontent',
    '',
  ].join('\0');
  assert.deepEqual([...parseStagedRaw(raw)], [[blob, ['a file', 'same\ncontent']]]);
});
