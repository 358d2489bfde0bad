import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex } from '@noble/hashes/utils.js';
import { c32decode, c32encode } from '../../src/stacks/c32.js';
import {
  c32address,
  c32addressDecode,
  c32checkDecode,
  c32checkEncode,
  compressedPublicKey,
  hash160,
  parsePrivateKeyHex,
  parsePrivateKeyHexLenient,
  signerAddress,
  signerIdentity,
} from '../../src/stacks/keys.js';

// stacks-facts.md §8
const KEY_A = '2de4e77aab89c0c2570bb8bb90824f5cf2a5204a975905fee450ff9dad0fcf28';
const KEY_B = '6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01';

function parsedBytes(text: string): Uint8Array {
  const parsed = parsePrivateKeyHex(text);
  assert.ok(parsed.ok, `expected ${text.length}-char key to parse`);
  return parsed.bytes;
}

describe('parsePrivateKeyHex', () => {
  test('accepts 64 hex and 66 hex ending in 01, any case', () => {
    const plain = parsePrivateKeyHex(KEY_A);
    const suffixed = parsePrivateKeyHex(KEY_A + '01');
    const upper = parsePrivateKeyHex(KEY_A.toUpperCase() + '01');
    assert.ok(plain.ok && suffixed.ok && upper.ok);
    assert.equal(plain.compressedSuffix, false);
    assert.equal(suffixed.compressedSuffix, true);
    assert.equal(bytesToHex(plain.bytes), KEY_A);
    assert.deepEqual(suffixed.bytes, plain.bytes);
    assert.deepEqual(upper.bytes, plain.bytes);
  });

  test('keeps leading zero bytes and accepts 1 and n-1', () => {
    const one = parsePrivateKeyHex('00'.repeat(31) + '01');
    assert.ok(one.ok);
    assert.equal(one.bytes.length, 32);
    assert.ok(parsePrivateKeyHex('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140').ok);
  });

  const rejects: [string, string, string][] = [
    ['empty', '', 'empty'],
    ['0x prefix', '0x' + KEY_A, 'not-hex'],
    ['whitespace', ` ${KEY_A}`, 'not-hex'],
    ['non-hex', KEY_A.slice(0, 63) + 'g', 'not-hex'],
    ['63 hex', KEY_A.slice(0, 63), 'bad-length'],
    ['65 hex', KEY_A + '0', 'bad-length'],
    ['66 hex ending 02', KEY_A + '02', 'bad-suffix'],
    ['zero', '0'.repeat(64), 'zero'],
    ['n', 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', 'out-of-range'],
    ['all ff', 'f'.repeat(64), 'out-of-range'],
    ['placeholder', '<YOUR_SIGNER_PRIVATE_KEY_HEX>', 'placeholder'],
    ['env var', '$your_stacks_private_key', 'placeholder'],
  ];
  for (const [name, text, reason] of rejects) {
    test(`rejects ${name}`, () => {
      const parsed = parsePrivateKeyHex(text);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) {
        assert.equal(parsed.reason, reason);
        if (text.length > 4) assert.ok(!parsed.message.includes(text.slice(2, 12)), 'message must not quote the key');
      }
    });
  }

  test('lenient helper accepts 0x and whitespace, the strict one does not', () => {
    const lenient = parsePrivateKeyHexLenient(`  0X${KEY_A.toUpperCase()}01\n`);
    assert.ok(lenient.ok);
    assert.equal(bytesToHex(lenient.bytes), KEY_A);
  });
});

