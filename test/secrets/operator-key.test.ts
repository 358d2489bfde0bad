import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { operatorKeyFromHex } from '../../src/secrets/operator-key.js';
import { scanContent } from '../../src/secrets/scan-content.js';
import { randomKeyHex } from '../support/secrets.js';

describe('--key-from: the base64 of the key as hex text (Kubernetes/Docker secrets, `echo $KEY | base64`)', () => {
  const key = randomKeyHex();
  const operatorKey = operatorKeyFromHex(key);
  assert.ok(operatorKey);
  const found = (content: string) =>
    scanContent(content, 'secret.yaml', { keyFrom: operatorKey }).map((finding) => finding.fingerprint);

  test('every case, suffix, newline, alphabet and byte offset is found, with the key fingerprint', () => {
    let cases = 0;
    for (const hexText of [key, key.toUpperCase(), `${key}01`, `${key.toUpperCase()}01`, `0x${key}`]) {
      for (const ending of ['', '\n']) {
        // What precedes the hex inside the encoded data shifts it by 0, 1 or 2 bytes mod 3.
        for (const before of ['', 'K', 'K=', 'KEY=']) {
          for (const alphabet of ['base64', 'base64url'] as const) {
            const encoded = Buffer.from(`${before}${hexText}${ending}`, 'latin1').toString(alphabet);
            assert.deepEqual(
              found(`data:\n  key: ${encoded}\n`),
              [operatorKey.fingerprint],
              `${alphabet} of ${JSON.stringify(before)} + ${hexText.length} hex + ${JSON.stringify(ending)}`,
            );
            cases++;
          }
        }
      }
    }
    assert.equal(cases, 80);
  });

  test('another key in the same shapes is not a match', () => {
    const other = randomKeyHex();
    for (const before of ['', 'K', 'K=']) {
      assert.deepEqual(found(Buffer.from(`${before}${other}\n`).toString('base64')), []);
    }
  });
});
