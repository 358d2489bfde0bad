import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSignerConfig } from '../../src/parsers/signer-config.js';

// stacks-core:stacks-signer/src/tests/conf/signer-0.toml (stacks-facts.md §1)
const SAMPLE = `stacks_private_key = "6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01"
node_host = "127.0.0.1:20443"
endpoint = "[::1]:30000"
network = "testnet"
auth_password = "12345"
db_path = ":memory:"
metrics_endpoint = "0.0.0.0:9090"
`;

describe('parseSignerConfig', () => {
  test('reads the stacks-core sample', () => {
    const parsed = parseSignerConfig(SAMPLE);
    assert.ok(parsed.ok);
    const { config } = parsed;
    assert.equal(config.stacksPrivateKey, '6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01');
    assert.equal(config.nodeHost, '127.0.0.1:20443');
    assert.equal(config.endpoint, '[::1]:30000');
    assert.equal(config.network, 'testnet');
    assert.equal(config.authPassword, '12345');
    assert.equal(config.dbPath, ':memory:');
    assert.equal(config.metricsEndpoint, '0.0.0.0:9090');
    assert.deepEqual(parsed.unknownKeys, []);
    assert.deepEqual(parsed.invalidValues, []);
    assert.deepEqual(parsed.missingRequired, []);
    assert.equal(parsed.lineOf('stacks_private_key'), 1);
    assert.equal(parsed.lineOf('metrics_endpoint'), 7);
    assert.equal(parsed.lineOf('nope'), undefined);
  });

  test('reads the mainnet docs example with timeouts', () => {
    const parsed = parseSignerConfig(`# signer
stacks_private_key = "2de4e77aab89c0c2570bb8bb90824f5cf2a5204a975905fee450ff9dad0fcf28"
node_host = "127.0.0.1:20443"
endpoint = "127.0.0.1:30000"
network = "mainnet"
auth_password = "a-long-token"
db_path = "/var/stacks/signer.sqlite"
metrics_endpoint = "127.0.0.1:9154"
block_proposal_timeout_ms = 120_000
dry_run = false
chain_id = 0x00000001
`);
    assert.ok(parsed.ok);
    assert.equal(parsed.config.network, 'mainnet');
    assert.equal(parsed.config.blockProposalTimeoutMs, 120000);
    assert.equal(parsed.config.dryRun, false);
    assert.equal(parsed.config.chainId, 1);
    assert.deepEqual(parsed.unknownKeys, []);
  });

  test('reports unknown keys, removed 2.5 keys, sections and their lines', () => {
    const parsed = parseSignerConfig(`${SAMPLE}nod_host = "x"
tx_fee_ustx = 10000
dkg_end_timeout_ms = 1
[extra]
a = 1
`);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.unknownKeys, [
      { key: 'nod_host', line: 8 },
      { key: 'tx_fee_ustx', line: 9, note: 'removed in 3.0', known: true },
      { key: 'dkg_end_timeout_ms', line: 10, note: 'removed in 3.0', known: true },
      { key: 'extra', line: 11, note: 'the signer config has no sections' },
    ]);
  });

  test('reports wrong types and missing required keys without values', () => {
    const parsed = parseSignerConfig(`network = "devnet"
event_timeout_ms = "5000"
dry_run = 1
stacks_private_key = 42
`);
    assert.ok(parsed.ok);
    assert.equal(parsed.config.network, undefined);
    assert.equal(parsed.config.stacksPrivateKey, undefined);
    assert.deepEqual(
      parsed.invalidValues.map((v) => [v.key, v.line]),
      [
        ['stacks_private_key', 4],
        ['network', 1],
        ['event_timeout_ms', 2],
        ['dry_run', 3],
      ],
    );
    assert.ok(!JSON.stringify(parsed.invalidValues).includes('devnet'));
    assert.deepEqual(parsed.missingRequired, ['node_host', 'endpoint', 'auth_password', 'db_path']);
  });

  test('malformed TOML: line and column, and no secret in the message', () => {
    const key = '6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01';
    const cases = [
      `node_host = "127.0.0.1:20443"\nstacks_private_key = "${key}\nnetwork = "testnet"\n`,
      `stacks_private_key = ${key}\n`,
      `auth_password = "my secret token"\nauth_password = "my secret token"\n`,
    ];
    for (const text of cases) {
      const parsed = parseSignerConfig(text);
      assert.equal(parsed.ok, false);
      if (parsed.ok) continue;
      assert.ok(parsed.error.line !== undefined && parsed.error.line >= 1);
      assert.ok(parsed.error.column !== undefined && parsed.error.column >= 1);
      assert.match(parsed.error.message, /^invalid TOML: /);
      const serialized = JSON.stringify(parsed.error);
      assert.ok(!serialized.includes(key.slice(0, 16)), serialized);
      assert.ok(!serialized.includes('secret token'), serialized);
      assert.ok(!serialized.includes('\n'));
    }
    const unterminated = parseSignerConfig(cases[0]!);
    assert.ok(!unterminated.ok);
    assert.equal(unterminated.error.line, 2);
  });
});
