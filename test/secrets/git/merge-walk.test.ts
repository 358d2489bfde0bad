// Merges are read by their blobs (merge-walk.ts), not by combined diffs: what a resolution added is the merge's, what
// a parent brought in stays with the commit that added it on that side, and a key only the resolution made
// recognisable (its block header renamed above a list item both parents had) is found, which a combined diff misses.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { scanGitHistory } from '../../../src/secrets/git/index.js';
import { MergeRawParser } from '../../../src/secrets/git/merge-walk.js';
import type { Finding, ScanResult } from '../../../src/secrets/types.js';
import { makeRepo, type TestRepo, testKey } from './repo.js';

/** Merges `branch` into the current branch; a conflict is left for the caller to resolve and commit. */
function mergeOrConflict(repo: TestRepo, branch: string): boolean {
  try {
    repo.git('merge', '-q', '--no-edit', branch);
    return true;
  } catch {
    return false;
  }
}

describe('history scan: merges by their blobs', () => {
  const keys = {
    brought: testKey('merge brought'),
    header: testKey('merge header'),
    octopus: testKey('merge octopus'),
  };
  const commits: Record<string, string> = {};
  let repo: TestRepo;
  let result: ScanResult;
  const at = (file: string): Finding[] => result.findings.filter((finding) => finding.file === file);

  before(async () => {
    repo = makeRepo('scan-merges-');
    repo.write('cfg.toml', 'a = 1\nb = 2\nc = 3\n');
    repo.write('keys.yaml', 'mode: base\nsigners:\n  - "00"\n');
    commits.base = repo.commit('base');

    // Both sides change cfg.toml; the right side adds a key. The clean merge's blob differs from both parents.
    repo.git('checkout', '-q', '-b', 'right');
    repo.write('cfg.toml', `a = 1\nb = 2\nc = 3\nstacks_private_key = "${keys.brought}"\n`);
    commits.right = repo.commit('right adds a key');
    repo.git('checkout', '-q', 'main');
    repo.write('cfg.toml', 'a = "left"\nb = 2\nc = 3\n');
    repo.commit('left');
    assert.ok(mergeOrConflict(repo, 'right'), 'the first merge must be clean');
    commits.cleanMerge = repo.git('rev-parse', 'HEAD');

    // A list item both sides have under a header naming nothing; the resolution renames the header to a key name.
    repo.write('keys.yaml', `mode: base\nsigners:\n  - "${keys.header}"\n`);
    commits.item = repo.commit('a list item under signers');
    repo.git('checkout', '-q', '-b', 'other');
    repo.write('keys.yaml', `mode: other\nsigners:\n  - "${keys.header}"\n`);
    repo.commit('other');
    repo.git('checkout', '-q', 'main');
    repo.write('keys.yaml', `mode: main\nsigners:\n  - "${keys.header}"\n`);
    repo.commit('main');
    assert.ok(!mergeOrConflict(repo, 'other'), 'the second merge must conflict');
    repo.write('keys.yaml', `mode: both\nprivate_keys:\n  - "${keys.header}"\n`);
    repo.git('add', 'keys.yaml');
    repo.git('commit', '-q', '--no-edit');
    commits.headerMerge = repo.git('rev-parse', 'HEAD');

    // An octopus merge (three parents) whose resolution adds a key to a file all three changed.
    repo.write('octo.txt', 'base\n');
    const octoBase = repo.commit('octo base');
    for (const name of ['o1', 'o2']) {
      repo.git('checkout', '-q', '-b', name, octoBase);
      repo.write(`${name}.txt`, `${name}\n`);
      repo.commit(name);
    }
    repo.git('checkout', '-q', 'main');
    repo.git('merge', '-q', '--no-commit', 'o1', 'o2');
    repo.write('octo.txt', `base\nmining_key = "${keys.octopus}"\n`);
    repo.git('add', 'octo.txt');
    repo.git('commit', '-q', '-m', 'octopus');
    commits.octopus = repo.git('rev-parse', 'HEAD');

    result = await scanGitHistory(repo.dir, {});
  });
  after(() => repo.cleanup());

  test('a key one side added stays with that side even though the merge blob holds it', () => {
    const [finding, ...more] = at('cfg.toml');
    assert.equal(more.length, 0);
    assert.equal(finding?.commit, commits.right);
    assert.equal(finding?.addedAgain, 0);
    assert.equal(finding?.line, 4);
  });

  test('a key only the resolution made recognisable is the merge commit’s', () => {
    const [finding, ...more] = at('keys.yaml');
    assert.equal(more.length, 0);
    assert.equal(finding?.commit, commits.headerMerge);
    assert.equal(finding?.line, 3);
  });

  test('an octopus resolution’s key is the octopus merge’s', () => {
    const [finding, ...more] = at('octo.txt');
    assert.equal(more.length, 0);
    assert.equal(finding?.commit, commits.octopus);
    assert.equal(finding?.line, 2);
  });

  test('the walk is complete and counts every commit', () => {
    assert.equal(result.incomplete, undefined);
    assert.equal(result.stats.commits, Number(repo.git('rev-list', '--count', '--all')));
  });
});

describe('MergeRawParser', () => {
  test('reads headers, n-parent entries, NUL paths across pieces; skips deletions and submodules', () => {
    const seen: string[] = [];
    const parser = new MergeRawParser((commit, path, blob, parents) =>
      seen.push(`${commit.commit}|${path}|${blob}|${parents.join(',')}`),
    );
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const c = 'c'.repeat(40);
    const z = '0'.repeat(40);
    const text =
      `\u0001${'1'.repeat(40)}\t2024-01-01T00:00:00Z\tA <a@x>\0\0` +
      `::100644 100644 100644 ${a} ${b} ${c} MM\0dir/naïve file.txt\0` +
      `::100644 100644 000000 ${a} ${b} ${z} DD\0gone.txt\0` +
      `::160000 160000 160000 ${a} ${b} ${c} MM\0sub\0` +
      `\u0001${'2'.repeat(40)}\t2024-01-02T00:00:00Z\tB <b@x>\0\0` +
      `:::100644 100644 100644 100644 ${a} ${b} ${z} ${c} MMA\0three.txt\0`;
    const latin1 = Buffer.from(text, 'utf8').toString('latin1');
    for (let i = 0; i < latin1.length; i += 7) parser.push(latin1.slice(i, i + 7));
    parser.end();
    assert.deepEqual(seen, [
      `${'1'.repeat(40)}|dir/naïve file.txt|${c}|${a},${b}`,
      `${'1'.repeat(40)}|gone.txt||`,
      `${'1'.repeat(40)}|sub||`,
      `${'2'.repeat(40)}|three.txt|${c}|${a},${b},${z}`,
    ]);
  });
});
