// The keystore passphrase: from a file only its owner can read, or typed at the terminal with echo off.
import { closeSync, openSync, writeSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { readUserFileBytes, USER_FILE_LIMITS } from '../fs/read-user-file.js';
import { checkPassphrase, KeystoreError } from '../keys/keystore.js';
import { UsageError } from './usage-error.js';

/**
 * First line of `path` (one trailing newline removed). Refused when the file is readable or writable by group or others:
 * a passphrase anyone on the host can read protects nothing.
 */
export function readPassphraseFile(path: string): string {
  // A FIFO streams (`--passphrase-file <(pass show signer)`): nobody else can read a pipe's contents afterwards.
  const content = readUserFileBytes(path, {
    label: `--passphrase-file ${path}`,
    maxBytes: USER_FILE_LIMITS['--passphrase-file'],
    allowFifo: true,
    check: (stats) => {
      if (stats.isFile() && (stats.mode & 0o077) !== 0)
        return `mode ${(stats.mode & 0o777).toString(8)} lets group or others read it; chmod 600 it first`;
      return undefined;
    },
  });
  const text = content.toString('utf8');
  content.fill(0);
  const firstLine = text.split(/\r?\n/)[0] ?? '';
  return validated(firstLine, `--passphrase-file ${path}`);
}

function validated(passphrase: string, where: string): string {
  try {
    checkPassphrase(passphrase);
  } catch (error) {
    if (error instanceof KeystoreError) throw new UsageError(`${where}: ${error.message}`);
    throw error;
  }
  return passphrase;
}

/** Reads one line from /dev/tty with echo off (raw mode); the prompt goes to the terminal, never to stdout. */
async function promptHidden(question: string): Promise<string> {
  let inputFd: number;
  let outputFd: number;
  try {
    inputFd = openSync('/dev/tty', 'r');
    outputFd = openSync('/dev/tty', 'w');
  } catch {
    throw new UsageError('no terminal to ask for the passphrase on: pass --passphrase-file FILE');
  }
  const input = new ReadStream(inputFd);
  input.setRawMode(true);
  writeSync(outputFd, question);
  try {
    return await new Promise<string>((resolve, reject) => {
      let answer = '';
      input.on('data', (chunk: Buffer) => {
        for (const char of chunk.toString('utf8')) {
          if (char === '\r' || char === '\n') return resolve(answer);
          if (char === '\u0003' || char === '\u0004') return reject(new UsageError('passphrase entry cancelled'));
          if (char === '\u007f' || char === '\b') answer = Array.from(answer).slice(0, -1).join('');
          else if (char === '\u0015') answer = '';
          else if (char >= ' ') answer += char;
        }
      });
      input.on('error', reject);
    });
  } finally {
    input.setRawMode(false);
    input.destroy();
    writeSync(outputFd, '\n');
    closeSync(outputFd);
  }
}

/** Asks at the terminal; for a new keystore asks twice and insists on the minimum length. */
export async function promptPassphrase(purpose: 'encrypt' | 'decrypt'): Promise<string> {
  if (purpose === 'decrypt') return await promptHidden('Keystore passphrase: ');
  for (let attempt = 0; attempt < 3; attempt++) {
    const first = await promptHidden('New keystore passphrase: ');
    try {
      validated(first, 'passphrase');
    } catch (error) {
      process.stderr.write(`signer-opsec: ${(error as Error).message}\n`);
      continue;
    }
    if ((await promptHidden('Repeat the passphrase: ')) === first) return first;
    process.stderr.write('signer-opsec: the two passphrases differ\n');
  }
  throw new UsageError('no passphrase agreed after 3 attempts');
}

export async function obtainPassphrase(file: string | undefined, purpose: 'encrypt' | 'decrypt'): Promise<string> {
  return file !== undefined ? readPassphraseFile(file) : await promptPassphrase(purpose);
}
