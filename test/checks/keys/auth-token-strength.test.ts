import assert from 'node:assert/strict';
import check from '../../../src/checks/keys/auth-token-strength.js';
import type { DetailedResult } from '../../../src/engine/runner.js';
import { fingerprint } from '../../../src/stacks/fingerprint.js';
import { runCheckCases } from '../../support/check-tester.js';
import {
  BASE_USERS,
  nodeConfigFile,
  SIGNER_CONFIG_PATH,
  signerHost,
  signerToml,
  TEST_AUTH_TOKEN,
} from '../../support/hosts.js';

const OTHER_TOKEN = 'b7e1c0a94f3d2e6a8c5b1f0d9e7a3c24';

function revealsNothing(...tokens: string[]) {
  return ({ result, items }: DetailedResult) => {
    const text = JSON.stringify({ result, items });
    for (const token of tokens) {
      assert.ok(!text.includes(token), 'a token must never appear');
      assert.ok(!text.includes(fingerprint(token)), 'nor its fingerprint');
    }
  };
}

runCheckCases(check, {
  pass: [
    {
      name: 'strong token, no node',
      files: signerHost(),
      messages: ['strong'],
      verify: revealsNothing(TEST_AUTH_TOKEN),
    },
    {
      name: 'strong token equal to the node auth_token',
      files: signerHost({}, nodeConfigFile()),
      messages: ['strong', 'matches'],
    },
    {
      name: 'legacy block_proposal_token equal',
      files: signerHost({}, nodeConfigFile({ connection_options: { block_proposal_token: TEST_AUTH_TOKEN } })),
      messages: ['matches'],
      verify: ({ result }) => assert.ok(result.evidence.some((item) => /pre-3\.0/.test(item.detail))),
    },
  ],
  fail: [
    { name: 'missing', files: signerHost({ auth_password: undefined }), messages: ['missing'] },
    { name: 'empty', files: signerHost({ auth_password: '' }), messages: ['empty'] },
    { name: 'published sample 12345', files: signerHost({ auth_password: '12345' }), messages: ['published'] },
    { name: 'placeholder', files: signerHost({ auth_password: '<YOUR_AUTH_PASSWORD>' }), messages: ['published'] },
    { name: 'short', files: signerHost({ auth_password: 'k3J9x!q2' }), messages: ['weak'] },
    {
      name: 'long but repetitive',
      files: signerHost({ auth_password: 'passwordpassword2024' }),
      messages: ['weak'],
      verify: revealsNothing('passwordpassword2024'),
    },
    {
      name: 'differs from the node auth_token',
      files: signerHost({}, nodeConfigFile({ connection_options: { auth_token: OTHER_TOKEN } })),
      messages: ['mismatch'],
      verify: revealsNothing(TEST_AUTH_TOKEN, OTHER_TOKEN),
    },
    {
      name: 'node auth_token empty',
      files: signerHost({}, nodeConfigFile({ connection_options: { auth_token: '' } })),
      messages: ['mismatch'],
    },
    {
      name: 'not a string',
      files: {
        ...BASE_USERS,
        [SIGNER_CONFIG_PATH]: `${signerToml({ auth_password: undefined })}auth_password = 12345\n`,
      },
      messages: ['notString'],
    },
  ],
  warn: [
    {
      name: 'node sets no auth_token',
      files: signerHost({}, nodeConfigFile({ connection_options: undefined })),
      messages: ['nodeTokenMissing'],
    },
  ],
  notApplicable: [{ name: 'no signer', files: BASE_USERS }],
  error: [{ name: 'malformed TOML', files: { [SIGNER_CONFIG_PATH]: 'auth_password = "x\n' } }],
});
