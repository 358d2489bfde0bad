import assert from 'node:assert/strict';
import { createHash, scryptSync } from 'node:crypto';
import { test } from 'node:test';
import { fingerprint, guessableFingerprint, SLOW_FINGERPRINT_SALT } from '../../src/stacks/fingerprint.js';

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
