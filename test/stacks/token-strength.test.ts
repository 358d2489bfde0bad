import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { estimateTokenStrength, isStrongToken, TOKEN_MIN_BITS } from '../../src/stacks/token-strength.js';

describe('estimateTokenStrength', () => {
  test('random tokens pass', () => {
    for (let i = 0; i < 200; i++) {
      const hex = randomBytes(16).toString('hex');
      const strength = estimateTokenStrength(hex);
      assert.equal(strength.length, 32);
      assert.ok(strength.bits >= TOKEN_MIN_BITS, `32-hex token rated ${strength.bits} bits`);
      assert.deepEqual(strength.reasons, []);
      assert.ok(isStrongToken(randomBytes(24).toString('base64url')));
    }
  });

  const weak = [
    '12345',
    'password',
    'aaaaaaaaaaaaaaaaaaaaaaaa',
    'abcdefghijklmnopqrst',
    'my-signer-password-2024',
    'passwordpassword',
    'P@ssw0rdP@ssw0rd!!',
    '1234567890123456',
    'qwertyuiopasdfghjkl',
    'stacks-signer-auth-token-2024',
    '',
  ];
  for (const token of weak) {
    test(`fails: ${JSON.stringify(token)}`, () => {
      const strength = estimateTokenStrength(token);
      assert.ok(strength.reasons.length > 0);
      assert.equal(isStrongToken(token), false);
      for (const reason of strength.reasons) {
        if (token.length >= 4) assert.ok(!reason.includes(token.slice(0, 4)), 'a reason must not quote the token');
      }
    });
  }

  test('names the patterns it found', () => {
    assert.ok(estimateTokenStrength('aaaaaaaaaaaaaaaaaaaaaaaa').reasons.includes('repeats characters or blocks'));
    assert.ok(
      estimateTokenStrength('abcdefghijklmnopqrst').reasons.includes(
        'contains an alphabet, digit or keyboard-order run',
      ),
    );
    const phrase = estimateTokenStrength('my-signer-password-2024').reasons;
    assert.ok(phrase.includes('contains a word from common-credential lists'));
    assert.ok(phrase.includes('contains a year'));
    assert.ok(estimateTokenStrength('12345').reasons.includes('shorter than 16 characters (5)'));
  });

  test('long strings are not estimated per class only', () => {
    const longRepeat = 'ab'.repeat(200);
    assert.ok(estimateTokenStrength(longRepeat).bits < 40);
  });
});
