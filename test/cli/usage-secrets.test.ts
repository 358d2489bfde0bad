import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { redactSecrets } from '../../src/cli/usage-error.js';
import { runCli } from '../support/cli.js';
import { randomKeyHex, randomMnemonic } from '../support/secrets.js';

// A secret pasted into the wrong flag must not come back on stderr: usage errors quote the value they reject.

const KEY = randomKeyHex();
const TOKEN = randomBytes(33).toString('base64');
const WORDS = randomMnemonic(12).join(' ');

/** The invocations the reviewer found echoing a wrong value, with VALUE where the secret goes. */
const INVOCATIONS: string[][] = [
  ['audit', '--fail-on', 'VALUE'],
  ['scan', '--format', 'VALUE'],
  ['scan', '--detectors', 'VALUE'],
  ['VALUE'],
  ['threat', '--stacker-set', '/nonexistent.json', '--me', `02${'11'.repeat(32)}`, '--fail-if-me-above', 'VALUE'],
  ['scan', '--max-file-size', 'VALUE'],
  ['verify-release', '--archive', '/nonexistent.zip', '--checksums', '/nonexistent.txt', '--release-version', 'VALUE'],
  ['audit', '--VALUE'],
];

function assertHidden(stderr: string, secret: string, where: string) {
  const forms = [
    secret,
    secret.slice(0, 64),
    secret.toLowerCase(),
    ...secret.split(' ').map((_, i, words) => words.slice(i, i + 3).join(' ')),
  ];
  for (const form of forms.filter((form) => form.length >= 8 && form.includes(' ') === secret.includes(' ')))
    assert.ok(!stderr.toLowerCase().includes(form.toLowerCase()), `${where}: stderr holds the secret`);
}

describe('usage errors never echo a secret', () => {
  for (const args of INVOCATIONS) {
    for (const [kind, secret] of [
      ['key', `0x${KEY}01`],
      ['base64 token', TOKEN],
      ['mnemonic', WORDS],
    ] as const) {
      const argv = args.map((arg) => arg.replace('VALUE', secret));
      const where = `${args.join(' ')} with a ${kind}`;
      test(where, () => {
        const run = runCli(argv);
        assert.equal(run.code, 2, where);
        assertHidden(run.stderr, secret, where);
        assert.match(run.stderr, /\[secret [0-9a-f]{8}\]|^signer-opsec: (?!.*VALUE)/, where);
      });
    }
  }

  test('a hyphen-joined mnemonic is masked, the flag before it kept', () => {
    const run = runCli(['scan', '--max-file-size', WORDS.replaceAll(' ', '-')]);
    assert.match(run.stderr, /^signer-opsec: --max-file-size \[secret [0-9a-f]{8}\]: expected a byte count/);
  });

  test('a key-shaped value gets the --me wording', () => {
    const run = runCli(['audit', '--fail-on', KEY]);
    assert.match(
      run.stderr,
      /--fail-on \[secret [0-9a-f]{8}\].*that looks like a private key; never pass a private key/,
    );
  });

  test('ordinary messages are unchanged: paths, words, public keys the tool labels', () => {
    const path = '/tmp/a-rather-long-directory-name/with/several/levels/signer-config.toml';
    assert.equal(redactSecrets(`${path}: no such file`), `${path}: no such file`);
    const sentence = 'no terminal to ask for the passphrase on: pass --passphrase-file FILE';
    assert.equal(redactSecrets(sentence), sentence);
    const labelled = `already holds a key (public key 03${'ab'.repeat(32)})`;
    assert.equal(redactSecrets(labelled), labelled);
  });
});

test('a base64 token without a digit is masked too (one random token in ~2,200; CI met one)', () => {
  for (const token of [
    'tpjNXZnO+pV+JISbnhKAItzJdqlfemPXooeI/ACipFVK',
    'otmnzziQxtUiZmpdNqxbDRPPDKwrYEHZE/yzlTXrRIfw',
  ]) {
    const message = redactSecrets(`unknown option '--${token}'`);
    assert.ok(!message.includes(token.slice(0, 12)), message);
    assert.match(message, /\[secret [0-9a-f]{8}\]/);
  }
  // A path is still shown as it is.
  const path = '/home/operator/DocumentsArchive/StacksSigner/ConfigBackups';
  assert.equal(redactSecrets(`no such file ${path}`), `no such file ${path}`);
});
