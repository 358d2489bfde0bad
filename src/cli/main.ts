import { parseCommandLine } from './program.js';
import { redactSecrets, UsageError } from './usage-error.js';
import { toolVersion } from './version.js';

/** The only place that picks an exit code. Parsing, help and suggestions come from the command table. */
export async function main(argv: string[]): Promise<number> {
  // `signer-opsec audit | head`: a reader that stops early is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  try {
    const outcome = parseCommandLine(argv, toolVersion());
    if (outcome.kind === 'exit') return outcome.code;
    const { selected } = outcome;
    const run = await selected.load();
    return await run(selected.parsed as never, selected.path[1]);
  } catch (error) {
    const known = error instanceof UsageError;
    // Other errors may quote argv or file content: the same masking as UsageError.
    const message = redactSecrets(error instanceof Error ? error.message : String(error));
    process.stderr.write(`signer-opsec: ${known ? message : describeError(message, error)}\n`);
    if (!known && process.env.SIGNER_OPSEC_DEBUG && error instanceof Error)
      process.stderr.write(`${redactSecrets(error.stack ?? '')}\n`);
    return 2;
  }
}

const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'does not exist',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied (run as a user that can read it, or as root)',
  EPERM: 'operation not permitted (run as root?)',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'no space left on the device',
  EEXIST: 'already exists',
  ELOOP: 'too many symbolic links',
};

/** Node's "EISDIR: illegal operation on a directory, read" in words: the path and what is wrong with it. */
export function describeError(message: string, error: unknown): string {
  const { code, path } = (error ?? {}) as { code?: string; path?: string };
  const words = code ? ERRNO_WORDS[code] : undefined;
  if (words && path) return `${path}: ${words}`;
  if (words) return message.replace(new RegExp(`\\b${code}\\b:?[^,]*,?`), `${words}:`).trim();
  return message;
}
