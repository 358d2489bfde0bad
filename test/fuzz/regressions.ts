// Every input the fuzzer ever broke a parser with is kept under test/fuzz/regressions/<target>/ and replayed by the
// suite. Inputs that still fail, waiting for a larger fix, are listed in known-failures.json with the reason.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/cli.js';

export const REGRESSIONS_DIR = join(REPO_ROOT, 'test', 'fuzz', 'regressions');
const KNOWN_FAILURES = join(REGRESSIONS_DIR, 'known-failures.json');

export interface RegressionInput {
  /** `<target>/<file>`, as known-failures.json names it. */
  id: string;
  target: string;
  path: string;
}

/** Every kept input, by target directory; host cases live under hosts/ (see host-fuzz.ts). */
export function regressionInputs(): RegressionInput[] {
  if (!existsSync(REGRESSIONS_DIR)) return [];
  const inputs: RegressionInput[] = [];
  for (const entry of readdirSync(REGRESSIONS_DIR, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    for (const file of readdirSync(join(REGRESSIONS_DIR, entry.name)).sort())
      inputs.push({ id: `${entry.name}/${file}`, target: entry.name, path: join(REGRESSIONS_DIR, entry.name, file) });
  }
  return inputs.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** id → why it still fails (and which issue item fixes it). */
export function knownFailures(): Record<string, string> {
  if (!existsSync(KNOWN_FAILURES)) return {};
  return JSON.parse(readFileSync(KNOWN_FAILURES, 'utf8')) as Record<string, string>;
}

/** Saves a failing input under its content hash (the same crash found twice is kept once); returns its path. */
export function keepRegression(target: string, input: Buffer, extension = 'bin'): string {
  const dir = join(REGRESSIONS_DIR, target);
  mkdirSync(dir, { recursive: true });
  const name = `${createHash('sha256').update(input).digest('hex').slice(0, 16)}.${extension}`;
  const path = join(dir, name);
  writeFileSync(path, input);
  return path;
}
