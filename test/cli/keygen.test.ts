import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseSignerConfig } from '../../src/parsers/signer-config.js';
import { fingerprint } from '../../src/stacks/fingerprint.js';
import { parsePrivateKeyHex, signerIdentity } from '../../src/stacks/keys.js';
import { runCli } from '../support/cli.js';
import { runCliInNamespace, runCliToFile } from '../support/key-cli.js';
import { assertNoKey, filesHoldingKey } from '../support/key-leaks.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

const NOBODY = 65534;
const DAEMON = 1;
const OLD_KEY = '6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01';
const OLD_PUBLIC_KEY = '03bc489f27da3701d9f9e577c88de5567cf4023111b7577042d55cde4d823a3505';

/** The key now in the config (the one place it may be), parsed. */
function configKey(path: string): { hex: string; bytes: Uint8Array } {
  const parsed = parseSignerConfig(readFileSync(path, 'utf8'));
  assert.ok(parsed.ok);
  const hex = parsed.config.stacksPrivateKey;
  assert.ok(hex);
  const key = parsePrivateKeyHex(hex);
  assert.ok(key.ok);
  return { hex, bytes: key.bytes };
}

async function signerDir(files: FileSpec = {}) {
  const spec: FileSpec = { 'etc/stacks/signer': { dir: true } };
  for (const [name, value] of Object.entries(files)) spec[`etc/stacks/signer/${name}`] = value;
  const tree = await materialiseFiles(spec);
  const dir = join(tree.root, 'etc/stacks/signer');
  return { tree, dir, config: join(dir, 'signer-config.toml') };
}

