// Issue 18 item 14: a keystore may ask only for the scrypt costs `key backup` writes (N 2^15..2^18, r 8, p 1). The
// largest the old bounds allowed, N 2^20 r 16 p 4, made `key show --verify` and `key restore` allocate 2 GiB and run
// 20–35 s before failing; such a file is now refused while parsing, before scrypt runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hexToBytes } from '@noble/hashes/utils.js';
import { DEFAULT_SCRYPT, decryptKeystore, encryptKeystore, parseKeystore } from '../../src/keys/keystore.js';

const KEY_B = '6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01';
const PASSPHRASE = 'correct horse battery staple';

test('KDF costs above what key backup writes are refused before scrypt runs', async () => {
  const keystore = await encryptKeystore(hexToBytes(KEY_B), PASSPHRASE, { params: { n: 2 ** 15, r: 8, p: 1 } });
  const costly: [Record<string, number>, RegExp][] = [
    [{ n: 2 ** 20, r: 16, p: 4 }, /"kdf.n" is not a power of two between 2\^15 and 2\^18/],
    [{ n: 2 ** 19 }, /"kdf.n"/],
    [{ r: 16 }, /"kdf.r" is not 8/],
    [{ r: 1 }, /"kdf.r" is not 8/],
    [{ p: 4 }, /"kdf.p" is not 1/],
  ];
  for (const [kdf, message] of costly) {
    const crafted = { ...keystore, kdf: { ...keystore.kdf, ...kdf } };
    // Synchronous: parseKeystore throws before anything could start scrypt.
    assert.throws(() => parseKeystore(JSON.parse(JSON.stringify(crafted))), message);
  }
});

test('every cost key backup may write is accepted, and the default is the largest', async () => {
  assert.deepEqual(DEFAULT_SCRYPT, { n: 2 ** 18, r: 8, p: 1 });
  const keystore = await encryptKeystore(hexToBytes(KEY_B), PASSPHRASE, { params: { n: 2 ** 16, r: 8, p: 1 } });
  const parsed = parseKeystore(JSON.parse(JSON.stringify(keystore)));
  assert.equal(parsed.kdf.n, 2 ** 16);
  assert.equal(Buffer.from(await decryptKeystore(parsed, PASSPHRASE)).toString('hex'), KEY_B);
  for (const n of [2 ** 15, 2 ** 17, 2 ** 18])
    assert.equal(parseKeystore({ ...keystore, kdf: { ...keystore.kdf, n } }).kdf.n, n);
});
