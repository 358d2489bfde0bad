import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import check from '../../../src/checks/keys/secrets-in-environment.js';
import { AuditContext } from '../../../src/engine/context.js';
import { type DetailedResult, runCheckDetailed } from '../../../src/engine/runner.js';
import { DirectoryTarget } from '../../../src/target/directory-target.js';
import { runCheckCases } from '../../support/check-tester.js';
import {
  BASE_USERS,
  composeHost,
  nodeHost,
  SIGNER_CONFIG_PATH,
  serviceUnit,
  signerHost,
  signerToml,
  TEST_AUTH_TOKEN,
  TEST_SIGNER_KEY,
} from '../../support/hosts.js';
import { type FileSpec, materialiseFiles } from '../../support/materialise.js';

const KEY_SHAPED = `0x${'5a'.repeat(32)}`;
/** `${NAME}`, as compose and templates write it. */
const braced = (name: string) => `\${${name}}`;

function revealsNothing(...secrets: string[]) {
  return ({ result, items }: DetailedResult) => {
    const text = JSON.stringify({ result, items }).toLowerCase();
    for (const secret of secrets)
      assert.ok(!text.includes(secret.replace(/^0x/, '').slice(0, 64).toLowerCase()), 'a secret must never appear');
  };
}

const signerCompose = (lines: string[], extra: FileSpec = {}): FileSpec => ({
  ...BASE_USERS,
  'opt/signer/compose.yml': [
    'services:',
    '  signer:',
    '    image: ghcr.io/stacks-network/stacks-signer:4.0.2',
    '    volumes:',
    '      - ./signer.toml:/signer-config.toml:ro',
    ...lines,
    '',
  ].join('\n'),
  'opt/signer/signer.toml': { content: signerToml(), mode: 0o600, uid: 990, gid: 990 },
  ...extra,
});

