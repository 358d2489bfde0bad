import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CommitQueue } from '../../../src/secrets/git/diff-walk.js';

describe('CommitQueue', () => {
  test('a closed queue hands out every index once, in order, in chunks of at most 64', () => {
    const queue = new CommitQueue(150);
    const chunks: number[][] = [];
    for (let chunk = queue.take(); chunk.length > 0; chunk = queue.take()) chunks.push(chunk);
    assert.deepEqual(
      chunks.map((chunk) => chunk.length),
      [64, 64, 22],
    );
    assert.deepEqual(
      chunks.flat(),
      Array.from({ length: 150 }, (_, i) => i),
    );
    assert.equal(queue.finished, true);
  });

  test('an open queue hands out what has been listed, waits for more, and finishes only once closed', async () => {
    const queue = new CommitQueue();
    assert.deepEqual(queue.take(), []);
    assert.equal(queue.finished, false);
    let woken = false;
    const waiting = queue.ready().then(() => {
      woken = true;
    });
    await Promise.resolve();
    assert.equal(woken, false, 'nothing listed yet: the walker waits');
    queue.grow(3);
    await waiting;
    assert.equal(woken, true);
    assert.deepEqual(queue.take(), [0, 1, 2]);
    assert.deepEqual(queue.take(), []);
    assert.equal(queue.finished, false, 'open: more may come');
    const closing = queue.ready();
    queue.close();
    await closing;
    assert.equal(queue.finished, true);
  });

  test('an abandoned queue hands out nothing more, even what was listed, and wakes its waiters', async () => {
    const queue = new CommitQueue();
    queue.grow(100);
    assert.equal(queue.take().length, 64);
    queue.abandon();
    assert.deepEqual(queue.take(), []);
    assert.equal(queue.finished, true);
    await queue.ready();
  });
});