describe('keygen: a new config', () => {
  test('is created from the template, 600 and owned by --user; only the public key and address are printed', async () => {
    const { tree, dir, config } = await signerDir();
    try {
      const run = runCliInNamespace('offline', [
        'keygen',
        '--config',
        config,
        '--user',
        'nobody',
        '--network',
        'testnet',
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '', 'offline, stdout a pipe: no warning');
      const stats = statSync(config);
      assert.equal(stats.mode & 0o7777, 0o600);
      assert.equal(stats.uid, NOBODY);
      assert.equal(stats.gid, NOBODY);
      assert.deepEqual(readdirSync(dir), ['signer-config.toml'], 'no temp file left beside the config');

      const key = configKey(config);
      assert.match(key.hex, /^[0-9a-f]{64}01$/, 'written in the 66-hex form with the compressed marker');
      const identity = signerIdentity(key.bytes, 'testnet');
      assert.ok(run.stdout.includes(identity.publicKeyHex));
      assert.ok(run.stdout.includes(identity.address));
      assert.ok(run.stdout.includes(fingerprint(key.bytes)));
      assertNoKey(run.stdout, key.hex, 'stdout');
      assertNoKey(run.stderr, key.hex, 'stderr');
      assert.deepEqual(
        filesHoldingKey(tmpdir(), key.hex, new Set([config])),
        [],
        'a copy of the key under the temp dir',
      );

      const parsed = parseSignerConfig(readFileSync(config, 'utf8'));
      assert.ok(parsed.ok);
      assert.equal(parsed.config.network, 'testnet');
      assert.deepEqual(parsed.missingRequired, ['node_host', 'endpoint', 'auth_password', 'db_path']);
    } finally {
      tree.cleanup();
    }
  });

  test('the template audits as incomplete (settings not set), not as insecure', async () => {
    const { tree, config } = await signerDir();
    try {
      assert.equal(runCliInNamespace('offline', ['keygen', '--config', config, '--user', 'nobody']).code, 0);
      // The firewall is a property of the host, not of the config: this bare tree has none, which is a fair fail.
      const args = ['audit', '--root', tree.root, '--only', 'keys,topology', '--skip', 'topology/inbound-firewall'];
      const run = runCli([...args, '--format', 'json']);
      const report = JSON.parse(run.stdout) as { results: { id: string; status: string; message: string }[] };
      const failed = report.results.filter((result) => result.status === 'fail');
      assert.ok(failed.length > 0);
      for (const result of failed) assert.match(result.message, /is not set/, `${result.id}: ${result.message}`);
      const status = Object.fromEntries(report.results.map((result) => [result.id, result.status]));
      assert.equal(status['keys/key-format'], 'pass');
      assert.equal(status['keys/signer-config-permissions'], 'pass');
      assertNoKey(run.stdout, configKey(config).hex, 'audit report');
    } finally {
      tree.cleanup();
    }
  });
});

describe('keygen: an existing config', () => {
  const ORIGINAL = [
    '# production signer\r',
    'node_host = "10.0.0.5:20443"   # the node\r',
    "stacks_private_key = ''  # filled by keygen\r",
    'network = "mainnet"\r',
    '\r',
    '[unexpected]\r',
    'x = 1\r',
    '',
  ].join('\n');

  test('changes only the key value: every other byte, the quote style and the owner stay', async () => {
    const { tree, dir, config } = await signerDir({
      'signer-config.toml': { content: ORIGINAL, mode: 0o644, uid: DAEMON, gid: DAEMON },
    });
    try {
      const run = runCliInNamespace('offline', ['keygen', '--config', config]);
      assert.equal(run.code, 0, run.stderr);
      const key = configKey(config);
      assert.equal(
        readFileSync(config, 'utf8'),
        ORIGINAL.replace("stacks_private_key = ''", `stacks_private_key = '${key.hex}'`),
      );
      const stats = statSync(config);
      assert.equal(stats.mode & 0o7777, 0o600, 'tightened to 600');
      assert.equal(stats.uid, DAEMON);
      assert.deepEqual(readdirSync(dir), ['signer-config.toml']);
      assert.ok(
        run.stdout.includes(signerIdentity(key.bytes, 'mainnet').address),
        'the config network decides the address',
      );
      assertNoKey(run.stdout + run.stderr, key.hex, 'output');
    } finally {
      tree.cleanup();
    }
  });

  test('a config that already holds a key is refused without --rotate, byte for byte unchanged', async () => {
    const content = `stacks_private_key = "${OLD_KEY}"\nnetwork = "testnet"\n`;
    const { tree, dir, config } = await signerDir({ 'signer-config.toml': { content, mode: 0o600 } });
    try {
      const run = runCliInNamespace('offline', ['keygen', '--config', config]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /already holds a key \(public key 03bc489f.*--rotate/);
      assertNoKey(run.stderr, OLD_KEY, 'stderr');
      assert.equal(readFileSync(config, 'utf8'), content);
      assert.deepEqual(readdirSync(dir), ['signer-config.toml']);
    } finally {
      tree.cleanup();
    }
  });

  test('--rotate keeps a 600 backup with the old owner, prints old and new public keys, never a key', async () => {
    const content = `stacks_private_key = "${OLD_KEY}"\nnetwork = "testnet"\n`;
    const { tree, dir, config } = await signerDir({
      'signer-config.toml': { content, mode: 0o640, uid: NOBODY, gid: DAEMON },
    });
    try {
      const run = runCliInNamespace('offline', ['keygen', '--config', config, '--rotate']);
      assert.equal(run.code, 0, run.stderr);
      const backups = readdirSync(dir).filter((name) => name.endsWith('.bak'));
      assert.equal(backups.length, 1);
      assert.match(backups[0] ?? '', /^signer-config\.toml\.\d{8}T\d{6}Z\.bak$/);
      assert.deepEqual(readdirSync(dir).sort(), ['signer-config.toml', backups[0]].sort());
      const backup = join(dir, backups[0] ?? '');
      assert.equal(readFileSync(backup, 'utf8'), content);
      const stats = statSync(backup);
      assert.equal(stats.mode & 0o7777, 0o600);
      assert.equal([stats.uid, stats.gid].join(':'), `${NOBODY}:${DAEMON}`);

      const key = configKey(config);
      assert.notEqual(key.hex, OLD_KEY);
      assert.ok(run.stdout.includes(OLD_PUBLIC_KEY), 'the old public key is named');
      assert.ok(run.stdout.includes(signerIdentity(key.bytes, 'testnet').publicKeyHex));
      assert.match(run.stdout, /Register the new public key/);
      assertNoKey(run.stdout + run.stderr, key.hex, 'output');
      assertNoKey(run.stdout + run.stderr, OLD_KEY, 'output');
      assert.deepEqual(filesHoldingKey(tmpdir(), key.hex, new Set([config])), []);
    } finally {
      tree.cleanup();
    }
  });
});

describe('keygen: bad input writes nothing', () => {
  test('malformed TOML: the line is named, the file is unchanged, no key is generated', async () => {
    const content = 'network = "mainnet"\nnode_host = \n';
    const { tree, dir, config } = await signerDir({ 'signer-config.toml': content });
    try {
      const run = runCliInNamespace('online', ['keygen', '--config', config]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /invalid TOML.*line 2/);
      assert.doesNotMatch(run.stderr, /warning/, 'refused before the preflight, so before generating');
      assert.equal(readFileSync(config, 'utf8'), content);
      assert.deepEqual(readdirSync(dir), ['signer-config.toml']);
    } finally {
      tree.cleanup();
    }
  });

  test('an unknown --user, a bad --network, a missing directory, a mismatched network', async () => {
    const { tree, dir, config } = await signerDir();
    try {
      const unknown = runCli(['keygen', '--config', config, '--user', 'no-such-user-xyz']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /--user no-such-user-xyz: no such user/);
      assert.equal(runCli(['keygen', '--config', config, '--network', 'mocknet']).code, 2);
      const missing = runCli(['keygen', '--config', join(dir, 'nope', 'x.toml')]);
      assert.match(missing.stderr, /does not exist/);
      assert.deepEqual(readdirSync(dir), []);
      writeFileSync(config, 'network = "testnet"\n');
      const mismatch = runCli(['keygen', '--config', config, '--network', 'mainnet']);
      assert.equal(mismatch.code, 2);
      assert.match(mismatch.stderr, /--network mainnet, but .* says network = "testnet"/);
      assert.equal(readFileSync(config, 'utf8'), 'network = "testnet"\n');
      assert.equal(runCli(['keygen']).code, 2);
    } finally {
      tree.cleanup();
    }
  });

  test('a directory the caller may not write to (run as nobody): an error, the config untouched, no temp file', async () => {
    const content = 'network = "mainnet"\n';
    const { tree, dir, config } = await signerDir({ 'signer-config.toml': { content, mode: 0o666 } });
    try {
      const run = runCli(['keygen', '--config', config], { uid: NOBODY });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /cannot write it: permission denied .*; the file is unchanged/);
      assert.equal(readFileSync(config, 'utf8'), content);
      assert.deepEqual(readdirSync(dir), ['signer-config.toml']);
    } finally {
      tree.cleanup();
    }
  });
});

describe('keygen: warnings before generating', () => {
  test('a default route is warned about before the key exists; --require-offline refuses and writes nothing', async () => {
    const { tree, config } = await signerDir();
    try {
      const warned = runCliInNamespace('online', ['keygen', '--config', config]);
      assert.equal(warned.code, 0, warned.stderr);
      assert.match(warned.stderr, /warning: this machine has a default route \(via lo\).*offline/);
      const refused = runCliInNamespace('online', ['keygen', '--config', `${config}.2`, '--require-offline']);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /--require-offline: this machine has a default route/);
      assert.equal(existsSync(`${config}.2`), false);
    } finally {
      tree.cleanup();
    }
  });

  test('standard output into a file others can read is warned about; a 600 file is not', async () => {
    const { tree, dir } = await signerDir({
      'open.txt': { content: '', mode: 0o644 },
      'private.txt': { content: '', mode: 0o600 },
    });
    try {
      const open = runCliToFile(join(dir, 'open.txt'), ['keygen', '--config', join(dir, 'a.toml')]);
      assert.equal(open.code, 0, open.stderr);
      assert.match(open.stderr, /standard output is a file readable by others \(mode 644\)/);
      assert.match(open.stdout, /public key/);
      assertNoKey(open.stdout, configKey(join(dir, 'a.toml')).hex, 'redirected stdout');
      const closed = runCliToFile(join(dir, 'private.txt'), ['keygen', '--config', join(dir, 'b.toml')]);
      assert.equal(closed.code, 0, closed.stderr);
      assert.equal(closed.stderr, '');
    } finally {
      tree.cleanup();
    }
  });
});

