// `harden apply` without --yes asks on the terminal (test/support/terminal.ts).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { materialiseExample } from '../support/materialise.js';
import { snapshotTree } from '../support/snapshot-tree.js';
import { runOnTerminal, type TerminalRun } from '../support/terminal.js';

const DROP_IN = 'etc/ssh/sshd_config.d/10-signer-opsec.conf';

/** `harden apply --only sshd` on a terminal; when the y/N question appears, `beforeAnswer` runs, then `answer` is typed. */
function applyOnTerminal(root: string, answer: string, beforeAnswer: () => void = () => {}): Promise<TerminalRun> {
  let answered = false;
  return runOnTerminal(['harden', 'apply', '--only', 'sshd', '--root', root], (transcript, type) => {
    if (answered || !/\[y\/N\] /.test(transcript)) return;
    answered = true;
    beforeAnswer();
    type(`${answer}\r`);
  });
}

describe('harden apply asks before it writes', () => {
  test('no terminal and no --yes: exit 2, nothing written', async () => {
    const root = await materialiseExample('published-guide');
    try {
      const before = snapshotTree(root);
      const run = runCli(['harden', 'apply', '--only', 'sshd', '--root', root]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /no terminal to confirm on: pass --yes/);
      assert.deepEqual(snapshotTree(root), before);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('answering n writes nothing; answering y applies', async () => {
    const root = await materialiseExample('published-guide');
    try {
      const before = snapshotTree(root);
      const no = await applyOnTerminal(root, 'n');
      assert.equal(no.code, 1, no.transcript); // declining is not success
      assert.match(no.transcript, /Apply 1 change to .*\? \[y\/N\]/);
      assert.match(no.transcript, /Not applied\./);
      assert.deepEqual(snapshotTree(root), before);
      const yes = await applyOnTerminal(root, 'y');
      assert.equal(yes.code, 0, yes.transcript);
      assert.match(yes.transcript, /Applied 1 change; backup /);
      assert.ok(existsSync(join(root, DROP_IN)));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a planned file that changes while the question is open: exit 2, nothing written', async () => {
    const root = await materialiseExample('published-guide');
    try {
      const edit = '# written by someone else while the plan was on screen\n';
      const run = await applyOnTerminal(root, 'y', () => writeFileSync(join(root, DROP_IN), edit));
      assert.equal(run.code, 2, run.transcript);
      assert.match(run.transcript, /the target changed since the plan was shown; nothing written/);
      const backups = join(root, 'var/backups/signer-opsec');
      assert.deepEqual(existsSync(backups) ? readdirSync(backups).filter((name) => !name.startsWith('.')) : [], []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
