// Runs the CLI on a pseudo-terminal: `script` (util-linux) gives it a real TTY, and the test types its answers only
// once the question has appeared, as a person would.
import { spawn } from 'node:child_process';
import { BIN } from './cli.js';

export interface TerminalRun {
  code: number | null;
  transcript: string;
}

/**
 * `onOutput` sees the whole transcript so far after each chunk and may type into the terminal (end a line with \r).
 */
export function runOnTerminal(
  args: readonly string[],
  onOutput: (transcript: string, type: (text: string) => void) => void,
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<TerminalRun> {
  const command = [process.execPath, BIN, ...args].map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.env ? { env: options.env } : {}),
  });
  let transcript = '';
  child.stdout.on('data', (chunk: Buffer) => {
    transcript += chunk.toString('utf8');
    onOutput(transcript, (text) => child.stdin.write(text));
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
