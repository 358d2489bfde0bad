import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseNodeConfig } from '../../src/parsers/node-config.js';

// stacks-core:sample/conf/mainnet-signer.toml, trimmed (stacks-facts.md §2)
const SAMPLE = `[node]
rpc_bind = "0.0.0.0:20443"
p2p_bind = "0.0.0.0:20444"
prometheus_bind = "0.0.0.0:9153"
stacker = true
[burnchain]
mode = "mainnet"
peer_host = "127.0.0.1"
[[events_observer]]
endpoint = "127.0.0.1:30000"
events_keys = ["stackerdb", "block_proposal", "burn_blocks"]
[connection_options]
auth_token = ""
`;

describe('parseNodeConfig', () => {
  test('reads the mainnet signer sample', () => {
    const parsed = parseNodeConfig(SAMPLE);
    assert.ok(parsed.ok);
    const { config } = parsed;
    assert.equal(config.node.rpcBind, '0.0.0.0:20443');
    assert.equal(config.node.p2pBind, '0.0.0.0:20444');
    assert.equal(config.node.prometheusBind, '0.0.0.0:9153');
    assert.equal(config.node.stacker, true);
    assert.equal(config.burnchain.mode, 'mainnet');
    assert.equal(config.burnchain.peerHost, '127.0.0.1');
    assert.equal(config.connectionOptions.authToken, '');
    assert.deepEqual(config.sections, ['node', 'burnchain', 'events_observer', 'connection_options']);
    assert.deepEqual(parsed.observers, [
      { endpoint: '127.0.0.1:30000', line: 10, eventsKeys: ['stackerdb', 'block_proposal', 'burn_blocks'] },
    ]);
    assert.deepEqual(parsed.unknownKeys, []);
    assert.deepEqual(parsed.invalidValues, []);
    assert.equal(parsed.lineOf('node', 'stacker'), 5);
    assert.equal(parsed.lineOf('connection_options', 'auth_token'), 13);
    assert.equal(parsed.lineOf('burnchain'), 6);
    assert.equal(parsed.lineOf('miner', 'mining_key'), undefined);
  });

  test('secrets, several observers, dotted keys and nested tables', () => {
    const parsed = parseNodeConfig(`node.seed = "aa"
node.local_peer_seed = "bb"
node.working_dir = "/var/lib/stacks"
[burnchain]
username = "stacks"
password = "foundation"
rpc_port = 8332
[[burnchain.epochs]]
epoch_name = "1.0"
start_height = 0
[miner]
mining_key = "cc"
[miner.block_rejection_timeout_steps]
"0" = 180
"10" = 90
[[events_observer]]
endpoint = "127.0.0.1:30000"
events_keys = ["stackerdb"]
[[events_observer]]
events_keys = ["*"]
timeout_ms = 1000
endpoint = "203.0.113.9:3700"
[fee_estimation]
disabled = true
[atlas]
attachments_max_size = 100
[[ustx_balance]]
address = "ST2QKZ4FKHAH1NQKYKYAYZPY440FEPK7GZ1R5HBP2"
amount = 1
`);
    assert.ok(parsed.ok);
    assert.equal(parsed.config.node.seed, 'aa');
    assert.equal(parsed.config.node.localPeerSeed, 'bb');
    assert.equal(parsed.config.burnchain.username, 'stacks');
    assert.equal(parsed.config.burnchain.password, 'foundation');
    assert.equal(parsed.config.burnchain.rpcPort, 8332);
    assert.equal(parsed.config.miner.miningKey, 'cc');
    assert.deepEqual(parsed.unknownKeys, []);
    assert.equal(parsed.lineOf('node', 'seed'), 1);
    assert.equal(parsed.lineOf('burnchain', 'epochs.start_height'), 10);
    assert.deepEqual(
      parsed.observers.map((o) => [o.endpoint, o.line]),
      [
        ['127.0.0.1:30000', 17],
        ['203.0.113.9:3700', 22],
      ],
    );
    assert.equal(parsed.config.eventsObservers[1]!.timeoutMs, 1000);
    assert.equal(parsed.lineOf('events_observer', 'timeout_ms', 1), 21);
    assert.equal(parsed.lineOf('node', 'working_dir'), 3);
  });

  test('unknown sections and keys, legacy block_proposal_token', () => {
    const parsed = parseNodeConfig(`[node]
rpc_bnd = "127.0.0.1:20443"
[connection_options]
block_proposal_token = "legacy"
[[events_observer]]
endpoint = "127.0.0.1:30000"
events_keys = ["stackerdb"]
retries = 3
[[burnchain.epochs]]
epoch_name = "1.0"
start = 0
[signer]
x = 1
stray = 2
`);
    assert.ok(parsed.ok);
    assert.equal(parsed.config.connectionOptions.blockProposalToken, 'legacy');
    assert.deepEqual(parsed.unknownKeys, [
      { section: 'node', key: 'rpc_bnd', line: 2, known: '[node]' },
      {
        section: 'connection_options',
        key: 'block_proposal_token',
        line: 4,
        note: 'renamed auth_token in 3.0; current nodes refuse to start with it',
        known: 'connection_options.block_proposal_token',
      },
      { section: 'events_observer', key: 'retries', line: 8, known: '[events_observer]' },
      { section: 'burnchain', key: 'epochs.start', line: 11, known: '[burnchain] epochs' },
      { section: 'signer', key: undefined, line: 12 },
    ]);
  });

  test('invalid values: wrong types, single-table observer, missing endpoint', () => {
    const single = parseNodeConfig(`[events_observer]\nendpoint = "127.0.0.1:30000"\nevents_keys = ["*"]\n`);
    assert.ok(single.ok);
    assert.deepEqual(single.invalidValues, [
      {
        section: 'events_observer',
        key: undefined,
        line: 1,
        expected: 'an array of tables written [[events_observer]]',
      },
    ]);
    const typed = parseNodeConfig(`[node]\nstacker = "true"\n[[events_observer]]\nevents_keys = "stackerdb"\n`);
    assert.ok(typed.ok);
    assert.deepEqual(
      typed.invalidValues.map((v) => [v.section, v.key, v.line]),
      [
        ['events_observer', 'endpoint', 3],
        ['events_observer', 'events_keys', 4],
        ['node', 'stacker', 2],
      ],
    );
    assert.deepEqual(typed.observers, []);
  });

  test('malformed TOML: position and no secret in the message', () => {
    const parsed = parseNodeConfig(`[burnchain]\nusername = "btc"\npassword = "hunter2-very-secret\n[node]\n`);
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.equal(parsed.error.line, 3);
    assert.ok(parsed.error.column !== undefined);
    assert.ok(!JSON.stringify(parsed.error).includes('hunter2'));
    const duplicate = parseNodeConfig(`[node]\nseed = "abc"\n[node]\n`);
    assert.ok(!duplicate.ok);
    assert.equal(duplicate.error.line, 3);
  });
});
