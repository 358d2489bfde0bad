import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { isHighEntropySecret, secretFingerprint } from '../../src/secrets/fingerprint.js';
import { runCli } from '../support/cli.js';
import { type MaterialisedTree, materialiseFiles } from '../support/materialise.js';
import { randomKeyHex } from '../support/secrets.js';

const sha256Prefix = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);

describe('secretFingerprint', () => {
  test('a private key gets its one key fingerprint; a mnemonic the fast detector-separated SHA-256', () => {
    const key = randomKeyHex();
    const keyPrint = createHash('sha256').update(Buffer.from(key, 'hex')).digest('hex').slice(0, 8);
    assert.equal(secretFingerprint('stacks-private-key', key), keyPrint);
    assert.equal(secretFingerprint('operator-key', key), keyPrint);
    assert.equal(secretFingerprint('published-secret', key), keyPrint);
    const words = 'abandon '.repeat(11).concat('about');
    assert.equal(secretFingerprint('bip39-mnemonic', words), sha256Prefix(`bip39-mnemonic\u0000${words}`));
  });

  test('a token or password is not a SHA-256 prefix a dictionary could match', () => {
    for (const detector of ['auth-token', 'bitcoind-password', 'published-secret']) {
      const print = secretFingerprint(detector, 'satoshi2024');
      assert.match(print, /^[0-9a-f]{16}$/);
      assert.notEqual(print, sha256Prefix(`${detector}\u0000satoshi2024`));
      assert.notEqual(print, sha256Prefix('satoshi2024'));
      assert.equal(isHighEntropySecret(detector, 'satoshi2024'), false);
    }
    // Detector-separated: the same value under two detectors gets two fingerprints.
    assert.notEqual(
      secretFingerprint('auth-token', 'satoshi2024'),
      secretFingerprint('bitcoind-password', 'satoshi2024'),
    );
  });
});

describe('scan fingerprints of guessable secrets', () => {
  let tree: MaterialisedTree;
  before(async () => {
    tree = await materialiseFiles({ 'bitcoin.conf': 'server=1\nrpcpassword=satoshi2024\nrpcpassword=satoshi2024\n' });
  });
  after(() => tree.cleanup());

  const fingerprints = () => {
    const run = runCli(['scan', '--format', 'sarif', tree.root]);
    assert.equal(run.code, 1, run.stderr);
    const sarif = JSON.parse(run.stdout) as {
      runs: { results: { partialFingerprints: Record<string, string> }[] }[];
    };
    return (sarif.runs[0]?.results ?? []).map((result) => result.partialFingerprints['secretFingerprint/v1']);
  };

  test('the SARIF fingerprint is slow-derived and the same in every run', () => {
    const first = fingerprints();
    assert.equal(first.length, 2);
    assert.equal(first[0], first[1]);
    assert.notEqual(first[0], sha256Prefix('bitcoind-password\u0000satoshi2024'));
    assert.equal(first[0], secretFingerprint('bitcoind-password', 'satoshi2024'));
    assert.deepEqual(fingerprints(), first);
  });
});
