import { describeError } from '../fs/errno-words.js';
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
