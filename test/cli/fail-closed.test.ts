// An audit that audited nothing must not pass: nothing found, nothing selected, or a named unit/config that is not
// there is exit 2 with one clear line. A node-only host (the signer runs elsewhere) is a real topology and audits.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { NODE_CONFIG_PATH, nodeHost } from '../support/hosts.js';
import { type MaterialisedTree, materialiseFiles } from '../support/materialise.js';

const GUIDE_TAR = join(REPO_ROOT, 'examples/hosts/published-guide.tar');
const HARDENED_TAR = join(REPO_ROOT, 'examples/hosts/hardened.tar');

describe('audit fails closed', () => {
  let empty: MaterialisedTree;
  let nodeOnly: MaterialisedTree;
  before(async () => {
    empty = await materialiseFiles({ 'etc/hostname': 'bastion\n' });
    nodeOnly = await materialiseFiles(nodeHost());
  });
  after(() => {
    empty.cleanup();
    nodeOnly.cleanup();
  });

  const refusals: [string, () => string[], RegExp][] = [
    [
      'an empty root',
      () => ['--root', empty.root],
      /^signer-opsec: nothing to audit here: no signer and no node found in /,
    ],
    [
      'the example directory instead of its tar',
      () => ['--root', join(REPO_ROOT, 'examples/hosts/published-guide')],
      /nothing to audit here/,
    ],
    [
      'an empty root, whatever --fail-on says',
      () => ['--root', empty.root, '--fail-on', 'low'],
      /nothing to audit here/,
    ],
    [
      '--only and --skip that cancel out',
      () => ['--root', GUIDE_TAR, '--only', 'ssh', '--skip', 'ssh'],
      /leave no control to run/,
    ],
    [
      'an explicit --signer-unit that is not in the target',
      () => ['--root', GUIDE_TAR, '--signer-unit', 'nosuch.service'],
      /--signer-unit nosuch\.service: no such systemd unit in /,
    ],
    [
      'an explicit --signer-config that is not in the target',
      () => ['--root', GUIDE_TAR, '--signer-config', '/nope/signer.toml'],
      /--signer-config \/nope\/signer\.toml: no such file in /,
    ],
    [
      'an explicit --node-config that is not in the target',
      () => ['--root', GUIDE_TAR, '--node-config', '/nope/node.toml'],
      /--node-config \/nope\/node\.toml: no such file in /,
    ],
  ];
  for (const [name, argv, message] of refusals) {
    test(`${name}: exit 2, one line, no report`, () => {
      const run = runCli(['audit', ...argv()]);
      assert.equal(run.code, 2, run.stdout);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1);
      assert.equal(run.stdout, '');
    });
  }

  test('--allow-empty opts out: the empty root is reported, and passes', () => {
    const run = runCli(['audit', '--root', empty.root, '--allow-empty', '--format', 'json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { discovered: { signer?: unknown; node?: unknown } };
    assert.equal(report.discovered.signer, undefined);
    assert.equal(report.discovered.node, undefined);
  });

  test('a node-only host audits normally (the signer runs elsewhere)', () => {
    const run = runCli(['audit', '--root', nodeOnly.root, '--format', 'json', '--fail-on', 'none']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { discovered: { node?: { configPath?: string } }; results: unknown[] };
    assert.equal(report.discovered.node?.configPath, `/${NODE_CONFIG_PATH}`);
    assert.ok(report.results.length > 0);
  });
});

describe('harden exit codes for scripts', () => {
  test('plan --exit-code: 1 when changes are pending, 0 when there are none; without it, 0', () => {
    const pending = runCli(['harden', 'plan', '--root', GUIDE_TAR, '--exit-code']);
    assert.equal(pending.code, 1, pending.stderr);
    assert.match(pending.stdout, /\d+ changes? to make/);
    const plain = runCli(['harden', 'plan', '--root', GUIDE_TAR]);
    assert.equal(plain.code, 0, plain.stderr);
    const clean = runCli(['harden', 'plan', '--root', HARDENED_TAR, '--exit-code']);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  });
});
