import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { assertNoKey } from '../support/key-leaks.js';
import { materialiseFiles } from '../support/materialise.js';

// A keystore's public key, addresses and fingerprint are clear, unauthenticated metadata: `key show` says so unless
// it decrypted the key and checked them.

const KEY = '6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01';
const PUBLIC = '03bc489f27da3701d9f9e577c88de5567cf4023111b7577042d55cde4d823a3505';

describe('key show --keystore', async () => {
  const tree = await materialiseFiles({
    'w/pass': { content: 'correct horse battery staple\n', mode: 0o600 },
    'w/signer.toml': { content: `stacks_private_key = "${KEY}"\n`, mode: 0o600 },
  });
  const at = (name: string) => join(tree.root, 'w', name);
  after(() => tree.cleanup());
  const backup = runCli([
    'key',
    'backup',
    '--config',
    at('signer.toml'),
    '--keystore',
    at('ks.json'),
    '--passphrase-file',
    at('pass'),
  ]);

  test('without a passphrase the output says the metadata is not verified', () => {
    assert.equal(backup.code, 0, backup.stderr);
    const run = runCli(['key', 'show', '--keystore', at('ks.json')]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(from the keystore's metadata; not verified without the passphrase/);
    const json = JSON.parse(runCli(['key', 'show', '--keystore', at('ks.json'), '--format', 'json']).stdout);
    assert.equal(json.verified, false);
  });

  test('--passphrase-file decrypts and verifies, printing no key', () => {
    const run = runCli(['key', 'show', '--keystore', at('ks.json'), '--passphrase-file', at('pass')]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.includes(PUBLIC));
    assert.match(run.stdout, /decrypted with the passphrase: the key matches the keystore's metadata/);
    assertNoKey(run.stdout + run.stderr, KEY, 'key show --passphrase-file');
  });

  test('metadata that does not match the encrypted key fails clearly', () => {
    const keystore = JSON.parse(readFileSync(at('ks.json'), 'utf8'));
    writeFileSync(at('forged.json'), JSON.stringify({ ...keystore, fingerprint: '00000000' }), { mode: 0o600 });
    const forged = runCli(['key', 'show', '--keystore', at('forged.json'), '--passphrase-file', at('pass')]);
    assert.equal(forged.code, 2);
    assert.match(forged.stderr, /forged\.json: .*(does not match|modified)/);
    assert.equal(forged.stdout, '');
  });

  test('--verify with --config is a usage error', () => {
    const run = runCli(['key', 'show', '--config', at('signer.toml'), '--verify']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--keystore only/);
  });
});
