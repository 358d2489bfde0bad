import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isKeyPlaceholder,
  isPublishedBitcoindPassword,
  isPublishedMnemonic,
  isPublishedPrivateKey,
  isWeakAuthToken,
  isWeakBitcoindCredential,
  loadPublishedSecrets,
} from '../../src/stacks/published-secrets.js';

test('loads data/published-secrets.json from the compiled location', () => {
  const secrets = loadPublishedSecrets();
  assert.ok(secrets.privateKeys.length > 10);
  assert.ok(secrets.weakAuthTokens.includes('12345'));
});

test('published keys match in any encoding, on the first 64 hex', () => {
  const hex = '6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb';
  const source = 'stacks-core:stacks-signer/src/tests/conf/signer-0.toml';
  assert.equal(isPublishedPrivateKey(hex), source);
  assert.equal(isPublishedPrivateKey(hex + '01'), source);
  assert.equal(isPublishedPrivateKey('0x' + hex.toUpperCase()), source);
  assert.equal(isPublishedPrivateKey('1'.repeat(64)), undefined);
  assert.equal(isPublishedPrivateKey('not a key'), undefined);
});

test('weak auth tokens and placeholders', () => {
  for (const weak of [
    '',
    '  ',
    '12345',
    'PASSWORD',
    '<YOUR_AUTH_PASSWORD>',
    '$your_http_auth_token',
    '$' + '{AUTH}',
    '<anything>',
  ]) {
    assert.equal(isWeakAuthToken(weak), true, `expected weak: ${JSON.stringify(weak)}`);
  }
  assert.equal(isWeakAuthToken('d3b07384d113edec49eaa6238ad5ff00'), false);
  assert.equal(isKeyPlaceholder('<YOUR_SIGNER_PRIVATE_KEY_HEX>'), true);
  assert.equal(isKeyPlaceholder('$your_stacks_private_key'), true);
  assert.equal(isKeyPlaceholder('6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb'), false);
});

test('weak bitcoind credentials and mnemonics', () => {
  assert.equal(isWeakBitcoindCredential('stacks', 'foundation'), true);
  assert.equal(isWeakBitcoindCredential('stacks', 'other'), false);
  assert.equal(isPublishedBitcoindPassword('helium'), true);
  const words = loadPublishedSecrets().mnemonics[0]!.words;
  assert.equal(isPublishedMnemonic(`  ${words.toUpperCase().replace(/ /g, '\n')} `), 'clarinet Devnet.toml deployer');
  assert.equal(isPublishedMnemonic('abandon abandon about'), undefined);
});
