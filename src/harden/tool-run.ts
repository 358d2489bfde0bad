// Runs a real tool (sshd, nft, ssh-keygen) of the auditing machine over artefacts copied into a private temp
// directory: execFile without a shell, a timeout, and a missing tool reported as a failure — never a silent skip.

import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFreshFile } from '../fs/atomic-write.js';
import { makeTempDirectory } from '../fs/temp-directory.js';

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
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      {
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxBuffer: 8 * 1024 * 1024,
        encoding: 'utf8',
        env: { PATH: `${process.env['PATH'] ?? ''}:${TOOL_PATH}`, LC_ALL: 'C' },
      },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          resolve({
            ok: false,
            code: null,
            stdout: '',
            stderr: '',
            firstLine: `${command} is not installed on this machine`,
          });
          return;
        }
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        const killed = error && (error as { killed?: boolean }).killed;
        const firstLine = killed
          ? `${command} did not finish within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`
          : (firstMeaningfulLine(stderr) ?? firstMeaningfulLine(stdout) ?? `exit ${code}`);
        resolve({ ok: !error, code, stdout, stderr, firstLine });
      },
    );
    child.stdin?.on('error', () => {
      // the tool exited before reading its input: its exit status says why
    });
    child.stdin?.end(options.stdin ?? '');
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
