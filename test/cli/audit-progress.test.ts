// The audit's keys/key-in-git walk shows the same progress line as `scan --history`: on stderr when it is a terminal
// (a real pty via `script`), never otherwise, never with --quiet, and never with the key in it.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeRepoAt } from '../secrets/git/repo.js';
import { runCli } from '../support/cli.js';
import { signerHost, TEST_SIGNER_KEY } from '../support/hosts.js';
import { type MaterialisedTree, materialiseFiles } from '../support/materialise.js';
import { runOnTerminal } from '../support/terminal.js';

describe('audit: key-in-git progress', () => {
  const key64 = TEST_SIGNER_KEY.slice(0, 64);
  let tree: MaterialisedTree;
  let commits = 0;
  // Shown from the first commit instead of after one second: the line itself is what is tested, not the delay.
  const env = { ...process.env, SIGNER_OPSEC_PROGRESS_DELAY_MS: '0' };
  const args = () => ['audit', '--root', tree.root, '--only', 'keys/key-in-git', '--format', 'json'];

  before(async () => {
    tree = await materialiseFiles(signerHost());
    const dir = join(tree.root, 'home/admin/deploy');
    mkdirSync(dir, { recursive: true });
    const repo = makeRepoAt(dir);
    repo.write('signer.env', `SIGNER_PRIVATE_KEY=${key64}\n`);
    repo.commit('deploy');
    for (let i = 0; i < 5; i++) {
      repo.write('notes.md', `note ${i}\n`);
      repo.commit(`note ${i}`);
    }
    commits = Number(repo.git('rev-list', '--count', '--all'));
  });
  after(() => tree.cleanup());

  test('a terminal sees commits done of total and the rate, then the line is erased; the key never', async () => {
    const run = await runOnTerminal(args(), () => {}, { env });
    assert.equal(run.code, 1, run.transcript);
    assert.match(run.transcript, new RegExp(`scanning history: ${commits}/${commits} commits \\(\\d+/s\\)`));
    assert.match(run.transcript, /\r\x1b\[K/);
    assert.match(run.transcript, /key-in-git/);
    assert.ok(!run.transcript.toLowerCase().includes(key64), 'the key leaked');
  });

  test('--quiet shows none', async () => {
    const run = await runOnTerminal([...args(), '--quiet'], () => {}, { env });
    assert.equal(run.code, 1, run.transcript);
    assert.doesNotMatch(run.transcript, /scanning history/);
  });

  test('stderr that is not a terminal gets none', () => {
    const run = runCli(args(), { env });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /key-in-git/);
  });
});
