import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { materialiseFiles } from '../support/materialise.js';
import { runOnTerminal, type TerminalRun } from '../support/terminal.js';

// The passphrase prompt needs a real terminal (test/support/terminal.ts).

const KEY_B = '6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01';
const PASSPHRASE = 'correct horse battery staple';

/** Types each answer once its passphrase prompt has appeared. */
function answerPrompts(args: string[], answers: string[]): Promise<TerminalRun> {
  let answered = 0;
  return runOnTerminal(
    args,
    (transcript, type) => {
      const prompts = transcript.match(/passphrase: /gi)?.length ?? 0;
      while (answered < prompts && answered < answers.length) type(`${answers[answered++]}\r`);
    },
    { env: { PATH: process.env.PATH } },
  );
}

describe('passphrase prompt on the terminal', () => {
  test('asks twice with echo off, retries after a mismatch, and the keystore opens with that passphrase', async () => {
    const tree = await materialiseFiles({
      'w/signer.toml': `stacks_private_key = "${KEY_B}"\n`,
      'w/pass': { content: `${PASSPHRASE}\n`, mode: 0o600 },
    });
    try {
      const at = (name: string) => join(tree.root, 'w', name);
      const run = await answerPrompts(
        ['key', 'backup', '--config', at('signer.toml'), '--keystore', at('ks.json')],
        [PASSPHRASE, 'something else entirely', PASSPHRASE, PASSPHRASE],
      );
      assert.equal(run.code, 0, run.transcript);
      assert.match(run.transcript, /the two passphrases differ/);
      assert.ok(!run.transcript.includes(PASSPHRASE), 'the passphrase was echoed');
      assert.ok(!run.transcript.includes('something else'), 'the passphrase was echoed');
      assert.ok(!run.transcript.includes(KEY_B.slice(0, 64)));
      const restore = runCli([
        'key',
        'restore',
        '--keystore',
        at('ks.json'),
        '--config',
        at('new.toml'),
        '--passphrase-file',
        at('pass'),
      ]);
      assert.equal(restore.code, 0, restore.stderr);
    } finally {
      tree.cleanup();
    }
  });
});