runCheckCases(check, {
  error: [
    {
      // Fail closed (issue 18): an unread EnvironmentFile was evidence only, and the control passed.
      name: 'an EnvironmentFile that cannot be read (a directory)',
      files: signerHost(
        {},
        {
          ...serviceUnit('signer', ['EnvironmentFile=/etc/stacks/signer/env']),
          'etc/stacks/signer/env': { dir: true },
        },
      ),
      messages: ['unreadableFile'],
      verify: ({ result }) => assert.match(result.message, /\/etc\/stacks\/signer\/env could not be read/),
    },
  ],
  pass: [
    {
      name: 'unit without environment',
      files: signerHost({}, serviceUnit('signer')),
      messages: ['clean'],
      verify: ({ result }) =>
        assert.ok(result.evidence.some((item) => /not evaluable on an offline target/.test(item.detail))),
    },
    {
      name: 'secret in a 0600 EnvironmentFile',
      files: signerHost(
        {},
        {
          ...serviceUnit('signer', ['EnvironmentFile=/etc/stacks/signer/env']),
          'etc/stacks/signer/env': {
            content: `SIGNER_PRIVATE_KEY=${TEST_SIGNER_KEY}\n`,
            mode: 0o600,
            uid: 990,
            gid: 990,
          },
        },
      ),
      messages: ['clean'],
      verify: revealsNothing(TEST_SIGNER_KEY),
    },
    {
      name: 'flags, file references and placeholders are not secrets',
      files: signerHost(
        {},
        serviceUnit('signer', [
          'Environment=RUST_LOG=info STACKS_AUTH_ENABLED=1 AUTH_TOKEN_FILE=/run/credentials/token',
          `Environment="API_TOKEN=${braced('TOKEN')}" SECRET=`,
        ]),
      ),
      messages: ['clean'],
    },
    {
      name: 'compose with a 0600 .env only used for interpolation',
      files: signerCompose([], {
        'opt/signer/.env': { content: `SIGNER_PRIVATE_KEY=${TEST_SIGNER_KEY}\n`, mode: 0o600 },
      }),
      messages: ['clean'],
    },
  ],
  fail: [
    {
      name: 'key in unit Environment=',
      files: signerHost({}, serviceUnit('signer', [`Environment=SIGNER_PRIVATE_KEY=${TEST_SIGNER_KEY}`])),
      messages: ['unitEnvironment'],
      verify: (detailed) => {
        revealsNothing(TEST_SIGNER_KEY)(detailed);
        assert.ok(
          detailed.result.evidence.some((item) => item.line === 7 && /fingerprint [0-9a-f]{8}/.test(item.detail)),
        );
      },
    },
    {
      name: 'auth token under an innocent name',
      files: signerHost({}, serviceUnit('signer', [`Environment=FOO=${TEST_AUTH_TOKEN}`])),
      messages: ['unitEnvironment'],
      verify: (detailed) => {
        revealsNothing(TEST_AUTH_TOKEN)(detailed);
        assert.match(detailed.result.message, /auth_password/);
      },
    },
    {
      name: 'key-shaped value',
      files: signerHost({}, serviceUnit('signer', [`Environment=BACKUP=${KEY_SHAPED}`])),
      messages: ['unitEnvironment'],
      verify: revealsNothing(KEY_SHAPED),
    },
    {
      name: 'node bitcoind password in the node unit',
      files: nodeHost({}, serviceUnit('node', ['Environment=BITCOIN_RPC_PASSWORD=hunter2hunter2'])),
      messages: ['unitEnvironment'],
    },
    {
      name: 'a key in Environment= and an EnvironmentFile that cannot be read: the failure stands',
      files: signerHost(
        {},
        {
          ...serviceUnit('signer', [
            `Environment=SIGNER_PRIVATE_KEY=${TEST_SIGNER_KEY}`,
            'EnvironmentFile=/etc/stacks/signer/env',
          ]),
          'etc/stacks/signer/env': { dir: true },
        },
      ),
      messages: ['unitEnvironment'],
      verify: ({ result }) =>
        assert.ok(
          result.evidence.some((item) => item.file === '/etc/stacks/signer/env' && /not read/.test(item.detail)),
        ),
    },
    {
      name: 'EnvironmentFile readable by others',
      files: signerHost(
        {},
        {
          ...serviceUnit('signer', ['EnvironmentFile=-/etc/default/stacks-signer']),
          'etc/default/stacks-signer': { content: `# signer\nAUTH_TOKEN="${TEST_AUTH_TOKEN}"\n`, mode: 0o644 },
        },
      ),
      messages: ['exposedFile'],
      verify: ({ result }) =>
        assert.ok(result.evidence.some((item) => item.file === '/etc/default/stacks-signer' && item.line === 2)),
    },
    {
      name: 'compose environment interpolated from .env',
      files: signerCompose(['    environment:', `      SIGNER_PRIVATE_KEY: ${braced('SIGNER_PRIVATE_KEY')}`], {
        'opt/signer/.env': { content: `SIGNER_PRIVATE_KEY=${TEST_SIGNER_KEY}\n`, mode: 0o600 },
      }),
      messages: ['composeEnvironment'],
      verify: revealsNothing(TEST_SIGNER_KEY),
    },
    {
      name: 'compose .env readable by others',
      files: signerCompose([], { 'opt/signer/.env': `SIGNER_PRIVATE_KEY=${TEST_SIGNER_KEY}\n` }),
      messages: ['exposedFile'],
    },
    {
      name: 'a .env shared by the signer and node services is one finding, not one per service',
      files: { ...composeHost({}, [], true), 'opt/stacks/.env': `SIGNER_PRIVATE_KEY=${TEST_SIGNER_KEY}\n` },
      messages: ['exposedFile'],
      verify: (detailed) => {
        assert.equal(detailed.items.filter((item) => item.messageId === 'exposedFile').length, 1);
        revealsNothing(TEST_SIGNER_KEY)(detailed);
      },
    },
    {
      name: 'compose env_file readable by the group',
      files: signerCompose(['    env_file: signer.env'], {
        'opt/signer/signer.env': { content: `STACKS_SEED=${KEY_SHAPED}\n`, mode: 0o640 },
      }),
      messages: ['exposedFile'],
    },
    {
      name: 'key on the ExecStart command line',
      files: signerHost(
        {},
        {
          'etc/systemd/system/stacks-signer.service': `[Service]\nExecStart=/usr/local/bin/stacks-signer run --config /${SIGNER_CONFIG_PATH} --key=${TEST_SIGNER_KEY}\nUser=stacks-signer\n`,
        },
      ),
      messages: ['commandLine'],
      verify: revealsNothing(TEST_SIGNER_KEY),
    },
  ],
  notApplicable: [
    { name: 'no signer or node', files: BASE_USERS },
    { name: 'offline, config only', files: signerHost(), messages: ['nothingToExamine'] },
  ],
});

describe('keys/secrets-in-environment on a live host', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) if (child.pid !== undefined) process.kill(child.pid);
  });

  async function runLive(files: FileSpec): Promise<DetailedResult> {
    const fixture = await materialiseFiles(files);
    try {
      return await runCheckDetailed(check, new AuditContext(new DirectoryTarget(fixture.root, { live: true })));
    } finally {
      fixture.cleanup();
    }
  }

  test('fail: the auth token on a real process command line', async () => {
    const token = randomBytes(16).toString('hex');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', '--', `--auth=${token}`], {
      stdio: 'ignore',
    });
    children.push(child);
    await new Promise((resolve) => child.once('spawn', resolve));
    const detailed = await runLive(
      signerHost({ auth_password: token, stacks_private_key: randomBytes(32).toString('hex') }),
    );
    assert.equal(detailed.result.status, 'fail', detailed.result.message);
    assert.ok(
      detailed.items.some(
        (item) => item.messageId === 'processCommandLine' && item.message.includes(`Process ${child.pid} `),
      ),
    );
    assert.ok(!JSON.stringify(detailed).includes(token));
  });

  test('pass: no process carries the configured secrets', async () => {
    const detailed = await runLive(
      signerHost({
        auth_password: randomBytes(16).toString('hex'),
        stacks_private_key: randomBytes(32).toString('hex'),
      }),
    );
    assert.equal(detailed.result.status, 'pass', detailed.result.message);
    assert.match(detailed.result.message, /process command lines/);
  });
});
