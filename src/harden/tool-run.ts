// Runs a real tool (sshd, nft, ssh-keygen) of the auditing machine over artefacts copied into a private temp
// directory: no shell, a timeout that never costs the output (run-program.ts), and a missing tool reported as a failure — never a silent skip.

import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFreshFile } from '../fs/atomic-write.js';
import { makeTempDirectory } from '../fs/temp-directory.js';
import { runProgram } from '../target/run-program.js';

export interface ToolResult {
  ok: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
  /** The first line worth showing: the tool's first error line, or why it could not run. */
  firstLine: string;
}

const DEFAULT_TIMEOUT_MS = 20_000;

/** Tools live in sbin, which a non-login PATH often lacks. */
const TOOL_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':');

export function runTool(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number; stdin?: string } = {},
): Promise<ToolResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // The tool always gets an input (empty by default): some read it when it is not a terminal.
  return runProgram(command, args, {
    timeoutMs,
    stdin: options.stdin ?? '',
    env: { PATH: `${process.env['PATH'] ?? ''}:${TOOL_PATH}`, LC_ALL: 'C' },
  }).then((outcome) => {
    if (outcome.kind === 'not-started') {
      const firstLine =
        outcome.code === 'ENOENT'
          ? `${command} is not installed on this machine`
          : `${command} could not be started (${outcome.code})`;
      return { ok: false, code: null, stdout: '', stderr: '', firstLine };
    }
    const { stdout, stderr } = outcome;
    if (outcome.kind === 'timeout')
      return { ok: false, code: null, stdout, stderr, firstLine: `${command} did not finish within ${timeoutMs} ms` };
    if (outcome.kind === 'overflow')
      return { ok: false, code: null, stdout, stderr, firstLine: `${command} printed more than 8 MiB` };
    const code = outcome.code;
    const firstLine = firstMeaningfulLine(stderr) ?? firstMeaningfulLine(stdout) ?? `exit ${code ?? outcome.signal}`;
    return { ok: code === 0, code, stdout, stderr, firstLine };
  });
}

function firstMeaningfulLine(text: string): string | undefined {
  return text
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '');
}

/** Runs `work` in a fresh 0700 temp directory of the auditing machine and removes it afterwards, whatever happens. */
export async function withTempDirectory<T>(work: (root: string) => Promise<T>): Promise<T> {
  const root = makeTempDirectory('validate');
  try {
    return await work(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Writes `files` (target path → text) below `root`, at the same paths, private to the auditing user. */
export async function writeTree(root: string, files: ReadonlyMap<string, string>): Promise<void> {
  for (const [path, text] of files) {
    const hostPath = join(root, path);
    await mkdir(dirname(hostPath), { recursive: true, mode: 0o700 });
    writeFreshFile(hostPath, text, 0o600);
  }
}
