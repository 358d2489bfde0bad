// Runs a real tool (sshd, nft, ssh-keygen) of the auditing machine over artefacts copied into a private temp
// directory: no shell, a timeout that never costs the output (run-program.ts), a bound on its output, and a missing
// tool reported as a failure — never a silent skip. Its complaint is never relayed as written (it may quote the
// copied file's lines): firstLine keeps only a place and a known category (src/parsers/tool-messages.ts).

import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFreshFile } from '../fs/atomic-write.js';
import { makeTempDirectory } from '../fs/temp-directory.js';
import { describeToolOutput } from '../parsers/tool-messages.js';
import { runProgram } from '../target/run-program.js';

export interface ToolResult {
  ok: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why it failed, safe to show: our own reason (missing, timed out, too much output), or its first error line reduced to a place and category. */
  firstLine: string;
}

const DEFAULT_TIMEOUT_MS = 20_000;
/** More than a tool's honest answer (sshd -T prints a few KB); a tool fed /dev/zero must not fill our memory. */
export const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

/** Tools live in sbin, which a non-login PATH often lacks. */
const TOOL_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':');

export function runTool(
  command: string,
  args: readonly string[],
  options: {
    timeoutMs?: number;
    stdin?: string;
    /** Bytes of stdout, and of stderr, past which the tool is killed and the run fails. */
    maxOutputBytes?: number;
    /** The temp copy the tool reads: removed from its messages, so they name the target's paths. */
    root?: string;
  } = {},
): Promise<ToolResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  // The tool always gets an input (empty by default): some read it when it is not a terminal.
  return runProgram(command, args, {
    timeoutMs,
    maxBytes,
    stdin: options.stdin ?? '',
    env: { PATH: `${process.env['PATH'] ?? ''}:${TOOL_PATH}`, LC_ALL: 'C' },
  }).then((outcome) => {
    const failed = (firstLine: string, code: number | null, stdout = '', stderr = ''): ToolResult => ({
      ok: false,
      code,
      stdout,
      stderr,
      firstLine,
    });
    if (outcome.kind === 'not-started') {
      return failed(
        outcome.code === 'ENOENT'
          ? `${command} is not installed on this machine`
          : `${command} could not be run (${outcome.code})`,
        null,
      );
    }
    const { stdout, stderr } = outcome;
    if (outcome.kind === 'timeout')
      return failed(`${command} did not finish within ${timeoutMs} ms`, null, stdout, stderr);
    if (outcome.kind === 'overflow')
      return failed(`${command} wrote more than ${maxBytes} bytes of output and was stopped`, null, stdout, stderr);
    const code = outcome.code;
    if (code === 0) return { ok: true, code, stdout, stderr, firstLine: '' };
    const output = stderr.trim() !== '' ? stderr : stdout;
    return failed(
      output.trim() === ''
        ? `${command}: exit ${code ?? outcome.signal}`
        : describeToolOutput(command, output, options.root),
      code,
      stdout,
      stderr,
    );
  });
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

/** An absolute path with no `.`/`..` component nor empty one: joined under a directory, it stays below it. */
export function isCanonicalPath(path: string): boolean {
  if (!path.startsWith('/') || path.includes('\0')) return false;
  return path
    .slice(1)
    .split('/')
    .every((part) => part !== '' && part !== '.' && part !== '..');
}

/**
 * Where `path` goes in a validation copy: its place in the target as the target resolved it (`canonical`), or
 * undefined when it can't be placed inside the target, or can't be named in an include (a quote, a backslash, a
 * newline in it).
 */
export function placeInCopy(canonical: ReadonlyMap<string, string>, path: string): string | undefined {
  const place = canonical.get(path) ?? path;
  return isCanonicalPath(place) && !/["\n\\]/.test(place) ? place : undefined;
}

/**
 * `path` resolved as a chroot would, without symlinks: `.` dropped, `..` stopping at `/`. For paths of a tree we
 * build ourselves (no symlinks in it), so joined below a directory the result stays below it.
 */
export function chrootPath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/**
 * Writes `files` (target path → text) below `root`, at the same paths, private to the auditing user. The paths
 * must be resolved already (by the target): one with `..` would land outside `root`, so it is refused.
 */
export async function writeTree(root: string, files: ReadonlyMap<string, string>): Promise<void> {
  for (const [path, text] of files) {
    if (!isCanonicalPath(path)) throw new Error(`${path}: not a resolved path inside the target; not copied`);
    const hostPath = join(root, path);
    await mkdir(dirname(hostPath), { recursive: true, mode: 0o700 });
    writeFreshFile(hostPath, text, 0o600);
  }
}