describe('keygen --backup', () => {
  test('writes a 600 keystore of the new key that restores to the same key, and no plain copy anywhere', async () => {
    const { tree, dir, config } = await signerDir({ pass: { content: 'correct horse battery staple\n', mode: 0o600 } });
    try {
      const keystore = join(dir, 'signer.keystore.json');
      const run = runCliInNamespace('offline', [
        'keygen',
        '--config',
        config,
        '--backup',
        keystore,
        '--passphrase-file',
        join(dir, 'pass'),
      ]);
      assert.equal(run.code, 0, run.stderr);
      const key = configKey(config);
      assert.equal(statSync(keystore).mode & 0o7777, 0o600);
      assertNoKey(readFileSync(keystore), key.hex, 'keystore');
      assertNoKey(run.stdout + run.stderr, key.hex, 'output');
      assert.match(run.stdout, /Encrypted backup: .*signer\.keystore\.json \(mode 600\)/);
      const shown = JSON.parse(runCli(['key', 'show', '--keystore', keystore, '--format', 'json']).stdout) as {
        publicKey: string;
      };
      assert.equal(shown.publicKey, signerIdentity(key.bytes, 'mainnet').publicKeyHex);

      const restored = join(dir, 'restored.toml');
      const restore = runCli([
        'key',
        'restore',
        '--keystore',
        keystore,
        '--config',
        restored,
        '--passphrase-file',
        join(dir, 'pass'),
      ]);
      assert.equal(restore.code, 0, restore.stderr);
      assert.equal(configKey(restored).hex, key.hex);
      assert.deepEqual(filesHoldingKey(tmpdir(), key.hex, new Set([config, restored])), []);
    } finally {
      tree.cleanup();
    }
  });

  test('when the config cannot be written, the keystore of the unused key is removed again', async () => {
    const { tree, dir, config } = await signerDir({
      'signer-config.toml': { content: 'network = "mainnet"\n', mode: 0o666 },
      out: { dir: true, uid: NOBODY, gid: NOBODY, mode: 0o700 },
      'out/pass': { content: 'correct horse battery staple\n', mode: 0o600, uid: NOBODY, gid: NOBODY },
    });
    try {
      const keystore = join(dir, 'out', 'ks.json');
      const run = runCli(
        ['keygen', '--config', config, '--backup', keystore, '--passphrase-file', join(dir, 'out', 'pass')],
        {
          uid: NOBODY,
        },
      );
      assert.equal(run.code, 2);
      assert.match(run.stderr, /cannot write it: permission denied/);
      assert.deepEqual(readdirSync(join(dir, 'out')), ['pass']);
      assert.equal(readFileSync(config, 'utf8'), 'network = "mainnet"\n');
    } finally {
      tree.cleanup();
    }
  });
});
