import { UnprivilegedRunRefusedError } from './errors.js';
import { runProgram } from './run-program.js';
import type { CommandResult, RunOptions } from './types.js';

export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;
/** More than any honest answer we read (sshd -T, nft -j, docker inspect); a program spewing more is stopped. */
export const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
/** The conventional `nobody`/`nogroup` ids: own nothing, belong to nothing. */
export const NOBODY_ID = 65534;

/**
 * Runs a program directly (never through a shell, so no argument is ever interpreted), with a timeout and
 * a bounded output. A missing program, a timeout or too much output rejects with a one-line reason; a program that
 * exited is reported with all it wrote, even when its deadline came before this process got to read it
 * (run-program.ts). An `unprivileged` program runs as nobody, which needs root: without it the program is not run
 * at all (UnprivilegedRunRefusedError).
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  const timeout = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const maxBuffer = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  // The effective uid decides whether setuid(nobody) can succeed.
  const dropRoot = options.unprivileged === true && process.geteuid?.() === 0;
  if (options.unprivileged === true && !dropRoot) throw new UnprivilegedRunRefusedError(command);
  const outcome = await runProgram(command, args, {
    timeoutMs: timeout,
    maxBytes: maxBuffer,
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
    ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
    ...(dropRoot ? { uid: NOBODY_ID, gid: NOBODY_ID, cwd: '/' } : {}),
  });
  switch (outcome.kind) {
    case 'not-started':
      if (outcome.code === 'ENOENT') throw new Error(`${command}: not installed or not on PATH`);
      if (outcome.code === 'EACCES')
        throw new Error(`${command}: permission denied${dropRoot ? ' (run as nobody)' : ''}`);
      throw new Error(`${command}: could not be started (${outcome.code})`);
    case 'timeout':
      throw new Error(`${command}: no answer within ${timeout} ms`);
    case 'overflow':
      // Its truncated output is never used.
      throw new Error(`${command}: wrote more than ${maxBuffer} bytes of output and was stopped`);
    case 'exited':
      // Ended by a signal (not ours): a failure without an exit code of its own.
      return { code: outcome.code ?? 1, stdout: outcome.stdout, stderr: outcome.stderr };
  }
}
