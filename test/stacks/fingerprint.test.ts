import assert from 'node:assert/strict';
import { createHash, scryptSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import {
  fingerprint,
  guessableFingerprint,
  SLOW_FINGERPRINT_SALT,
  slowDigestHex,
  slowDigestHexAsync,
  slowDigestsRunning,
} from '../../src/stacks/fingerprint.js';

test('fingerprint is the first 8 hex of SHA-256', () => {
  // sha256("abc") = ba7816bf...
  assert.equal(fingerprint('abc'), 'ba7816bf');
  assert.equal(fingerprint(new TextEncoder().encode('abc')), 'ba7816bf');
  assert.match(fingerprint(''), /^[0-9a-f]{8}$/);
});

test('a guessable secret is fingerprinted with scrypt (fixed salt, N=2^15, r=8, p=1), not a SHA-256 prefix', () => {
  const print = guessableFingerprint('satoshi2024');
  assert.match(print, /^[0-9a-f]{8}$/);
  assert.notEqual(print, createHash('sha256').update('satoshi2024').digest('hex').slice(0, 8));
  // Recomputed independently: the scheme is fixed, so the same value gets the same fingerprint in every run.
  const expected = scryptSync('satoshi2024', SLOW_FINGERPRINT_SALT, 32, {
    N: 2 ** 15,
    r: 8,
    p: 1,
    maxmem: 64 * 1024 * 1024,
  });
  assert.equal(print, expected.toString('hex').slice(0, 8));
  assert.equal(guessableFingerprint('satoshi2024'), print);
  assert.notEqual(guessableFingerprint('satoshi2025'), print);
});

test('async slow digests run at most one per core at once (each holds 32 MiB), and all of them finish', async () => {
  const inputs = Array.from({ length: 2 * availableParallelism() + 3 }, (_, i) => `limit test value ${i}`);
  const pending = inputs.map((input) => slowDigestHexAsync(input));
  const limit = Math.max(1, Math.min(4, availableParallelism()));
  assert.ok(slowDigestsRunning().all <= limit, `${slowDigestsRunning().all} scrypts at once (limit ${limit})`);
  assert.ok(slowDigestsRunning().all > 0);
  const digests = await Promise.all(pending);
  assert.equal(slowDigestsRunning().all, 0);
  // The memo now answers the synchronous form with the same digests.
  assert.deepEqual(
    inputs.map((input) => slowDigestHex(input)),
    digests,
  );
  assert.equal(
    digests[0],
    scryptSync(inputs[0] as string, SLOW_FINGERPRINT_SALT, 32, {
      N: 2 ** 15,
      r: 8,
      p: 1,
      maxmem: 64 * 1024 * 1024,
    }).toString('hex'),
  );
});

test('background digests run one at a time; asking for one in the foreground moves it up', async () => {
  const inputs = Array.from({ length: 5 }, (_, i) => `background test value ${i}`);
  const background = inputs.map((input) => slowDigestHexAsync(input, { background: true }));
  assert.deepEqual(slowDigestsRunning(), { all: 1, background: 1 });
  // The last one, asked for in the foreground, starts beside the background one instead of waiting its turn.
  const wanted = slowDigestHexAsync(inputs[4] as string);
  assert.equal(slowDigestsRunning().all, Math.min(2, Math.max(1, Math.min(4, availableParallelism()))));
  assert.equal(await wanted, await background[4]);
  const digests = await Promise.all(background);
  assert.equal(slowDigestsRunning().all, 0);
  assert.deepEqual(
    digests,
    inputs.map((input) => slowDigestHex(input)),
  );
});
