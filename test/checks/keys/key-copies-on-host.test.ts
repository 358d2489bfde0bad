import assert from 'node:assert/strict';
import check from '../../../src/checks/keys/key-copies-on-host.js';
import { runCheckCases } from '../../support/check-tester.js';
import { SIGNER_CONFIG_PATH, signerHost, signerToml, TEST_SIGNER_KEY } from '../../support/hosts.js';

const KEY_HEX = TEST_SIGNER_KEY.slice(0, 64);
const KEY_BYTES = Buffer.from(KEY_HEX, 'hex');

runCheckCases(check, {
  pass: [
    { name: 'only the config holds the key', files: signerHost(), messages: ['none'] },
    {
      name: 'other keys and hashes elsewhere are not copies',
      files: signerHost(
        {},
        {
          'root/.bash_history': `sha256sum ${'ab'.repeat(32)}\n`,
          'etc/other.toml':
            'stacks_private_key = "6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01"\n',
        },
      ),
      messages: ['none'],
    },
    {
      name: 'the discovered config is a symlink: its real file is the config, not a copy',
      files: signerHost(
        {},
        {
          [SIGNER_CONFIG_PATH]: { symlink: '../../../srv/signer/signer-config.toml' },
          'srv/signer/signer-config.toml': { content: signerToml(), mode: 0o600, uid: 990, gid: 990 },
        },
      ),
      messages: ['none'],
    },
    {
      name: 'container and package stores and chain data are not walked',
      files: signerHost(
        {},
        {
          'var/lib/docker/overlay2/abc/diff/k': `${TEST_SIGNER_KEY}\n`,
          'var/cache/apt/archives/k': `${TEST_SIGNER_KEY}\n`,
          'var/lib/stacks-node/chainstate/k': `${TEST_SIGNER_KEY}\n`,
        },
      ),
      messages: ['none'],
    },
  ],
  fail: [
    {
      name: 'backups, service state, local configs and caches',
      files: signerHost(
        {},
        {
          'var/backups/signer-config.toml.1': { content: `stacks_private_key = "${TEST_SIGNER_KEY}"\n`, mode: 0o600 },
          'var/lib/deploy/state.json': { content: `{"key": "${KEY_HEX}"}\n`, mode: 0o600 },
          'usr/local/etc/signer.env': { content: `KEY=${KEY_HEX}\n`, mode: 0o600 },
          'var/cache/deploy/k': { content: `${KEY_HEX}\n`, mode: 0o600 },
        },
      ),
      messages: ['copies'],
      verify: ({ result }) => {
        const evidence = JSON.stringify(result.evidence);
        for (const file of ['var/backups/', 'var/lib/deploy/', 'usr/local/etc/', 'var/cache/deploy/'])
          assert.ok(evidence.includes(file), `${file} not reported`);
      },
    },
    {
      name: 'a Kubernetes secret: base64 of the hex text',
      files: signerHost(
        {},
        {
          'srv/k8s/signer-secret.yaml': `apiVersion: v1\nkind: Secret\ndata:\n  key: ${Buffer.from(`${TEST_SIGNER_KEY}\n`).toString('base64')}\n`,
        },
      ),
      messages: ['copies'],
    },
    {
      name: 'shell history of root (pasted on a command line)',
      files: signerHost({}, { 'root/.bash_history': { content: `echo ${TEST_SIGNER_KEY} > /tmp/k\n`, mode: 0o600 } }),
      messages: ['copies'],
      verify: ({ result }) => {
        // Only root can read it: still a copy, but high rather than critical.
        assert.equal(result.severity, 'high');
        assert.ok(!JSON.stringify(result).includes(TEST_SIGNER_KEY.slice(0, 64)));
      },
    },
    {
      name: 'editor backup beside the config, in upper case with 0x',
      files: signerHost(
        {},
        {
          [`${SIGNER_CONFIG_PATH}.bak`]: {
            content: `stacks_private_key = "0x${KEY_HEX.toUpperCase()}"\n`,
            mode: 0o600,
          },
        },
      ),
      messages: ['copies'],
    },
    {
      name: 'editor tilde backup',
      files: signerHost({}, { [`${SIGNER_CONFIG_PATH}~`]: `stacks_private_key = "${TEST_SIGNER_KEY}"\n` }),
      messages: ['copies'],
    },
    {
      name: 'vim swap file (binary)',
      files: signerHost(
        {},
        {
          'etc/stacks/signer/.signer-config.toml.swp': Buffer.concat([
            Buffer.from('b0VIM 9.0\0\0\0'),
            Buffer.from(TEST_SIGNER_KEY),
          ]),
        },
      ),
      messages: ['copies'],
    },
    {
      name: 'compose .env copy under /opt',
      files: signerHost(
        {},
        { 'opt/stacks-blockchain-docker/.env': { content: `SIGNER_PRIVATE_KEY=${TEST_SIGNER_KEY}\n`, mode: 0o644 } },
      ),
      messages: ['copies'],
      verify: ({ result }) => {
        assert.equal(result.severity, 'critical');
        assert.match(JSON.stringify(result.evidence), /\.env.*readable by all users/);
      },
    },
    {
      name: "a login user's home, as base64",
      files: signerHost({}, { 'home/alice/deploy/key.b64': `${KEY_BYTES.toString('base64')}\n` }),
      messages: ['copies'],
    },
    {
      name: 'temp, var/tmp and log copies',
      files: signerHost(
        {},
        {
          'tmp/k': `${TEST_SIGNER_KEY}\n`,
          'var/tmp/signer.toml': `stacks_private_key = "${TEST_SIGNER_KEY}"\n`,
          'var/log/deploy.log': `applying key ${KEY_HEX}\n`,
        },
      ),
      messages: ['copies'],
    },
    {
      name: 'the service user home outside /home',
      files: signerHost(
        {},
        { 'var/lib/stacks-signer/old-config.toml': { content: `k = "${KEY_HEX}"\n`, mode: 0o600, uid: 990 } },
      ),
      messages: ['copies'],
    },
  ],
  notApplicable: [
    { name: 'no signer', files: {} },
    { name: 'no valid key in the config', files: signerHost({ stacks_private_key: '<YOUR_SIGNER_PRIVATE_KEY_HEX>' }) },
  ],
  error: [{ name: 'malformed TOML', files: { [SIGNER_CONFIG_PATH]: 'stacks_private_key = "unterminated\n' } }],
});
