import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cutSecrets, fillSecrets, withheldSecret } from '../../src/harden/withheld.js';
import { fingerprint } from '../../src/stacks/fingerprint.js';
import { signerToml, TEST_SIGNER_KEY } from '../support/hosts.js';

const CONFIG = '/etc/stacks/signer/signer-config.toml';

describe('signer key withheld from backups', () => {
  test('every occurrence is cut, and filled back from the config that still holds the key', () => {
    const original = Buffer.from(`# old: ${TEST_SIGNER_KEY}\n${signerToml()}`, 'utf8');
    const secret = withheldSecret(TEST_SIGNER_KEY, [CONFIG, CONFIG]);
    assert.deepEqual(secret.sources, [CONFIG]);
    const { stored, withheld } = cutSecrets(original, [secret]);
    assert.ok(!stored.includes(TEST_SIGNER_KEY));
    assert.deepEqual(withheld, [{ fingerprint: fingerprint(TEST_SIGNER_KEY), sources: [CONFIG] }]);
    const restored = fillSecrets(stored, withheld, (path) =>
      path === CONFIG ? signerToml({ endpoint: 'x' }) : undefined,
    );
    assert.deepEqual(restored, original);
  });

  test('a file without the key is stored as it is and records nothing', () => {
    const bytes = Buffer.from('PasswordAuthentication yes\n');
    const { stored, withheld } = cutSecrets(bytes, [withheldSecret(TEST_SIGNER_KEY, [CONFIG])]);
    assert.equal(stored, bytes);
    assert.deepEqual(withheld, []);
  });

  test('no source holds a key of that fingerprint: an error naming paths, never the key', () => {
    const { stored, withheld } = cutSecrets(Buffer.from(signerToml()), [withheldSecret(TEST_SIGNER_KEY, [CONFIG])]);
    const other = '1111111111111111111111111111111111111111111111111111111111111111' + '01';
    assert.throws(
      () => fillSecrets(stored, withheld, () => signerToml({ stacks_private_key: other })),
      (error: Error) =>
        error.message.includes(CONFIG) &&
        error.message.includes(fingerprint(TEST_SIGNER_KEY)) &&
        !error.message.includes(TEST_SIGNER_KEY) &&
        !error.message.includes(other),
    );
    assert.throws(() => fillSecrets(stored, withheld, () => undefined), /no longer in/);
  });
});
