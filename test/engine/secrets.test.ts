import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { SecretRegistry } from '../../src/engine/secrets.js';
import { guessableFingerprint, keyFingerprintOfHex } from '../../src/stacks/fingerprint.js';

// A made-up 32-byte key (never used anywhere); the compressed form adds the 01 suffix.
const KEY_HEX = '8f3a1b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8';
const KEY_COMPRESSED = `${KEY_HEX}01`;

// A key, in any encoding, is masked with its one key fingerprint (what keygen and key show print); tokens and
// passwords get the slow (scrypt) one.
const masked = (value: string) =>
  `[secret ${/^(0x)?[0-9a-fA-F]{64}(01)?$/.test(value) ? keyFingerprintOfHex(value) : guessableFingerprint(value)}]`;

describe('SecretRegistry.add / mask', () => {
  test('a token is masked with the slow fingerprint, not a SHA-256 prefix a dictionary could match', () => {
    const secrets = new SecretRegistry();
    secrets.add('satoshi2024');
    const text = secrets.mask('rpcpassword=satoshi2024');
    const sha256Prefix = createHash('sha256').update('satoshi2024').digest('hex').slice(0, 8);
    assert.ok(!text.includes(sha256Prefix), text);
    assert.equal(text, `rpcpassword=[secret ${guessableFingerprint('satoshi2024')}]`);
    assert.ok(!text.includes('satoshi2024'));
  });

  test('a key is masked with its key fingerprint: SHA-256 of its 32 bytes, the same in every encoding', () => {
    const secrets = new SecretRegistry();
    secrets.add(KEY_HEX);
    const overBytes = createHash('sha256').update(Buffer.from(KEY_HEX, 'hex')).digest('hex').slice(0, 8);
    assert.equal(secrets.mask(KEY_HEX), `[secret ${overBytes}]`);
    assert.equal(secrets.mask(KEY_HEX.toUpperCase()), `[secret ${overBytes}]`);
  });

  test('a registered value is replaced by its fingerprint everywhere it appears', () => {
    const secrets = new SecretRegistry();
    secrets.add('hunter2-password');
    assert.equal(secrets.size, 1);
    assert.equal(
      secrets.mask('auth_password = "hunter2-password" # hunter2-password'),
      `auth_password = "${masked('hunter2-password')}" # ${masked('hunter2-password')}`,
    );
    assert.equal(secrets.mask('nothing secret here'), 'nothing secret here');
  });

  test('values shorter than 6 characters are not masked (they would mangle ports and numbers)', () => {
    const secrets = new SecretRegistry();
    secrets.add('20443');
    secrets.add('  abc  ');
    secrets.add('');
    secrets.add(undefined);
    assert.equal(secrets.size, 0);
    assert.equal(secrets.mask('node_host = "127.0.0.1:20443" abc'), 'node_host = "127.0.0.1:20443" abc');
  });

  test('six characters are enough; surrounding whitespace is trimmed before registering', () => {
    const secrets = new SecretRegistry();
    secrets.add('  s3cr3t  \n');
    assert.equal(secrets.size, 1);
    assert.equal(secrets.mask('token=s3cr3t;'), `token=${masked('s3cr3t')};`);
  });

  test('a 64-hex key is masked in lower and upper case', () => {
    const secrets = new SecretRegistry();
    secrets.add(KEY_HEX);
    const upper = KEY_HEX.toUpperCase();
    const text = secrets.mask(`a=${KEY_HEX} b=${upper}`);
    assert.equal(text, `a=${masked(KEY_HEX)} b=${masked(upper)}`);
    assert.ok(!text.toLowerCase().includes(KEY_HEX));
  });

  test('a key registered in upper case is masked in lower case too', () => {
    const secrets = new SecretRegistry();
    secrets.add(KEY_HEX.toUpperCase());
    assert.ok(!secrets.mask(`k=${KEY_HEX}`).includes(KEY_HEX));
  });

  test('a 66-hex key (with 01) is masked whole, and its 64-hex form without 01 too, in both cases', () => {
    const secrets = new SecretRegistry();
    secrets.add(KEY_COMPRESSED);
    const text = secrets.mask(
      `compressed=${KEY_COMPRESSED} bare=${KEY_HEX} upper=${KEY_HEX.toUpperCase()} upper66=${KEY_COMPRESSED.toUpperCase()}`,
    );
    assert.ok(text.startsWith(`compressed=${masked(KEY_COMPRESSED)} bare=${masked(KEY_HEX)} `), text);
    assert.ok(!text.toLowerCase().includes(KEY_HEX), text);
    // The whole 66-hex value is one replacement, not a masked prefix followed by a stray "01".
    assert.ok(!text.startsWith(`compressed=${masked(KEY_HEX)}01`), text);
  });

  test('a 0x-prefixed key is masked with and without the prefix', () => {
    const secrets = new SecretRegistry();
    secrets.add(`0x${KEY_HEX}`);
    const text = secrets.mask(`a=0x${KEY_HEX} b=${KEY_HEX}`);
    assert.ok(!text.toLowerCase().includes(KEY_HEX), text);
    assert.equal(text, `a=${masked(`0x${KEY_HEX}`)} b=${masked(KEY_HEX)}`);
  });

  test('hex of other lengths gets no case variants', () => {
    const secrets = new SecretRegistry();
    secrets.add('abcdef0123456789');
    assert.equal(secrets.size, 1);
    assert.equal(secrets.mask('ABCDEF0123456789'), 'ABCDEF0123456789');
  });

  test('the longest value is replaced first, so one secret inside another is masked whole', () => {
    const secrets = new SecretRegistry();
    secrets.add('abcdef');
    secrets.add('abcdefghijkl');
    assert.equal(secrets.mask('x abcdefghijkl y abcdef'), `x ${masked('abcdefghijkl')} y ${masked('abcdef')}`);
  });

  test('registering the same value twice counts once', () => {
    const secrets = new SecretRegistry();
    secrets.add('repeated-secret');
    secrets.add(' repeated-secret ');
    assert.equal(secrets.size, 1);
  });
});

describe('SecretRegistry.maskDeep', () => {
  test('masks every string of nested objects and arrays, leaving other values alone', () => {
    const secrets = new SecretRegistry();
    secrets.add(KEY_COMPRESSED);
    secrets.add('token-1234567');
    const report = {
      message: `key ${KEY_COMPRESSED} found`,
      count: 3,
      ok: false,
      nothing: null,
      results: [
        { evidence: [{ file: '/etc/x', line: 4, detail: 'auth token-1234567' }], score: 7.5 },
        ['token-1234567', 42, true],
      ],
    };
    const copy = secrets.maskDeep(report);
    assert.deepEqual(copy, {
      message: `key ${masked(KEY_COMPRESSED)} found`,
      count: 3,
      ok: false,
      nothing: null,
      results: [
        { evidence: [{ file: '/etc/x', line: 4, detail: `auth ${masked('token-1234567')}` }], score: 7.5 },
        [masked('token-1234567'), 42, true],
      ],
    });
    // A copy: the original is untouched.
    assert.equal(report.message, `key ${KEY_COMPRESSED} found`);
    assert.notEqual(copy, report);
  });

  test('a bare string is masked', () => {
    const secrets = new SecretRegistry();
    secrets.add('password-value');
    assert.equal(secrets.maskDeep('password-value'), masked('password-value'));
  });

  test('with nothing registered the value is returned as it is', () => {
    const secrets = new SecretRegistry();
    const value = { a: ['b'] };
    assert.equal(secrets.maskDeep(value), value);
  });
});
