import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { isValidMnemonic } from '../../src/secrets/bip39.js';
import { operatorKeyFromHex, operatorKeyFromSignerConfig } from '../../src/secrets/operator-key.js';
import { isProbablyBinary, scanContent } from '../../src/secrets/scan-content.js';
import { loadPublishedSecrets } from '../../src/stacks/published-secrets.js';
import { breakChecksum, randomKeyHex, randomMnemonic, randomUnambiguousKeyHex } from '../support/secrets.js';

const detectors = (text: string, file = 'f.txt') => scanContent(text, file, {}).map((finding) => finding.detector);

describe('BIP-39 data', () => {
  test('the shipped English wordlist is the one in the BIP-39 spec (SHA-256)', () => {
    const bytes = readFileSync(new URL('../../../data/bip39-english.txt', import.meta.url));
    assert.equal(
      createHash('sha256').update(bytes).digest('hex'),
      '2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda',
    );
  });

  test('the spec test vector and every published mnemonic pass the checksum; a changed word fails it', () => {
    // BIP-39 vectors.json, entropy 00…00: "abandon" ×11 + "about".
    assert.ok(isValidMnemonic([...Array(11).fill('abandon'), 'about']));
    assert.ok(!isValidMnemonic(Array(12).fill('abandon')));
    for (const { words } of loadPublishedSecrets().mnemonics)
      assert.ok(isValidMnemonic(words.split(' ')), words.slice(0, 12));
  });
});

describe('stacks private keys', () => {
  test('the scalar is validated on all 32 bytes: zero and ≥ n are not keys, a leading zero byte is', () => {
    assert.deepEqual(detectors(`private_key = "${'0'.repeat(64)}"\n`), []);
    assert.deepEqual(detectors(`private_key = "${'f'.repeat(64)}"\n`), []);
    assert.deepEqual(
      detectors(`private_key = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"\n`),
      [],
    );
    assert.deepEqual(detectors(`private_key = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140"\n`), [
      'stacks-private-key',
    ]);
    assert.deepEqual(detectors(`private_key = "00${randomKeyHex().slice(2)}"\n`), ['stacks-private-key']);
  });

  test('65 hex, 66 hex not ending 01, and 128 hex are never keys', () => {
    const key = randomKeyHex();
    assert.deepEqual(detectors(`private_key = "${key}0"\n`), []);
    assert.deepEqual(detectors(`private_key = "${key}02"\n`), []);
    assert.deepEqual(detectors(`private_key = "${key}${randomKeyHex()}"\n`), []);
  });

  test('a bare key counts only as 66 hex ending 01 alone on its line', () => {
    const key = randomUnambiguousKeyHex();
    assert.deepEqual(detectors(`${key}01\n`), ['stacks-private-key']);
    assert.deepEqual(detectors(`"${key}01"`), ['stacks-private-key']);
    assert.deepEqual(detectors(`${key}\n`), []);
    assert.deepEqual(detectors(`value ${key}01 here\n`), []);
  });

  test('all encodings of one key share a fingerprint', () => {
    const key = randomUnambiguousKeyHex();
    const prints = scanContent(
      `a_private_key = "${key}"\nB_PRIVATE_KEY=0x${key.toUpperCase()}01\n${key}01\n`,
      'f',
      {},
    ).map((finding) => finding.fingerprint);
    assert.equal(prints.length, 3);
    assert.equal(new Set(prints).size, 1);
  });

  test('an inline allow comment suppresses the line only', () => {
    const text = `private_key = "${randomKeyHex()}" # signer-opsec:allow\nprivate_key = "${randomKeyHex()}"\n`;
    assert.deepEqual(
      scanContent(text, 'f', {}).map((finding) => finding.line),
      [2],
    );
  });

  test('findings report line and column; messages never carry the value', () => {
    const key = randomKeyHex();
    const [finding] = scanContent(`# config\n\n  mining_key = "${key}"\n`, 'f', {});
    assert.equal(finding?.line, 3);
    assert.equal(finding?.column, 17);
    assert.ok(!JSON.stringify(finding).includes(key.slice(0, 16)));
  });
});

describe('mnemonics', () => {
  test('12, 15, 18, 21 and 24 words with a valid checksum are found; a broken checksum is not', () => {
    for (const count of [12, 15, 18, 21, 24]) {
      const words = randomMnemonic(count);
      assert.deepEqual(detectors(`${words.join(' ')}\n`), ['bip39-mnemonic'], `${count} words`);
      assert.deepEqual(detectors(`${breakChecksum(words).join(' ')}\n`), [], `${count} words, broken`);
    }
  });

  test('numbering, commas, quotes and line breaks are tolerated; one label word too', () => {
    const words = randomMnemonic(12);
    assert.deepEqual(detectors(words.map((word, i) => `${i + 1}) ${word}`).join('\n')), ['bip39-mnemonic']);
    assert.deepEqual(detectors(`"${words.join('", "')}"`), ['bip39-mnemonic']);
    assert.deepEqual(detectors(`seed ${words.join(' ')}\n`), ['bip39-mnemonic']);
    const a = randomMnemonic(24);
    const b = randomMnemonic(24);
    assert.deepEqual(detectors(`${a.join(' ')}\n${b.join(' ')}\n`), ['bip39-mnemonic', 'bip39-mnemonic']);
  });

  test('a wordlist (a long run of list words) is not a mnemonic', () => {
    const list = readFileSync(new URL('../../../data/bip39-english.txt', import.meta.url), 'utf8');
    assert.deepEqual(detectors(list), []);
  });
});

describe('operator key (--key-from)', () => {
  const key = randomKeyHex();
  const operator = operatorKeyFromHex(key)!;
  const raw = Buffer.from(key, 'hex');
  const forms = [
    key,
    `${key}01`,
    `0x${key.toUpperCase()}`,
    [...key].map((ch, i) => (i % 3 ? ch : ch.toUpperCase())).join(''),
    raw.toString('base64'),
    Buffer.concat([raw, Buffer.from([1])]).toString('base64'),
    raw.toString('base64url'),
    `prefix${key}suffix`,
  ];

  test('every encoding is found, wherever it sits', () => {
    for (const form of forms) {
      const findings = scanContent(`x ${form} y\n`, 'f', { keyFrom: operator });
      assert.equal(findings.length, 1, form.length.toString());
      assert.equal(findings[0]?.fingerprint, operator.fingerprint);
    }
  });

  test('other keys, hashes and mnemonics are ignored: zero false positives', () => {
    const text = `stacks_private_key = "${randomKeyHex()}01"\n${randomMnemonic(24).join(' ')}\nauth_token = "abc"\n`;
    assert.deepEqual(scanContent(text, 'f', { keyFrom: operator }), []);
  });

  test('a signer config gives its key; a broken one a reason without the value', () => {
    const good = operatorKeyFromSignerConfig(`stacks_private_key = "${key}01"\n`);
    assert.ok(good.ok && good.key.fingerprint === operator.fingerprint);
    const bad = operatorKeyFromSignerConfig('stacks_private_key = "nothex"\n');
    assert.ok(!bad.ok && !bad.reason.includes('nothex'));
    assert.ok(!operatorKeyFromSignerConfig('node_host = "x"\n').ok);
  });
});

test('binary sniff: a NUL byte in the first 8 KiB', () => {
  assert.ok(isProbablyBinary(Buffer.from([0x41, 0, 0x42])));
  assert.ok(!isProbablyBinary(Buffer.from('plain text\n')));
  assert.ok(!isProbablyBinary(Buffer.concat([Buffer.alloc(9000, 0x41), Buffer.from([0])])));
});
