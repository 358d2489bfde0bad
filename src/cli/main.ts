import { WriteRefusedError } from '../fs/atomic-write.js';
import { describeError } from '../fs/errno-words.js';
import { UserFileError } from '../fs/read-user-file.js';
import { printable } from '../report/printable.js';
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
    // Started before the runner's modules load, so it overlaps them (`audit --host` connects meanwhile).
    const release = selected.spec.prepare?.(selected.parsed);
    try {
      const run = await selected.load();
      return await run(selected.parsed as never, selected.path[1]);
    } finally {
      release?.();
    }
  } catch (error) {
    // A file the user named that is missing, of the wrong kind or too large: already one line in words.
    const known = error instanceof UsageError || error instanceof UserFileError || error instanceof WriteRefusedError;
    // Other errors may quote argv or file content: the same masking as UsageError.
    const message = redactSecrets(error instanceof Error ? error.message : String(error));
    // Messages name paths that came from the target: control characters in them are shown escaped.
    process.stderr.write(`signer-opsec: ${printable(known ? message : describeError(message, error))}\n`);
    if (!known && process.env.SIGNER_OPSEC_DEBUG && error instanceof Error)
      process.stderr.write(`${redactSecrets(error.stack ?? '')}\n`);
    return 2;
  }
}
