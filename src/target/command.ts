import { execFile } from 'node:child_process';
import { UnprivilegedRunRefusedError } from './errors.js';
import type { CommandResult, RunOptions } from './types.js';

export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;
/** More than any honest answer we read (sshd -T, nft -j, docker inspect); a program spewing more is stopped. */
export const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
/** The conventional `nobody`/`nogroup` ids: own nothing, belong to nothing. */
export const NOBODY_ID = 65534;

/**
 * Runs a program directly (never through a shell, so no argument is ever interpreted), with a timeout and
 * a bounded output. A missing program, a timeout or too much output rejects with a one-line reason. An `unprivileged` program runs
 * as nobody, which needs root: without it the program is not run at all (UnprivilegedRunRefusedError).
 */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const timeout = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const maxBuffer = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  // The effective uid decides whether setuid(nobody) can succeed.
  const dropRoot = options.unprivileged === true && process.geteuid?.() === 0;
  if (options.unprivileged === true && !dropRoot) return Promise.reject(new UnprivilegedRunRefusedError(command));
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      [...args],
      {
        shell: false,
        timeout,
        killSignal: 'SIGKILL',
        maxBuffer,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
        ...(dropRoot ? { uid: NOBODY_ID, gid: NOBODY_ID, cwd: '/' } : {}),
      },
      (error, stdout, stderr) => {
        const errno = error ? (error as NodeJS.ErrnoException).code : undefined;
        if (errno === 'ENOENT') {
          reject(new Error(`${command}: not installed or not on PATH`));
          return;
        }
        if (errno === 'EACCES') {
          reject(new Error(`${command}: permission denied${dropRoot ? ' (run as nobody)' : ''}`));
          return;
        }
        // Before `killed`: going over the bound kills the program too. Its truncated output is never used.
        if (errno === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          reject(new Error(`${command}: wrote more than ${maxBuffer} bytes of output and was stopped`));
          return;
        }
        if (error?.killed) {
          reject(new Error(`${command}: no answer within ${timeout} ms`));
          return;
        }
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.stdin !== undefined) {
      // A program that exits without reading its input (EPIPE) is judged by its exit code, not by the pipe.
      child.stdin?.on('error', () => {});
      child.stdin?.end(options.stdin);
    }
  });
}
