// History-scan progress: on stderr when it is a terminal (a real pty via `script`), never otherwise, never with --quiet,
// and never with a secret in it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../support/cli.js';
import { runOnTerminal } from '../../support/terminal.js';
import { makeRepo, type TestRepo, testKey } from './repo.js';

describe('scan --history progress', () => {
  const key = testKey('progress');
  let repo: TestRepo;
  let commits = 0;
  // Shown from the first commit instead of after one second: the line itself is what is tested, not the delay.
  const env = { ...process.env, SIGNER_OPSEC_PROGRESS_DELAY_MS: '0' };

  before(() => {
    repo = makeRepo('scan-progress-');
    repo.write('signer.toml', `stacks_private_key = "${key}"\n`);
    repo.commit('key');
    for (let i = 0; i < 5; i++) {
      repo.write('notes.md', `note ${i}\n`);
      repo.commit(`note ${i}`);
    }
    commits = Number(repo.git('rev-list', '--count', '--all'));
  });
  after(() => repo.cleanup());

  test('a terminal sees commits done of total and the rate, then the line is erased', async () => {
    const run = await runOnTerminal(['scan', '--history', repo.dir], () => {}, { env });
    assert.equal(run.code, 1, run.transcript);
    assert.match(run.transcript, new RegExp(`scanning history: ${commits}/${commits} commits \\(\\d+/s\\)`));
    assert.match(run.transcript, /\r\x1b\[K/);
    assert.ok(!run.transcript.includes(key), 'the key leaked');
  });

  test('--quiet shows none', async () => {
    const run = await runOnTerminal(['scan', '--history', '--quiet', repo.dir], () => {}, { env });
    assert.equal(run.code, 1, run.transcript);
    assert.doesNotMatch(run.transcript, /scanning history/);
  });

  test('stderr that is not a terminal gets none', () => {
    const run = runCli(['scan', '--history', repo.dir], { env });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr, '');
  });
});
