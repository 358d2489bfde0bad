// `signer-opsec completion bash|zsh|fish` and `signer-opsec manpage`: generated from the command table.

import { bashCompletion, fishCompletion, zshCompletion } from './completion-scripts.js';
import { manPage } from './man-page.js';
import type { CommandSpec, Parsed } from './options.js';
import { didYouMean } from './suggest.js';
import { UsageError } from './usage-error.js';
import { toolVersion } from './version.js';

const SHELLS: Readonly<Record<string, (commands: Readonly<Record<string, CommandSpec>>) => string>> = {
  bash: bashCompletion,
  zsh: zshCompletion,
  fish: fishCompletion,
};

export function completionCommand({ positionals }: Parsed, table: Readonly<Record<string, CommandSpec>>): number {
  const shell = positionals[0];
  if (shell === undefined) throw new UsageError('completion: name the shell: bash, zsh or fish');
  const script = Object.hasOwn(SHELLS, shell.toLowerCase()) ? SHELLS[shell.toLowerCase()] : undefined;
  if (!script)
    throw new UsageError(`completion ${shell}: expected bash, zsh or fish${didYouMean(shell, Object.keys(SHELLS))}`);
  process.stdout.write(script(table));
  return 0;
}

export function manpageCommand(table: Readonly<Record<string, CommandSpec>>): number {
  process.stdout.write(manPage(table, toolVersion()));
  return 0;
}
