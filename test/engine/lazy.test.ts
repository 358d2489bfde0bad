import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { lazy } from '../../src/engine/lazy.js';

test('nothing is computed until the first call', async () => {
  let calls = 0;
  const value = lazy(async () => {
    calls += 1;
    return 'fact';
  });
  assert.equal(calls, 0);
  assert.equal(await value(), 'fact');
  assert.equal(calls, 1);
});

test('later calls reuse the first result', async () => {
  let calls = 0;
  const value = lazy(async () => {
    calls += 1;
    return { computed: calls };
  });
  const first = await value();
  const second = await value();
  assert.equal(first, second);
  assert.deepEqual(second, { computed: 1 });
  assert.equal(calls, 1);
});

test('concurrent callers share one computation and one promise', async () => {
  let calls = 0;
  const value = lazy(async () => {
    calls += 1;
    await sleep(10);
    return [calls];
  });
  const promises = [value(), value(), value()];
  assert.equal(promises[0], promises[1]);
  assert.equal(promises[1], promises[2]);
  const results = await Promise.all(promises);
  assert.equal(calls, 1);
  assert.equal(results[0], results[2]);
});

test('each lazy value has its own cache', async () => {
  let calls = 0;
  const make = () =>
    lazy(async () => {
      calls += 1;
      return calls;
    });
  const a = make();
  const b = make();
  assert.equal(await a(), 1);
  assert.equal(await b(), 2);
  assert.equal(await a(), 1);
});
