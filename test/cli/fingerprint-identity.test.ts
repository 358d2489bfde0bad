// One key, one fingerprint: keygen, key show, key backup (the keystore's clear metadata), scan and the audit name the
// same key with the same 8 hex (docs/keystore.md). The key itself appears in none of their outputs.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { SIGNER_CONFIG_PATH, signerHost, TEST_SIGNER_KEY } from '../support/hosts.js';
import { type MaterialisedTree, materialiseFiles } from '../support/materialise.js';

const EXPECTED = createHash('sha256')
  .update(Buffer.from(TEST_SIGNER_KEY.slice(0, 64), 'hex'))
  .digest('hex')
  .slice(0, 8);

describe('one fingerprint per key', () => {
  let host: MaterialisedTree;
  before(async () => {
    host = await materialiseFiles(
      signerHost(
        {},
        {
          // A stray copy of the key, upper case with 0x: the audit and the scan must still name it the same.
          'root/old-key.txt': `key: 0x${TEST_SIGNER_KEY.toUpperCase()}\n`,
          'scratch/pass': { content: 'correct horse battery staple\n', mode: 0o600 },
        },
      ),
    );
  });
  after(() => host.cleanup());

  test('key show, key backup, keygen, scan and audit agree', () => {
    const config = join(host.root, SIGNER_CONFIG_PATH);
    const show = runCli(['key', 'show', '--config', config, '--format', 'json']);
    assert.equal(show.code, 0, show.stderr);
    assert.equal((JSON.parse(show.stdout) as { fingerprint: string }).fingerprint, EXPECTED);

    const keystore = join(host.root, 'scratch/key.keystore');
    const backup = runCli([
      'key',
      'backup',
      '--config',
      config,
      '--keystore',
      keystore,
      '--passphrase-file',
      join(host.root, 'scratch/pass'),
      '--format',
      'json',
    ]);
    assert.equal(backup.code, 0, backup.stderr);
    assert.equal((JSON.parse(backup.stdout) as { key: { fingerprint: string } }).key.fingerprint, EXPECTED);
    assert.equal((JSON.parse(readFileSync(keystore, 'utf8')) as { fingerprint: string }).fingerprint, EXPECTED);
    const fromKeystore = runCli(['key', 'show', '--keystore', keystore, '--format', 'json']);
    assert.equal((JSON.parse(fromKeystore.stdout) as { fingerprint: string }).fingerprint, EXPECTED);

    const scan = runCli(['scan', join(host.root, 'etc'), join(host.root, 'root'), '--format', 'json']);
    assert.equal(scan.code, 1, scan.stderr);
    const keyFindings = (
      JSON.parse(scan.stdout) as { findings: { detector: string; fingerprint: string }[] }
    ).findings.filter((finding) => finding.detector === 'stacks-private-key');
    assert.equal(keyFindings.length, 2, scan.stdout);
    for (const finding of keyFindings) assert.equal(finding.fingerprint, EXPECTED);

    const audit = runCli(['audit', '--root', host.root, '--only', 'keys', '--format', 'json', '--fail-on', 'none']);
    assert.equal(audit.code, 0, audit.stderr);
    const copies = (
      JSON.parse(audit.stdout) as { results: { id: string; status: string; message: string }[] }
    ).results.find((result) => result.id === 'keys/key-copies-on-host');
    assert.equal(copies?.status, 'fail', audit.stdout);
    const named = [...audit.stdout.matchAll(/fingerprint ([0-9a-f]{8,16})/g)].map((match) => match[1]);
    assert.ok(named.length > 0);
    for (const print of named) assert.equal(print, EXPECTED);
    // Masks of the key in the report use it too.
    for (const mask of audit.stdout.matchAll(/\[secret ([0-9a-f]+)\]/g)) assert.equal(mask[1], EXPECTED);

    for (const run of [show, backup, fromKeystore, scan, audit])
      assert.ok(!run.stdout.toLowerCase().includes(TEST_SIGNER_KEY.slice(0, 64)), 'the key itself is never printed');
  });

  test('keygen names the key it wrote with the fingerprint key show then prints', () => {
    const config = join(host.root, 'scratch/new-signer.toml');
    const generated = runCli(['keygen', '--config', config, '--format', 'json']);
    assert.equal(generated.code, 0, generated.stderr);
    const fingerprint = (JSON.parse(generated.stdout) as { key: { fingerprint: string } }).key.fingerprint;
    assert.match(fingerprint, /^[0-9a-f]{8}$/);
    const show = runCli(['key', 'show', '--config', config]);
    assert.match(show.stdout, new RegExp(`fingerprint {2}${fingerprint}\n`));
  });
});