describe('public key and signer address', () => {
  test('vector A: 64- and 66-hex forms give the same compressed key and SP address', () => {
    for (const text of [KEY_A, KEY_A + '01']) {
      const identity = signerIdentity(parsedBytes(text), 'mainnet');
      assert.equal(identity.address, 'SP1286C62P3TAWVQV2VM2CEGTRBQZSZ6MHMS9RW05');
      assert.equal(identity.publicKeyHex.length, 66);
    }
  });

  test('vector B: pubkey and ST/SP addresses', () => {
    const publicKey = compressedPublicKey(parsedBytes(KEY_B));
    assert.equal(bytesToHex(publicKey), '03bc489f27da3701d9f9e577c88de5567cf4023111b7577042d55cde4d823a3505');
    assert.equal(signerAddress(publicKey, 'testnet'), 'ST3FPN8KBZ3YPBP0ZJGAAHTVFMQDTJCR5QPS7VTNJ');
    assert.equal(signerAddress(publicKey, 'mocknet'), 'ST3FPN8KBZ3YPBP0ZJGAAHTVFMQDTJCR5QPS7VTNJ');
    assert.equal(signerAddress(publicKey, 'mainnet'), 'SP3FPN8KBZ3YPBP0ZJGAAHTVFMQDTJCR5QM8MNFKX');
  });

  test('64-hex key is compressed too (differs from generic tooling)', () => {
    assert.equal(compressedPublicKey(parsedBytes(KEY_A)).length, 33);
  });

  test('signerAddress rejects an uncompressed key', () => {
    assert.throws(() => signerAddress(new Uint8Array(65), 'mainnet'));
  });
});

describe('c32check', () => {
  test('address round-trip keeps version and hash160', () => {
    const h = hash160(compressedPublicKey(parsedBytes(KEY_B)));
    const address = c32address(26, h);
    const decoded = c32addressDecode(address);
    assert.ok(decoded.ok);
    assert.equal(decoded.version, 26);
    assert.deepEqual(decoded.hash160, h);
  });

  test('decodes the known address and rejects a changed character', () => {
    assert.ok(c32addressDecode('SP1286C62P3TAWVQV2VM2CEGTRBQZSZ6MHMS9RW05').ok);
    const broken = c32addressDecode('SP1286C62P3TAWVQV2VM2CEGTRBQZSZ6MHMS9RW06');
    assert.equal(broken.ok, false);
    assert.equal(c32checkDecode('P1286C62P3TAWVQV2VM2CEGTRBQZSZ6MHMS9RW05').ok, true);
    assert.equal(c32addressDecode('XP1286C62P3TAWVQV2VM2CEGTRBQZSZ6MHMS9RW05').ok, false);
    assert.equal(c32checkDecode('P!!').ok, false);
  });

  test('leading zero bytes become leading zeros and back', () => {
    const data = Uint8Array.from([0, 0, 1, 2, 3]);
    const encoded = c32encode(data);
    assert.ok(encoded.startsWith('00'));
    assert.deepEqual(c32decode(encoded), data);
    const zeroHash = new Uint8Array(20);
    const address = c32address(22, zeroHash);
    assert.ok(address.startsWith('SP' + '0'.repeat(20)));
    const decoded = c32addressDecode(address);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.hash160, zeroHash);
  });

  test('c32checkEncode matches known c32check vectors', () => {
    // c32check library test vectors: version 22, hex "a46ff88886c2ef9762d970b4d2c63678835bd39d".
    assert.equal(
      c32checkEncode(22, Uint8Array.from(Buffer.from('a46ff88886c2ef9762d970b4d2c63678835bd39d', 'hex'))),
      'P2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7',
    );
  });
});

test('node:crypto and @noble/curves derive the same compressed public keys (random keys, edge scalars)', async () => {
  const { secp256k1 } = await import('@noble/curves/secp256k1.js');
  const { randomBytes } = await import('node:crypto');
  const edges = [
    '0000000000000000000000000000000000000000000000000000000000000001',
    'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140',
  ];
  const keys = [
    ...edges.map((hex) => Uint8Array.from(Buffer.from(hex, 'hex'))),
    ...Array.from({ length: 200 }, () => new Uint8Array(randomBytes(32))),
  ];
  for (const key of keys) {
    assert.deepEqual(compressedPublicKey(key), secp256k1.getPublicKey(key, true));
  }
});
