import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Introduction, startIntroductions } from '../../../src/secrets/git/introducers.js';
import { makeRepo, type TestRepo } from './repo.js';

const summary = (introductions: Map<string, Introduction[]>) =>
  [...introductions].flatMap(([blob, list]) => list.map(({ path, commit }) => `${blob} ${path} ${commit}`)).sort();

describe('introductions read alongside the scan', () => {
  let repo: TestRepo;
  const blobs: Record<string, string> = {};
  const commits: Record<string, string> = {};
  before(() => {
    repo = makeRepo('scan-introducers-');
    // Filler commits so git log prints far more than the small holding bounds used below.
    for (let i = 0; i < 30; i++) {
      repo.write(`filler/${i}.txt`, `filler ${i}\n`);
      commits[`filler${i}`] = repo.commit(`filler ${i}`);
    }
    repo.write('a.txt', 'shared content\n');
    commits.first = repo.commit('a');
    repo.write('b tab\t"quoted".txt', 'shared content\n');
    commits.second = repo.commit('b');
    repo.write('a.txt', 'changed\n');
    repo.commit('change a');
    repo.write('a.txt', 'shared content\n');
    commits.back = repo.commit('a again');
    blobs.shared = repo.git('rev-parse', `${commits.first}:a.txt`);
    blobs.filler = repo.git('rev-parse', `${commits.filler3}:filler/3.txt`);
  });
  after(() => repo.cleanup());

  const expected = () => [
    `${blobs.filler} filler/3.txt ${commits.filler3}`,
    // Earliest commit per path: a.txt got the blob back later, but first had it in `first`.
    `${blobs.shared} a.txt ${commits.first}`,
    `${blobs.shared} b tab\t"quoted".txt ${commits.second}`,
  ];

  test('blobs wanted before, during and after git log printed them get the same, earliest commits', async () => {
    for (const maxHeldChars of [1, 300, 32 * 1024 * 1024]) {
      const tracker = startIntroductions({ cwd: repo.dir }, [], maxHeldChars);
      tracker.want(blobs.shared as string);
      // Let git log run ahead (and, with a small bound, pause) before the second blob is known to matter.
      await new Promise((resolve) => setTimeout(resolve, 200));
      tracker.want(blobs.filler as string);
      const { introductions, warning } = await tracker.finish();
      assert.equal(warning, undefined);
      assert.deepEqual(summary(introductions), expected().sort(), `maxHeldChars ${maxHeldChars}`);
    }
  });

  test('nothing wanted: git log is stopped and nothing is reported, not even a warning', async () => {
    const tracker = startIntroductions({ cwd: repo.dir }, [], 1);
    const { introductions, warning } = await tracker.finish();
    assert.equal(introductions.size, 0);
    assert.equal(warning, undefined);
  });

  test('a failing git log becomes a warning, with what was read kept', async () => {
    const tracker = startIntroductions({ cwd: `${repo.dir}/.git/objects` }, ['not-a-revision']);
    tracker.want(blobs.shared as string);
    const { warning } = await tracker.finish();
    assert.match(warning ?? '', /^git log could not list every commit \(exit 128\)/);
  });
});
