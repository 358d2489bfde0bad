import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { runCliInNamespace } from '../support/key-cli.js';
import { assertNoKey } from '../support/key-leaks.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

// stacks-facts.md §8.
const KEY_A = '2de4e77aab89c0c2570bb8bb90824f5cf2a5204a975905fee450ff9dad0fcf28';
const ADDRESS_A = 'SP1286C62P3TAWVQV2VM2CEGTRBQZSZ6MHMS9RW05';
const KEY_B = '6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01';
const PUBLIC_B = '03bc489f27da3701d9f9e577c88de5567cf4023111b7577042d55cde4d823a3505';
const PASSPHRASE = 'correct horse battery staple';
const NOBODY = 65534;

interface ShowJson {
  source: { kind: string; path: string; line?: number };
  publicKey: string;
  addresses: { mainnet: string; testnet: string };
  fingerprint: string;
  keyForm: string;
  network?: string;
}

async function workspace(extra: FileSpec = {}) {
  const tree = await materialiseFiles({
    'w/pass': { content: `${PASSPHRASE}\n`, mode: 0o600 },
    'w/wrong-pass': { content: 'not the passphrase at all\n', mode: 0o600 },
    'w/open-pass': { content: `${PASSPHRASE}\n`, mode: 0o644 },
    ...extra,
  });
  const dir = join(tree.root, 'w');
  return { tree, dir, at: (name: string) => join(dir, name) };
}

function show(args: string[]): ShowJson {
  const run = runCli(['key', 'show', ...args, '--format', 'json']);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as ShowJson;
}

describe('key show', () => {
  test('64- and 66-hex forms of vector A give the same compressed key and signer address', async () => {
    const { tree, at } = await workspace({
      'w/a64.toml': `stacks_private_key = "${KEY_A}"\n`,
      'w/a66.toml': `network = "mainnet"\nstacks_private_key = "${KEY_A}01"\n`,
    });
    try {
      const short = show(['--config', at('a64.toml')]);
      const long = show(['--config', at('a66.toml')]);
      assert.equal(short.addresses.mainnet, ADDRESS_A);
      assert.equal(long.addresses.mainnet, ADDRESS_A);
      assert.equal(short.publicKey, long.publicKey);
      assert.match(short.publicKey, /^0[23][0-9a-f]{64}$/, 'compressed also for a 64-hex key');
      assert.equal(short.fingerprint, long.fingerprint);
      assert.deepEqual([short.keyForm, long.keyForm], ['64-hex', '66-hex']);
      assert.deepEqual(long.source, { kind: 'config', path: at('a66.toml'), line: 2 });
      assert.equal(long.network, 'mainnet');
      const text = runCli(['key', 'show', '--config', at('a64.toml')]);
      assert.equal(text.code, 0);
      assert.match(text.stdout, new RegExp(`mainnet +${ADDRESS_A}`));
      assertNoKey(text.stdout + text.stderr, KEY_A, 'key show');
    } finally {
      tree.cleanup();
    }
  });

  test('vector B: public key, ST and SP addresses', async () => {
    const { tree, at } = await workspace({ 'w/b.toml': `stacks_private_key = "${KEY_B}"\nnetwork = "testnet"\n` });
    try {
      const facts = show(['--config', at('b.toml')]);
      assert.equal(facts.publicKey, PUBLIC_B);
      assert.deepEqual(facts.addresses, {
        mainnet: 'SP3FPN8KBZ3YPBP0ZJGAAHTVFMQDTJCR5QM8MNFKX',
        testnet: 'ST3FPN8KBZ3YPBP0ZJGAAHTVFMQDTJCR5QPS7VTNJ',
      });
    } finally {
      tree.cleanup();
    }
  });

  test('what is not a key is a clear error naming the file and line, never echoing the value', async () => {
    const { tree, at } = await workspace({
      'w/placeholder.toml': 'stacks_private_key = "<YOUR_SIGNER_PRIVATE_KEY_HEX>"\n',
      'w/bad.toml': `network = "mainnet"\nstacks_private_key = "${KEY_B.slice(0, 64)}02"\n`,
      'w/none.toml': 'network = "mainnet"\n',
      'w/broken.toml': `stacks_private_key = "${KEY_B}\n`,
    });
    try {
      const cases: [string, RegExp][] = [
        ['placeholder.toml', /placeholder\.toml:1: stacks_private_key is a placeholder/],
        ['bad.toml', /bad\.toml:2: the key has 66 hex characters but does not end in 01/],
        ['none.toml', /none\.toml: no stacks_private_key/],
        ['broken.toml', /broken\.toml:1: invalid TOML/],
        ['missing.toml', /missing\.toml: no such file/],
      ];
      for (const [name, message] of cases) {
        const run = runCli(['key', 'show', '--config', at(name)]);
        assert.equal(run.code, 2, name);
        assert.match(run.stderr, message);
        assertNoKey(run.stderr + run.stdout, KEY_B, name);
      }
      assert.equal(runCli(['key', 'show']).code, 2);
      assert.equal(runCli(['key', 'frobnicate']).code, 2);
    } finally {
      tree.cleanup();
    }
  });
});

