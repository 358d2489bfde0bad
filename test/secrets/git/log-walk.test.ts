import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { scanGitHistory } from '../../../src/secrets/git/index.js';
import type { Introduction } from '../../../src/secrets/git/introducers.js';
import { nonCommitRefs, startLogWalk } from '../../../src/secrets/git/log-walk.js';
import { type HistoryWalk, startRevListWalk } from '../../../src/secrets/git/walk.js';
import type { ScanResult } from '../../../src/secrets/types.js';
import { makeRepo, runGit, type TestRepo, testKey } from './repo.js';

interface Drained {
  blobs: Map<string, string>;
  commits: number;
  missing: string[];
  walkErrors: string[];
  introductions: Map<string, Introduction[]>;
}

/** Runs a walk to its end the way the scan does, wanting `wanted`, and returns every blob it listed with its path. */
async function drain(walk: HistoryWalk, wanted: readonly string[]): Promise<Drained> {
  const blobs = new Map<string, string>();
  for await (const group of walk.objects(1024 * 1024)) {
    for (const { object, path } of group)
      if (!('missing' in object) && object.type === 'blob') blobs.set(object.oid, path);
  }
  for (const blob of wanted) walk.want(blob);
  const { commits, missing, walkErrors } = await walk.finish();
  const { introductions } = await walk.introductions();
  return { blobs, commits, missing, walkErrors, introductions };
}

const introductionLines = (introductions: Map<string, Introduction[]>) =>
  [...introductions].flatMap(([blob, list]) => list.map(({ path, commit }) => `${blob} ${path} ${commit}`)).sort();

describe('the single git log walk', () => {
  const keys = { merge: testKey('merge-only'), tagged: testKey('tag-of-blob'), tree: testKey('tag-of-tree') };
  let repo: TestRepo;
  let mergeCommit: string;
  let mergeBlob: string;
  let taggedBlob: string;
  let stashes: string[];

  before(() => {
    repo = makeRepo('scan-log-walk-');
    repo.write('README.md', '# ops\n');
    repo.write('odd/tab\there "q".txt', 'a path git quotes\n');
    repo.write('odd/naïve.txt', 'a path with a non-ASCII byte\n');
    symlinkSync('README.md', join(repo.dir, 'link'));
    repo.write('gone.txt', 'deleted later\n');
    repo.commit('root');
    // A submodule is a gitlink (mode 160000) naming a commit this repository need not have.
    repo.git('update-index', '--add', '--cacheinfo', `160000,${'ab'.repeat(20)},vendor/sub`);
    repo.git('commit', '-q', '-m', 'submodule');
    repo.git('checkout', '-q', '-b', 'side');
    repo.write('side.txt', 'side\n');
    repo.commit('side');
    repo.git('checkout', '-q', 'main');
    repo.git('rm', '-q', 'gone.txt');
    repo.write('main.txt', 'main\n');
    repo.commit('main');
    // An "evil" merge: its resolution adds a file neither parent has.
    repo.git('merge', '-q', '--no-ff', '--no-commit', 'side');
    repo.write('deploy/merge-only.env', `SIGNER_PRIVATE_KEY=${keys.merge}01\n`);
    mergeCommit = repo.commit('merge side');
    mergeBlob = repo.git('rev-parse', `${mergeCommit}:deploy/merge-only.env`);
    // Tags git log never follows: of a blob, of a tree, and of a tag of a tree.
    taggedBlob = runGit(repo.dir, ['hash-object', '-w', '--stdin'], `SIGNER_PRIVATE_KEY=${keys.tagged}01\n`);
    repo.git('tag', 'key-blob', taggedBlob);
    const treeBlob = runGit(repo.dir, ['hash-object', '-w', '--stdin'], `stacks_private_key = "${keys.tree}"\n`);
    const keyTree = runGit(repo.dir, ['mktree'], `100644 blob ${treeBlob}\tkeys.toml\n`);
    repo.git('tag', '-a', '-m', 'a tree', 'tree-tag', keyTree);
    repo.git('tag', '-a', '-m', 'a tag of a tree', 'nested-tag', 'tree-tag');
    // A stash with an untracked file.
    repo.write('scratch.txt', 'untracked\n');
    repo.git('stash', 'push', '-q', '-u', '-m', 'wip');
    stashes = [repo.git('rev-parse', 'refs/stash')];
  });
  after(() => repo.cleanup());

  test('lists exactly the blobs rev-list --objects lists, and counts the same commits', async () => {
    const location = { cwd: repo.dir };
    const viaLog = await drain(startLogWalk(location, stashes, await nonCommitRefs(location)), []);
    const viaRevList = await drain(startRevListWalk(location, stashes), []);
    assert.deepEqual([...viaLog.blobs.keys()].sort(), [...viaRevList.blobs.keys()].sort());
    assert.equal(viaLog.commits, viaRevList.commits);
    assert.equal(viaLog.commits, Number(repo.git('rev-list', '--count', '--all')));
    assert.deepEqual(viaLog.missing, [], 'the gitlink was asked of cat-file');
    assert.deepEqual(viaLog.walkErrors, []);
    assert.ok(viaLog.blobs.has(mergeBlob), 'the blob only the merge resolution added');
    assert.ok(viaLog.blobs.has(taggedBlob), 'the blob only a tag names');
    // Paths come back as the repository spells them, unquoted.
    assert.ok([...viaLog.blobs.values()].includes('odd/tab\there "q".txt'));
    assert.ok([...viaLog.blobs.values()].includes('odd/naïve.txt'));
  });

  test('introductions are the same whether the log text is held or outgrows its bound', async () => {
    const location = { cwd: repo.dir };
    const wanted = [mergeBlob, repo.git('rev-parse', 'main:README.md'), repo.git('rev-parse', 'main:odd/naïve.txt')];
    const held = await drain(startLogWalk(location, stashes, []), wanted);
    const overflowed = await drain(startLogWalk(location, stashes, [], 1), wanted);
    assert.deepEqual(introductionLines(overflowed.introductions), introductionLines(held.introductions));
    assert.deepEqual(
      held.introductions.get(mergeBlob)?.map(({ path, commit }) => [path, commit]),
      [['deploy/merge-only.env', mergeCommit]],
    );
    assert.equal(introductionLines(held.introductions).length, 3);
  });

  describe('scanGitHistory over it', () => {
    let result: ScanResult;
    before(async () => {
      result = await scanGitHistory(repo.dir, {});
    });

    test('a key added only by a merge resolution is found, attributed to the merge', () => {
      const merge = result.findings.find(({ file }) => file === 'deploy/merge-only.env');
      assert.equal(merge?.commit, mergeCommit);
    });

    test('keys in objects only tags reach are found: under the tree path, or the blob id', () => {
      assert.ok(result.findings.some(({ file, commit }) => file === 'keys.toml' && commit === undefined));
      assert.ok(result.findings.some(({ file, commit }) => file === taggedBlob && commit === undefined));
      assert.equal(result.findings.length, 3);
    });

    test('a submodule is no missing object, and nothing is warned about', () => {
      assert.deepEqual(result.warnings, []);
      assert.equal(result.stats.missingObjects, 0);
      assert.equal(result.stats.commits, Number(repo.git('rev-list', '--count', '--all', 'refs/stash')));
    });

    test('never carries a secret value', () => {
      const text = JSON.stringify(result);
      for (const key of Object.values(keys)) assert.ok(!text.includes(key), 'a key leaked into the result');
    });
  });
});
