import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BIN, runCli } from '../support/cli.js';
import { materialiseFiles } from '../support/materialise.js';

// The passphrase prompt needs a real terminal: `script` (util-linux) runs the CLI on a pseudo-terminal, and each answer
// is typed only once its prompt has appeared, as a person would.

const KEY_B = '6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01';
const PASSPHRASE = 'correct horse battery staple';

function runOnTerminal(args: string[], answers: string[]): Promise<{ code: number | null; transcript: string }> {
  const command = [process.execPath, BIN, ...args].map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH },
  });
  let transcript = '';
  let answered = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    transcript += chunk.toString('utf8');
    const prompts = transcript.match(/passphrase: /gi)?.length ?? 0;
    while (answered < prompts && answered < answers.length) child.stdin.write(`${answers[answered++]}\r`);
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

describe('passphrase prompt on the terminal', () => {
  test('asks twice with echo off, retries after a mismatch, and the keystore opens with that passphrase', async () => {
    const tree = await materialiseFiles({
      'w/signer.toml': `stacks_private_key = "${KEY_B}"\n`,
      'w/pass': { content: `${PASSPHRASE}\n`, mode: 0o600 },
    });
    try {
      const at = (name: string) => join(tree.root, 'w', name);
      const run = await runOnTerminal(
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
