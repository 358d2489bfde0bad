import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { formatters } from '../../src/report/index.js';
import { runCli } from '../support/cli.js';
import { BASE_USERS } from '../support/hosts.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

// Every output of the tool, in every format and on every path (including errors), is searched for the planted
// secrets. A secret counts as leaked in any case and with or without its 01 suffix.

const SIGNER_KEY = 'c0ffee5e1f2e3d4c5b6a79880716253443526170f9e8d7c6b5a4938271605f4e01';
const NODE_SEED = 'b1ab1ab1ab1ab1ab1ab1ab1ab1ab1ab1ab1ab1ab1ab1ab1ab1ab1ab1ab1ab1ab1';
const MINING_KEY = '5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed01';
const AUTH_TOKEN = 'planted-token-Zq8Xv2Lk9Wm4Rt7Yp3';
const NODE_TOKEN = 'other-node-token-Hh5Jj6Kk7Ll8Mm9Nn';
const BITCOIND_PASSWORD = 'bitcoind-pass-Qw3Er4Ty5Ui6Op7';
const ENV_KEY = 'f00df00df00df00df00df00df00df00df00df00df00df00df00df00df00df00d';
/** Written only where a name goes (a TOML key or section, an sshd Match pattern): no value masking can catch these. */
const KEY_NAME = 'PlantedKeyNameQz7Wx8Ec9';
const NODE_KEY_NAME = 'PlantedNodeKeyRv4Tb5Yn6';
const SECTION_NAME = 'PlantedSectionUm1Io2Pl3';
const MATCH_PATTERN = 'PlantedMatchUserAs4Df5Gh6';

const SECRETS = [
  SIGNER_KEY,
  NODE_SEED,
  MINING_KEY,
  AUTH_TOKEN,
  NODE_TOKEN,
  BITCOIND_PASSWORD,
  ENV_KEY,
  KEY_NAME,
  NODE_KEY_NAME,
  SECTION_NAME,
  MATCH_PATTERN,
];

function leakForms(secret: string): string[] {
  const forms = new Set([secret, secret.toLowerCase(), secret.toUpperCase()]);
  if (/^[0-9a-f]{64}(01)?$/i.test(secret)) {
    forms.add(secret.slice(0, 64).toLowerCase());
    forms.add(secret.slice(0, 64).toUpperCase());
  }
  return [...forms];
}

export function assertNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) {
    for (const form of leakForms(secret)) {
      assert.ok(!text.includes(form), `${where} contains a planted secret (${secret.slice(0, 4)}…)`);
    }
  }
}

const PLANTED: FileSpec = {
  ...BASE_USERS,
  'etc/stacks/signer/signer-config.toml': {
    content: [
      `stacks_private_key = "${SIGNER_KEY}"`,
      'node_host = "203.0.113.9:20443"',
      'endpoint = "0.0.0.0:30000"',
      'network = "mainnet"',
      `auth_password = "${AUTH_TOKEN}"`,
      'db_path = "/var/lib/stacks-signer/signer.sqlite"',
      `stacks_privat_key = "${SIGNER_KEY}"`,
      `${KEY_NAME} = 1`,
      '',
    ].join('\n'),
    mode: 0o644,
    uid: 0,
    gid: 0,
  },
  'etc/stacks/node/node-config.toml': {
    content: [
      '[node]',
      `seed = "${NODE_SEED}"`,
      'rpc_bind = "0.0.0.0:20443"',
      '[miner]',
      `mining_key = "${MINING_KEY}"`,
      '[burnchain]',
      'username = "btc"',
      `password = "${BITCOIND_PASSWORD}"`,
      '[connection_options]',
      `auth_token = "${NODE_TOKEN}"`,
      `${NODE_KEY_NAME} = true`,
      `[${SECTION_NAME}]`,
      'x = 1',
      '',
    ].join('\n'),
    mode: 0o644,
  },
  // The drop-in directory is read first: harden adds a drop-in and leaves this file (no diff of it in the plan).
  'etc/ssh/sshd_config': [
    'Include /etc/ssh/sshd_config.d/*.conf',
    'PasswordAuthentication no',
    'PermitRootLogin no',
    `Match User ${MATCH_PATTERN},admin Address 10.0.0.0/8`,
    '  PasswordAuthentication yes',
    '  PermitRootLogin yes',
    `  AuthorizedKeysFile /etc/ssh/keys/${MATCH_PATTERN}`,
    '',
  ].join('\n'),
  'usr/sbin/sshd': { content: '', mode: 0o755 },
  'etc/systemd/system/stacks-signer.service': [
    '[Service]',
    'ExecStart=/usr/local/bin/stacks-signer run --config /etc/stacks/signer/signer-config.toml',
    `Environment=SIGNER_PRIVATE_KEY=${ENV_KEY} AUTH_TOKEN=${AUTH_TOKEN}`,
    '',
  ].join('\n'),
};

