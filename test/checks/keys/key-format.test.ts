import assert from 'node:assert/strict';
import check from '../../../src/checks/keys/key-format.js';
import type { DetailedResult } from '../../../src/engine/runner.js';
import { runCheckCases } from '../../support/check-tester.js';
import { BASE_USERS, SIGNER_CONFIG_PATH, signerHost, signerToml } from '../../support/hosts.js';

// stacks-facts.md §8 test vector: the signer compresses, also for a 64-hex key.
const VECTOR_KEY = '2de4e77aab89c0c2570bb8bb90824f5cf2a5204a975905fee450ff9dad0fcf28';
const VECTOR_MAINNET = 'SP1286C62P3TAWVQV2VM2CEGTRBQZSZ6MHMS9RW05';
/** `${NAME}`, as a template would leave it. */
const braced = (name: string) => `\${${name}}`;

function revealsNothing(key: string) {
  return ({ result, items }: DetailedResult) => {
    const text = JSON.stringify({ result, items }).toLowerCase();
    assert.ok(!text.includes(key.slice(0, 64).toLowerCase()), 'the private key must not appear in the result');
  };
}

function hasAddress(address: string, key: string) {
  return (detailed: DetailedResult) => {
    revealsNothing(key)(detailed);
    assert.ok(detailed.result.message.includes(address), detailed.result.message);
    assert.ok(detailed.result.evidence.some((item) => item.detail.includes(address)));
  };
}

const rawConfig = (line: string) => ({
  ...BASE_USERS,
  [SIGNER_CONFIG_PATH]: { content: `${signerToml({ stacks_private_key: undefined })}${line}\n`, mode: 0o600 },
});

runCheckCases(check, {
  pass: [
    {
      name: '64 hex',
      files: signerHost({ stacks_private_key: VECTOR_KEY }),
      messages: ['valid'],
      verify: hasAddress(VECTOR_MAINNET, VECTOR_KEY),
    },
    {
      name: '66 hex ending in 01',
      files: signerHost({ stacks_private_key: `${VECTOR_KEY}01` }),
      messages: ['valid'],
      verify: hasAddress(VECTOR_MAINNET, VECTOR_KEY),
    },
    {
      name: 'upper case',
      files: signerHost({ stacks_private_key: VECTOR_KEY.toUpperCase() }),
      messages: ['valid'],
      verify: hasAddress(VECTOR_MAINNET, VECTOR_KEY),
    },
    {
      name: 'testnet address',
      files: signerHost({ stacks_private_key: VECTOR_KEY, network: 'testnet' }),
      messages: ['valid'],
      verify: (detailed) => {
        revealsNothing(VECTOR_KEY)(detailed);
        assert.match(detailed.result.message, /address ST/);
        assert.equal(
          (detailed.result.data?.addresses as Record<string, string> | undefined)?.testnet?.slice(0, 2),
          'ST',
        );
      },
    },
    {
      name: 'network unset gives both addresses',
      files: signerHost({ stacks_private_key: VECTOR_KEY, network: undefined }),
      messages: ['valid'],
      verify: (detailed) => {
        assert.ok(detailed.result.message.includes(`${VECTOR_MAINNET} (mainnet)`));
        assert.match(detailed.result.message, /ST\w+ \(testnet\)/);
      },
    },
  ],
  fail: [
    { name: 'missing', files: signerHost({ stacks_private_key: undefined }), messages: ['missing'] },
    {
      name: 'angle placeholder',
      files: signerHost({ stacks_private_key: '<YOUR_SIGNER_PRIVATE_KEY_HEX>' }),
      messages: ['placeholder'],
    },
    {
      name: 'dollar placeholder',
      files: signerHost({ stacks_private_key: '$your_stacks_private_key' }),
      messages: ['placeholder'],
    },
    {
      name: 'braced variable',
      files: signerHost({ stacks_private_key: braced('SIGNER_PRIVATE_KEY') }),
      messages: ['placeholder'],
    },
    {
      name: '0x prefix',
      files: signerHost({ stacks_private_key: `0x${VECTOR_KEY}` }),
      messages: ['invalid'],
      verify: revealsNothing(VECTOR_KEY),
    },
    {
      name: '66 hex not ending in 01',
      files: signerHost({ stacks_private_key: `${VECTOR_KEY}02` }),
      messages: ['invalid'],
      verify: revealsNothing(VECTOR_KEY),
    },
    { name: 'too short', files: signerHost({ stacks_private_key: VECTOR_KEY.slice(1) }), messages: ['invalid'] },
    { name: 'zero', files: signerHost({ stacks_private_key: '0'.repeat(64) }), messages: ['invalid'] },
    { name: 'above the curve order', files: signerHost({ stacks_private_key: 'f'.repeat(64) }), messages: ['invalid'] },
    { name: 'not a string', files: rawConfig('stacks_private_key = 42'), messages: ['notString'] },
  ],
  notApplicable: [{ name: 'no signer', files: BASE_USERS }],
  error: [{ name: 'malformed TOML', files: { [SIGNER_CONFIG_PATH]: 'stacks_private_key = "abc\n' } }],
});
