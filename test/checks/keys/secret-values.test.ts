import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyVariable, findInArgv, maskSecrets } from '../../../src/facts/secrets/secret-values.js';
import { summariseExecLine } from '../../../src/facts/services/exec-lines.js';
import { breakChecksum, randomKeyHex, randomMnemonic } from '../../support/secrets.js';

describe('mnemonics outside configs', () => {
  test('a checksum-valid mnemonic in a plainly named variable is a secret, with a fingerprint', () => {
    for (const count of [12, 24]) {
      const finding = classifyVariable('RECOVERY', randomMnemonic(count).join(' '), []);
      assert.equal(finding?.why, `its value is a ${count}-word BIP-39 mnemonic`);
      assert.match(finding?.fingerprint ?? '', /^[0-9a-f]{8}$/);
    }
  });

  test('a broken checksum is not a mnemonic', () => {
    assert.equal(classifyVariable('WORDS', breakChecksum(randomMnemonic(12)).join(' '), []), undefined);
  });

  test('a mnemonic on a command line, as one argument or as separate words', () => {
    const words = randomMnemonic(24);
    assert.match(findInArgv(['/bin/tool', '--words', words.join(' ')], [], false)?.why ?? '', /24-word BIP-39/);
    assert.match(findInArgv(['/bin/tool', ...words], [], false)?.why ?? '', /24-word BIP-39/);
    assert.equal(findInArgv(['/bin/tool', 'run', '--config', '/etc/x.toml'], [], false), undefined);
  });
});

describe('maskSecrets', () => {
  test('keys, mnemonics, secret-named flags and known secrets become fingerprints', () => {
    const key = randomKeyHex();
    const words = randomMnemonic(12).join(' ');
    const text = `--key 0x${key}01 --password=pw-Planted-123 --auth-token tok-planted-9 "${words}" known-secret-42 --port 30000`;
    const masked = maskSecrets(text, [{ label: 'the signer auth_password', value: 'known-secret-42' }]);
    for (const secret of [key, 'pw-Planted-123', 'tok-planted-9', words, 'known-secret-42'])
      assert.ok(!masked.includes(secret), `${secret.slice(0, 3)}… is masked`);
    assert.equal((masked.match(/\[secret [0-9a-f]{8}\]/g) ?? []).length, 5);
    assert.ok(masked.endsWith('--port 30000'), 'ordinary arguments stay');
  });

  test('a *-file flag names where a secret is, and stays', () => {
    assert.equal(maskSecrets('--password-file /run/secrets/pw'), '--password-file /run/secrets/pw');
  });
});

describe('summariseExecLine', () => {
  test('keeps the program, the subcommand and --config; elides the rest', () => {
    const line = `/usr/local/bin/stacks-signer run --config /etc/s.toml --key ${randomKeyHex()} --password x`;
    assert.equal(
      summariseExecLine('ExecStart', line),
      'ExecStart=/usr/local/bin/stacks-signer run --config /etc/s.toml …',
    );
    assert.equal(
      summariseExecLine('ExecStart', '-/usr/bin/env SECRET=abc /bin/x --config=/a.toml'),
      'ExecStart=-/usr/bin/env … --config=/a.toml',
    );
  });

  test('an unparsable line is named, not quoted', () => {
    assert.equal(
      summariseExecLine('ExecStart', 'relative/path --key abc'),
      'ExecStart= (not parsed: the program is neither an absolute path nor a plain executable name)',
    );
  });
});

describe('secret names', () => {
  test('one list: a passphrase or a hyphenated private-key variable is a secret, a *_FILE reference and a flag value are not', () => {
    assert.equal(classifyVariable('KEYSTORE_PASSPHRASE', 'open sesame', [])?.why, 'its name says it holds a secret');
    assert.equal(
      classifyVariable('SIGNER-PRIVATE-KEY', 'not-hex-but-named', [])?.why,
      'its name says it holds a secret',
    );
    assert.equal(classifyVariable('AUTH_TOKEN_FILE', '/run/secrets/token', []), undefined);
    assert.equal(classifyVariable('AUTH_ENABLED', 'true', []), undefined);
    assert.match(maskSecrets('--keystore-passphrase hunter2hunter2'), /--keystore-passphrase \[secret [0-9a-f]{8}\]/);
  });
});