/** The same secrets on the line a TOML parser complains about: error paths must not quote it. */
const MALFORMED: FileSpec = {
  ...BASE_USERS,
  'etc/stacks/signer/signer-config.toml': `stacks_private_key = "${SIGNER_KEY}" garbage\nauth_password = "${AUTH_TOKEN}\n`,
  'etc/stacks/node/node-config.toml': `[node]\nseed = ${NODE_SEED}\n[connection_options]\nauth_token = "${NODE_TOKEN}\n`,
};

describe('no output contains a secret', () => {
  const roots: { name: string; root: string; cleanup(): void | Promise<void> }[] = [];
  before(async () => {
    for (const [name, files] of [
      ['planted', PLANTED],
      ['malformed', MALFORMED],
    ] as const) {
      const fixture = await materialiseFiles(files);
      roots.push({ name, ...fixture });
    }
  });
  after(async () => {
    for (const root of roots) await root.cleanup();
  });

  for (const format of Object.keys(formatters)) {
    for (const color of ['--color', '--no-color']) {
      test(`audit --format ${format} ${color}`, () => {
        for (const { name, root } of roots) {
          const run = runCli(['audit', '--root', root, '--format', format, color, '--fail-on', 'none']);
          assert.ok(run.stdout.length > 0, `${name}: the report is not empty`);
          assertNoSecret(run.stdout, `${name} ${format} stdout`);
          assertNoSecret(run.stderr, `${name} ${format} stderr`);
        }
      });
    }
  }

  test('harden plan (text and json): no planted secret, and the names it withholds are still placed', () => {
    const { root } = roots[0]!;
    for (const format of ['text', 'json']) {
      const run = runCli(['harden', 'plan', '--root', root, '--format', format]);
      assert.ok(run.stdout.length > 0, `harden plan ${format}: a plan`);
      assertNoSecret(run.stdout, `harden plan ${format} stdout`);
      assertNoSecret(run.stderr, `harden plan ${format} stderr`);
    }
    const audit = runCli(['audit', '--root', root, '--format', 'json', '--fail-on', 'none']);
    assert.match(audit.stdout, /signer-config\.toml:8: unknown key or section \(name not shown\)/);
    assert.match(audit.stdout, /node-config\.toml:11: unknown key in \[connection_options\] \(name not shown\)/);
    assert.match(audit.stdout, /Match User, Address at \/etc\/ssh\/sshd_config:4/);
  });

  test('a waivers file quoting a secret: not echoed by any format, nor by its error', () => {
    const { root } = roots[0]!;
    const waivers = `${root}/waivers.yml`;
    writeFileSync(waivers, `ssh/root-login:\n  justification: "the key ${SIGNER_KEY} is rotated"\n`);
    for (const format of Object.keys(formatters)) {
      const run = runCli(['audit', '--root', root, '--format', format, '--fail-on', 'none', '--waivers', waivers]);
      assert.equal(run.code, 0, run.stderr);
      assertNoSecret(run.stdout, `waived ${format} stdout`);
    }
    writeFileSync(waivers, `${SIGNER_KEY}:\n  justification: oops\n`);
    const bad = runCli(['audit', '--root', root, '--waivers', waivers]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /waivers\.yml:1: /);
    assertNoSecret(bad.stderr, 'waivers error');
  });

  test('--output file and the JSON fields carry fingerprints, not values', () => {
    const { root } = roots[0]!;
    const output = `${root}/report.json`;
    const run = runCli(['audit', '--root', root, '--format', 'json', '--output', output]);
    assert.equal(run.stdout, '');
    const text = readFileSync(output, 'utf8');
    assertNoSecret(text, 'report file');
    const report = JSON.parse(text) as { results: { id: string; status: string }[] };
    assert.ok(
      report.results.some((result) => result.status === 'fail'),
      'the planted host fails controls',
    );
  });
});
