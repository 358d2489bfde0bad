import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  checkKeystoreIdentity,
  DEFAULT_SCRYPT,
  decryptKeystore,
  encryptKeystore,
  type Keystore,
  KeystoreError,
  parseKeystore,
} from '../../src/keys/keystore.js';
import { signerIdentity } from '../../src/stacks/keys.js';

// stacks-facts.md §8, vector B.
const KEY_B = '6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01';
const OTHER = `${'11'.repeat(32)}`;
const PASSPHRASE = 'correct horse battery staple';
// The smallest accepted cost keeps these unit tests quick; the CLI tests exercise the default parameters.
const FAST = { n: 2 ** 15, r: 8, p: 1 };

async function sealed(configKeyHex = KEY_B): Promise<Keystore> {
  return await encryptKeystore(hexToBytes(configKeyHex), PASSPHRASE, { params: FAST });
}

describe('keystore', () => {
  test('round-trips the key as the config held it (66 and 64 hex), with the public part in clear', async () => {
    const keystore = await sealed();
    assert.equal(keystore.publicKey, '03bc489f27da3701d9f9e577c88de5567cf4023111b7577042d55cde4d823a3505');
    assert.deepEqual(keystore.addresses, {
      mainnet: 'SP3FPN8KBZ3YPBP0ZJGAAHTVFMQDTJCR5QM8MNFKX',
      testnet: 'ST3FPN8KBZ3YPBP0ZJGAAHTVFMQDTJCR5QPS7VTNJ',
    });
    const roundTrip = parseKeystore(JSON.parse(JSON.stringify(keystore)));
    assert.equal(bytesToHex(await decryptKeystore(roundTrip, PASSPHRASE)), KEY_B);
    const short = await sealed(OTHER);
    assert.equal(bytesToHex(await decryptKeystore(short, PASSPHRASE)), OTHER);
  });

  test('the file holds no form of the key', async () => {
    const text = JSON.stringify(await sealed());
    assert.ok(!text.includes(KEY_B.slice(0, 64)) && !text.toLowerCase().includes(KEY_B.slice(8, 40)));
  });

  test('default parameters are scrypt N=2^18, r=8, p=1', async () => {
    assert.deepEqual(DEFAULT_SCRYPT, { n: 2 ** 18, r: 8, p: 1 });
    const keystore = await encryptKeystore(hexToBytes(KEY_B), PASSPHRASE);
    assert.equal(keystore.kdf.n, 2 ** 18);
    assert.equal(bytesToHex(await decryptKeystore(keystore, PASSPHRASE)), KEY_B);
  });

  test('a wrong passphrase is rejected', async () => {
    const keystore = await sealed();
    await assert.rejects(decryptKeystore(keystore, `${PASSPHRASE}!`), (error: Error) => {
      assert.ok(error instanceof KeystoreError);
      assert.match(error.message, /wrong passphrase/);
      return true;
    });
  });

  test("a swapped identity (another key's public key and addresses) fails authentication", async () => {
    const keystore = await sealed();
    const other = signerIdentity(hexToBytes(OTHER), 'mainnet');
    const forged = {
      ...keystore,
      publicKey: other.publicKeyHex,
      addresses: { mainnet: other.address, testnet: signerIdentity(hexToBytes(OTHER), 'testnet').address },
    };
    checkKeystoreIdentity(forged);
    await assert.rejects(decryptKeystore(forged, PASSPHRASE), /wrong passphrase, or the keystore was modified/);
  });

  test('addresses that do not belong to the public key are refused without a passphrase', async () => {
    const keystore = await sealed();
    assert.throws(
      () =>
        checkKeystoreIdentity({
          ...keystore,
          addresses: { ...keystore.addresses, mainnet: 'SP1286C62P3TAWVQV2VM2CEGTRBQZSZ6MHMS9RW05' },
        }),
      /addresses do not belong/,
    );
  });

  test('a short passphrase is refused when encrypting', async () => {
    await assert.rejects(encryptKeystore(hexToBytes(KEY_B), 'short', { params: FAST }), /at least 12 characters/);
  });

  test('malformed files are named by field; costs outside 2^15..2^18 are refused', async () => {
    const keystore = await sealed();
    const cases: [unknown, RegExp][] = [
      [null, /not a JSON object/],
      [{ ...keystore, format: 'x' }, /"format"/],
      [{ ...keystore, version: 2 }, /"version"/],
      [{ ...keystore, kdf: { ...keystore.kdf, n: 2 ** 30 } }, /"kdf.n"/],
      [{ ...keystore, kdf: { ...keystore.kdf, n: 1024 } }, /"kdf.n"/],
      [{ ...keystore, kdf: { ...keystore.kdf, n: 3 * 2 ** 15 } }, /"kdf.n"/],
      [{ ...keystore, kdf: { ...keystore.kdf, p: 99 } }, /"kdf.p"/],
      [{ ...keystore, cipher: { ...keystore.cipher, iv: 'zz' } }, /"cipher.iv"/],
      [{ ...keystore, ciphertext: 'abcd' }, /"ciphertext"/],
    ];
    for (const [json, message] of cases) assert.throws(() => parseKeystore(json), message);
  });
});
