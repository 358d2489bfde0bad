import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allChecks } from '../../src/checks/index.js';
import { AuditContext } from '../../src/engine/context.js';
import { runChecks } from '../../src/engine/runner.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { runCli } from '../support/cli.js';
import { composeHost } from '../support/hosts.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

// A compose file discovery finds but cannot read may define the signer: the audit must say it is incomplete.

const SECRET = 'feedface0123456789abcdef';
const MISINDENTED = [
  'services:',
  '  signer:',
  '    image: ghcr.io/stacks-network/stacks-signer:4.0.2',
  `    environment: { AUTH_PASSWORD: ${SECRET} }`,
  '   volumes:',
  '      - ./signer.toml:/signer-config.toml:ro',
  '',
].join('\n');

function brokenHost(compose: FileSpec): FileSpec {
  const host = composeHost({});
  delete host['opt/stacks/compose.yaml'];
  return { ...host, ...compose };
}

async function resultsOn(files: FileSpec) {
  const tree = await materialiseFiles(files);
  try {
    return await runChecks(allChecks, new AuditContext(new DirectoryTarget(tree.root, { live: false })));
  } finally {
    tree.cleanup();
  }
}

describe('a compose file that cannot be read hides no signer', () => {
  for (const [name, compose] of [
    ['mis-indented YAML', { 'opt/stacks/compose.yaml': MISINDENTED }],
    ['a symlink loop', { 'opt/stacks/compose.yaml': { symlink: 'compose.yaml' } }],
    ['a dangling symlink', { 'opt/stacks/compose.yaml': { symlink: '/nowhere/compose.yaml' } }],
  ] as const) {
    test(`${name}: signer controls report error naming the file, not N/A`, async () => {
      const results = await resultsOn(brokenHost(compose));
      const byId = new Map(results.map((result) => [result.id, result]));
      for (const id of [
        'keys/signer-config-permissions',
        'identity/signer-not-root',
        'identity/config-owner',
        'container/hardening',
        'service/restart-policy',
      ]) {
        const result = byId.get(id);
        assert.equal(result?.status, 'error', `${id}: ${result?.status} ${result?.message}`);
        assert.match(result.message, /compose file \/opt\/stacks\/compose\.yaml\S* could not be read or parsed/);
        assert.match(result.message, /may be defined there/);
        assert.doesNotMatch(result.message, new RegExp(SECRET));
      }
      // Controls that need no signer still run.
      assert.notEqual(byId.get('ssh/root-login')?.status, 'error');
    });
  }

  test('YAML error says the line and column', async () => {
    const results = await resultsOn(brokenHost({ 'opt/stacks/compose.yaml': MISINDENTED }));
    const result = results.find((found) => found.id === 'keys/signer-config-permissions');
    assert.match(result?.message ?? '', /compose\.yaml:5:\d+ could not be read or parsed: YAML /);
  });

  test('the audit exits 2 and never prints the file content', async () => {
    const tree = await materialiseFiles(brokenHost({ 'opt/stacks/compose.yaml': MISINDENTED }));
    try {
      for (const format of ['text', 'json']) {
        const run = runCli(['audit', '--root', tree.root, '--format', format]);
        assert.equal(run.code, 2, run.stderr);
        assert.doesNotMatch(run.stdout + run.stderr, new RegExp(SECRET));
      }
    } finally {
      tree.cleanup();
    }
  });

  test('a readable compose file beside a broken one: the signer found is audited normally', async () => {
    const results = await resultsOn({ ...composeHost({}), 'opt/other/compose.yaml': MISINDENTED });
    const result = results.find((found) => found.id === 'keys/signer-config-permissions');
    assert.equal(result?.status, 'pass', result?.message);
  });
});
