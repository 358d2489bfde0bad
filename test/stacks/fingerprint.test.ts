import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fingerprint } from '../../src/stacks/fingerprint.js';

test('fingerprint is the first 8 hex of SHA-256', () => {
  // sha256("abc") = ba7816bf...
  assert.equal(fingerprint('abc'), 'ba7816bf');
  assert.equal(fingerprint(new TextEncoder().encode('abc')), 'ba7816bf');
  assert.match(fingerprint(''), /^[0-9a-f]{8}$/);
});
