// `harden apply` without --yes asks on the terminal. `script` (util-linux) runs the CLI on a pseudo-terminal, and
// the answer is typed only once the question has appeared, as a person would.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BIN, runCli } from '../support/cli.js';
import { materialiseExample } from '../support/materialise.js';
import { snapshotTree } from '../support/snapshot-tree.js';

const DROP_IN = 'etc/ssh/sshd_config.d/10-signer-opsec.conf';

/** Runs the CLI on a terminal; when the y/N question appears, `beforeAnswer` runs, then `answer` is typed. */
function applyOnTerminal(
  root: string,
  answer: string,
  beforeAnswer: () => void = () => {},
): Promise<{ code: number | null; transcript: string }> {
  const args = [process.execPath, BIN, 'harden', 'apply', '--only', 'sshd', '--root', root];
  const command = args.map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let transcript = '';
  let answered = false;
  child.stdout.on('data', (chunk: Buffer) => {
    transcript += chunk.toString('utf8');
    if (!answered && /\[y\/N\] /.test(transcript)) {
      answered = true;
      beforeAnswer();
      child.stdin.write(`${answer}\r`);
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 60 s; transcript so far: ${JSON.stringify(transcript)}`));
    }, 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, transcript });
    });
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
      assert.equal(no.code, 0, no.transcript);
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
