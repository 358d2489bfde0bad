import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { generatePrivateKey, signerKeyHex } from '../../src/keys/generate.js';
import { parsePrivateKeyHex } from '../../src/stacks/keys.js';

const N = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141';
const N_MINUS_1 = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140';

/** A random source that plays back fixed draws, recording how many were taken. */
function scripted(draws: string[]): { random: (size: number) => Uint8Array; taken: () => number } {
  let index = 0;
  return {
    random: (size) => {
      const next = draws[index++];
      assert.ok(next !== undefined, 'more draws than scripted');
      assert.equal(size, 32);
      return hexToBytes(next);
    },
    taken: () => index,
  };
}

describe('generatePrivateKey', () => {
  test('rejects 0, n and above n, and keeps the first draw in range (n-1 included)', () => {
    const source = scripted(['00'.repeat(32), N, 'ff'.repeat(32), N_MINUS_1]);
    assert.equal(bytesToHex(generatePrivateKey(source.random)), N_MINUS_1);
    assert.equal(source.taken(), 4);
  });

  test('a broken source that never yields a scalar is an error, not a bad key', () => {
    assert.throws(() => generatePrivateKey(() => new Uint8Array(32)), /no valid secp256k1 scalar/);
  });

  test('CSPRNG keys are 32 bytes, distinct, and parse as the signer parses them', () => {
    const keys = Array.from({ length: 64 }, () => generatePrivateKey());
    assert.equal(new Set(keys.map(bytesToHex)).size, 64);
    for (const key of keys) {
      const parsed = parsePrivateKeyHex(signerKeyHex(key));
      assert.ok(parsed.ok);
      assert.equal(parsed.compressedSuffix, true);
      assert.deepEqual(parsed.bytes, key);
    }
  });

  test('the config form is 64 lower-case hex + 01', () => {
    const key = hexToBytes(N_MINUS_1);
    assert.equal(signerKeyHex(key), `${N_MINUS_1}01`);
    assert.throws(() => signerKeyHex(new Uint8Array(33)), RangeError);
  });
});