describe('key backup and restore', () => {
  test('round trip: backup (600, no key inside), show --keystore without a passphrase, restore into a new config', async () => {
    const { tree, dir, at } = await workspace({
      'w/signer.toml': `stacks_private_key = "${KEY_B}"\nnetwork = "testnet"\n`,
    });
    try {
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
      assert.equal(backup.code, 0, backup.stderr);
      assert.equal(statSync(at('ks.json')).mode & 0o7777, 0o600);
      assertNoKey(readFileSync(at('ks.json')), KEY_B, 'keystore');
      assertNoKey(backup.stdout + backup.stderr, KEY_B, 'backup output');
      const again = runCli([
        'key',
        'backup',
        '--config',
        at('signer.toml'),
        '--keystore',
        at('ks.json'),
        '--passphrase-file',
        at('pass'),
      ]);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /already exists: a keystore is never overwritten/);

      const clear = show(['--keystore', at('ks.json')]);
      assert.equal(clear.publicKey, PUBLIC_B);
      assert.equal(clear.keyForm, '66-hex');

      const restore = runCliInNamespace('offline', [
        'key',
        'restore',
        '--keystore',
        at('ks.json'),
        '--config',
        at('restored.toml'),
        '--user',
        'nobody',
        '--network',
        'testnet',
        '--passphrase-file',
        at('pass'),
      ]);
      assert.equal(restore.code, 0, restore.stderr);
      assert.ok(restore.stdout.includes('ST3FPN8KBZ3YPBP0ZJGAAHTVFMQDTJCR5QPS7VTNJ'));
      assertNoKey(restore.stdout + restore.stderr, KEY_B, 'restore output');
      assert.match(readFileSync(at('restored.toml'), 'utf8'), new RegExp(`^stacks_private_key = "${KEY_B}"$`, 'm'));
      const stats = statSync(at('restored.toml'));
      assert.equal(stats.mode & 0o7777, 0o600);
      assert.equal(stats.uid, NOBODY);

      const same = runCli([
        'key',
        'restore',
        '--keystore',
        at('ks.json'),
        '--config',
        at('signer.toml'),
        '--passphrase-file',
        at('wrong-pass'),
      ]);
      assert.equal(same.code, 0, same.stderr);
      assert.match(same.stdout, /already holds the keystore's key.*nothing written/);
      assert.deepEqual(readdirSync(dir).sort(), [
        'ks.json',
        'open-pass',
        'pass',
        'restored.toml',
        'signer.toml',
        'wrong-pass',
      ]);
    } finally {
      tree.cleanup();
    }
  });

  test('a 64-hex key comes back as 64 hex', async () => {
    const { tree, at } = await workspace({ 'w/a.toml': `stacks_private_key = "${KEY_A}"\n` });
    try {
      assert.equal(
        runCli(['key', 'backup', '--config', at('a.toml'), '--keystore', at('a.json'), '--passphrase-file', at('pass')])
          .code,
        0,
      );
      const restore = runCli([
        'key',
        'restore',
        '--keystore',
        at('a.json'),
        '--config',
        at('new.toml'),
        '--passphrase-file',
        at('pass'),
      ]);
      assert.equal(restore.code, 0, restore.stderr);
      assert.match(readFileSync(at('new.toml'), 'utf8'), new RegExp(`^stacks_private_key = "${KEY_A}"$`, 'm'));
    } finally {
      tree.cleanup();
    }
  });

  test('a wrong passphrase, an open passphrase file, an occupied config: errors, nothing written', async () => {
    const { tree, dir, at } = await workspace({
      'w/signer.toml': `stacks_private_key = "${KEY_B}"\n`,
      'w/other.toml': `# keep me\nstacks_private_key = "${KEY_A}"\n`,
      'w/empty.toml': '# keep me too\nnetwork = "mainnet"\n',
    });
    try {
      assert.equal(
        runCli([
          'key',
          'backup',
          '--config',
          at('signer.toml'),
          '--keystore',
          at('ks.json'),
          '--passphrase-file',
          at('pass'),
        ]).code,
        0,
      );
      const before = readdirSync(dir).sort();
      const wrong = runCli([
        'key',
        'restore',
        '--keystore',
        at('ks.json'),
        '--config',
        at('empty.toml'),
        '--passphrase-file',
        at('wrong-pass'),
      ]);
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /wrong passphrase, or the keystore was modified; nothing was written/);
      assert.equal(readFileSync(at('empty.toml'), 'utf8'), '# keep me too\nnetwork = "mainnet"\n');

      const open = runCli([
        'key',
        'restore',
        '--keystore',
        at('ks.json'),
        '--config',
        at('empty.toml'),
        '--passphrase-file',
        at('open-pass'),
      ]);
      assert.equal(open.code, 2);
      assert.match(open.stderr, /mode 644 lets group or others read it; chmod 600/);

      const occupied = runCli([
        'key',
        'restore',
        '--keystore',
        at('ks.json'),
        '--config',
        at('other.toml'),
        '--passphrase-file',
        at('pass'),
      ]);
      assert.equal(occupied.code, 2);
      assert.match(occupied.stderr, /already holds a key .*--rotate/);
      assert.equal(readFileSync(at('other.toml'), 'utf8'), `# keep me\nstacks_private_key = "${KEY_A}"\n`);

      writeFileSync(at('short-pass'), 'short\n', { mode: 0o600 });
      const short = runCli([
        'key',
        'backup',
        '--config',
        at('signer.toml'),
        '--keystore',
        at('k2.json'),
        '--passphrase-file',
        at('short-pass'),
      ]);
      assert.equal(short.code, 2);
      assert.match(short.stderr, /at least 12 characters/);

      const noTty = runCli(['key', 'restore', '--keystore', at('ks.json'), '--config', at('empty.toml')]);
      assert.equal(noTty.code, 2);
      assert.match(noTty.stderr, /no terminal .*--passphrase-file/);
      assert.deepEqual(readdirSync(dir).sort(), [...before, 'short-pass'].sort());
      for (const run of [wrong, open, occupied, short, noTty])
        assertNoKey(run.stdout + run.stderr, KEY_B, 'error output');

      const rotated = runCli([
        'key',
        'restore',
        '--keystore',
        at('ks.json'),
        '--config',
        at('other.toml'),
        '--passphrase-file',
        at('pass'),
        '--rotate',
      ]);
      assert.equal(rotated.code, 0, rotated.stderr);
      assert.equal(readFileSync(at('other.toml'), 'utf8'), `# keep me\nstacks_private_key = "${KEY_B}"\n`);
      assert.equal(
        readdirSync(dir).filter((name) => name.startsWith('other.toml.') && name.endsWith('.bak')).length,
        1,
      );
    } finally {
      tree.cleanup();
    }
  });

  test('a keystore that is not one is named as such', async () => {
    const { tree, at } = await workspace({ 'w/junk.json': '{"format":"other"}', 'w/text.json': 'hello' });
    try {
      assert.match(runCli(['key', 'show', '--keystore', at('junk.json')]).stderr, /not a valid keystore: "format"/);
      assert.match(runCli(['key', 'show', '--keystore', at('text.json')]).stderr, /not JSON, so not a keystore/);
    } finally {
      tree.cleanup();
    }
  });
});
