import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { BASE_USERS, SIGNER_CONFIG_PATH, signerToml } from '../support/hosts.js';
import { materialiseFiles } from '../support/materialise.js';
import { randomKeyHex, randomMnemonic } from '../support/secrets.js';

// Secrets written into a unit's ExecStart= and Environment= must not reach any report: the unit checks quote the
// unit, and the reviewer found ExecStart= echoed whole.

const EXEC_KEY = randomKeyHex();
const ENV_KEY = randomKeyHex();
const PASSWORD = 'hunter2-Planted-Pw-9Xq';
const EXEC_WORDS = randomMnemonic(24).join(' ');
const ENV_WORDS = randomMnemonic(12).join(' ');

/** The reviewer's leakcheck rule: every 8-character slice of a key or password, every 3 adjacent mnemonic words. */
function assertNothingPlanted(text: string, where: string) {
  const lower = text.toLowerCase();
  const slices: string[] = [];
  for (const secret of [EXEC_KEY, ENV_KEY, PASSWORD])
    for (let i = 0; i + 8 <= secret.length; i++) slices.push(secret.slice(i, i + 8).toLowerCase());
  for (const words of [EXEC_WORDS, ENV_WORDS].map((phrase) => phrase.split(' ')))
    for (let i = 0; i + 3 <= words.length; i++) slices.push(words.slice(i, i + 3).join(' '));
  for (const slice of slices)
    assert.ok(!lower.includes(slice), `${where} holds "${slice}", a slice of a planted secret`);
}

describe('secrets on a unit command line and in its environment', async () => {
  const fixture = await materialiseFiles({
    ...BASE_USERS,
    [SIGNER_CONFIG_PATH]: { content: signerToml(), mode: 0o600, uid: 990, gid: 990 },
    'etc/systemd/system/stacks-signer.service': [
      '[Unit]',
      'Description=stacks signer',
      '',
      '[Service]',
      `ExecStart=/usr/local/bin/stacks-signer run --config /${SIGNER_CONFIG_PATH} --key 0x${EXEC_KEY} --password ${PASSWORD} --words "${EXEC_WORDS}"`,
      'User=stacks-signer',
      `Environment=SIGNER_KEY=${ENV_KEY}`,
      `Environment="RECOVERY=${ENV_WORDS}"`,
      `Environment=OPTS=--password=${PASSWORD}`,
      '',
    ].join('\n'),
  });
  after(() => fixture.cleanup());

  for (const format of ['text', 'json']) {
    test(`audit --format ${format} reports them without any of their characters`, () => {
      const run = runCli(['audit', '--root', fixture.root, '--format', format, '--fail-on', 'none', '--no-color']);
      assert.ok(run.code === 0 || run.code === 2, run.stderr);
      assertNothingPlanted(run.stdout, `audit --format ${format}`);
      assertNothingPlanted(run.stderr, `audit --format ${format} stderr`);
      // Text wraps lines; the evidence is compared in one piece.
      assert.match(
        run.stdout.replace(/\s+/g, ' '),
        /ExecStart=\/usr\/local\/bin\/stacks-signer run --config \/etc\/stacks\/signer\/signer-config\.toml …/,
      );
    });
  }

  test('the mnemonic in Environment= is found without a secret-sounding name', () => {
    const run = runCli(['audit', '--root', fixture.root, '--format', 'json', '--only', 'keys/secrets-in-environment']);
    assert.match(
      run.stdout,
      /RECOVERY: its value is a 12-word BIP-39 mnemonic \(fingerprint [0-9a-f]{8}\)|RECOVERY[^"]*12-word BIP-39 mnemonic/,
    );
    assertNothingPlanted(run.stdout, 'keys/secrets-in-environment');
  });
});
