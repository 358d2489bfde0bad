// The man page and the shell completions, generated from the command table into dist/ by `npm run build`: npm installs
// the man page (package.json "man"), and the .deb (scripts/build-deb.ts) ships all of them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from '../src/cli/command-table.js';
import { bashCompletion, fishCompletion, zshCompletion } from '../src/cli/completion-scripts.js';
import { manPage } from '../src/cli/man-page.js';
import { toolVersion } from '../src/cli/version.js';

const dist = fileURLToPath(new URL('../', import.meta.url));

export const CLI_FILES = {
  'man/signer-opsec.1': () => manPage(COMMANDS, toolVersion()),
  'completions/signer-opsec.bash': () => bashCompletion(COMMANDS),
  'completions/_signer-opsec': () => zshCompletion(COMMANDS),
  'completions/signer-opsec.fish': () => fishCompletion(COMMANDS),
} as const;

for (const [path, render] of Object.entries(CLI_FILES)) {
  mkdirSync(join(dist, path, '..'), { recursive: true });
  writeFileSync(join(dist, path), render());
}
