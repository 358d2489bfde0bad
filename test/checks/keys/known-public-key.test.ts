import assert from 'node:assert/strict';
import check from '../../../src/checks/keys/known-public-key.js';
import type { DetailedResult } from '../../../src/engine/runner.js';
import { runCheckCases } from '../../support/check-tester.js';
import {
  BASE_USERS,
  nodeConfigFile,
  nodeHost,
  SIGNER_CONFIG_PATH,
  signerHost,
  TEST_SIGNER_KEY,
} from '../../support/hosts.js';

// stacks-core:stacks-signer/src/tests/conf/signer-0.toml (published-secrets.json).
const SAMPLE_KEY = '6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01';
const SAMPLE_TESTNET = 'ST3FPN8KBZ3YPBP0ZJGAAHTVFMQDTJCR5QPS7VTNJ';
const SAMPLE_MAINNET = 'SP3FPN8KBZ3YPBP0ZJGAAHTVFMQDTJCR5QM8MNFKX';

function names(source: string, address: string) {
  return ({ result, items }: DetailedResult) => {
    const text = JSON.stringify({ result, items }).toLowerCase();
    assert.ok(!text.includes(SAMPLE_KEY.slice(0, 64)), 'the key itself must never appear');
    assert.ok(result.message.includes(source), result.message);
    assert.ok(result.message.includes(address), result.message);
  };
}

runCheckCases(check, {
  pass: [
    { name: 'freshly generated signer key', files: signerHost(), messages: ['unpublished'] },
    {
      name: 'signer and node keys unpublished',
      files: signerHost(
        {},
        nodeConfigFile({ node: { seed: TEST_SIGNER_KEY.slice(0, 64) }, miner: { mining_key: TEST_SIGNER_KEY } }),
      ),
      messages: ['unpublished'],
      verify: ({ result }) => assert.match(result.message, /mining_key/),
    },
  ],
  fail: [
    {
      name: 'sample signer key on testnet',
      files: signerHost({ stacks_private_key: SAMPLE_KEY, network: 'testnet' }),
      messages: ['published'],
      verify: names('signer-0.toml', SAMPLE_TESTNET),
    },
    {
      name: 'sample key, 64 hex, upper case',
      files: signerHost({ stacks_private_key: SAMPLE_KEY.slice(0, 64).toUpperCase() }),
      messages: ['published'],
      verify: names('signer-0.toml', SAMPLE_MAINNET),
    },
    {
      name: 'sample key as the node seed with 0x',
      files: signerHost({}, nodeConfigFile({ node: { seed: `0x${SAMPLE_KEY}` } })),
      messages: ['published'],
      verify: ({ result }) => assert.match(result.message, /node \[node\] seed/),
    },
    {
      name: 'sample key as the mining key, node only',
      files: nodeHost({ miner: { mining_key: SAMPLE_KEY } }),
      messages: ['published'],
      verify: ({ result }) => assert.match(result.message, /mining_key/),
    },
  ],
  notApplicable: [
    { name: 'nothing found', files: BASE_USERS },
    { name: 'no key anywhere', files: signerHost({ stacks_private_key: undefined }), messages: ['noKeys'] },
  ],
  error: [
    {
      name: 'signer config does not parse',
      files: { ...BASE_USERS, [SIGNER_CONFIG_PATH]: `stacks_private_key = "${SAMPLE_KEY}\n` },
    },
  ],
});
