// Runs git read-only against a repository that may be hostile or a partial clone: https://git-scm.com/docs/git-config#SCOPES
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { describeToolLine } from '../../parsers/tool-messages.js';

/** A failure of git itself (not installed, not a repository, a fatal error): one line, with where and why. */
export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

/**
 * Config given on the command line, which outranks the repository's own: the scanned repository decides nothing
 * that runs a program or reaches the network. `protocol.allow=never` makes a lazy fetch of a partial clone's missing
 * objects fail instead of contacting its promisor remote (git < 2.44 has no GIT_NO_LAZY_FETCH); callers also skip
 * objects rev-list reports missing, so that failure never happens. `safe.directory=*` lets root scan a repository
 * another user owns, which is safe only because of the overrides around it.
 */
const SAFE_CONFIG = [
  'safe.directory=*',
  'protocol.allow=never',
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.pager=cat',
  'core.quotePath=false',
  'log.showSignature=false',
  'gc.auto=0',
  'maintenance.auto=false',
];

export interface GitLocation {
  /** The directory git runs in (a work tree or a git directory). */
  cwd: string;
  /** When false, git does not look for a repository above `cwd` (an audit must not escape the target's tree). */
  searchParents?: boolean;
  /**
   * Keep the caller's GIT_INDEX_FILE, GIT_DIR and GIT_WORK_TREE (and only those): a pre-commit hook of `git commit -a`
   * or `git commit <path>` gets a temporary index in GIT_INDEX_FILE, and that index is what the commit records.
   */
  inheritIndex?: boolean;
}

/** The repository-locating variables git hands a hook; relative values are relative to the hook's directory. */
const INHERITED_INDEX_VARIABLES = ['GIT_INDEX_FILE', 'GIT_DIR', 'GIT_WORK_TREE'] as const;

function gitEnv(location: GitLocation): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_NO_LAZY_FETCH: '1',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_OPTIONAL_LOCKS: '0',
    HOME: '/nonexistent',
  };
  if (location.searchParents === false) env.GIT_CEILING_DIRECTORIES = dirname(resolve(location.cwd));
  if (location.inheritIndex) {
    for (const name of INHERITED_INDEX_VARIABLES) {
      const value = process.env[name];
      // Resolved here: git runs in `location.cwd`, which need not be the directory the hook started us in.
      if (value !== undefined && value !== '') env[name] = resolve(value);
    }
  }
  return env;
}

function gitArgs(args: readonly string[]): string[] {
  return [...SAFE_CONFIG.flatMap((setting) => ['-c', setting]), '--no-pager', ...args];
}

function notInstalled(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** A short git command (rev-parse, config, a ref list) that has not finished after this long is stopped. */
export const SHORT_GIT_TIMEOUT_MS = 120_000;

/**
 * Runs git to completion and returns its stdout (at most 64 MiB, within `timeoutMs`); a non-zero exit rejects with
 * git's first error line.
 */
export function gitOutput(
  location: GitLocation,
  args: readonly string[],
  options: { allowFail?: boolean; timeoutMs?: number } = {},
) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolvePromise, reject) => {
    execFile(
      'git',
      gitArgs(args),
      {
        cwd: location.cwd,
        env: gitEnv(location),
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
        timeout: options.timeoutMs ?? SHORT_GIT_TIMEOUT_MS,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        if (notInstalled(error)) {
          reject(new GitError('git: not installed or not on PATH'));
          return;
        }
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        if (code !== 0 && !options.allowFail) {
          reject(new GitError(`git ${args[0]} in ${location.cwd}: ${firstErrorLine(stderr) ?? `exit ${code}`}`));
          return;
        }
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

/**
 * git's first complaint as a known category (src/parsers/tool-messages.ts), never its text: git quotes config
 * lines, ref names and paths of the repository it reads, all content of the target.
 */
export function firstErrorLine(stderr: string): string | undefined {
  const lines = stderr.split('\n', 200).filter((line) => line.trim() !== '');
  const first = lines.find((line) => line.startsWith('fatal:') || line.startsWith('error:')) ?? lines[0];
  return first === undefined ? undefined : describeToolLine(first);
}

/** A long-running git whose output is streamed; `done` settles with its exit code and stderr once it exits. */
export interface GitProcess {
  child: ChildProcessWithoutNullStreams;
  /** `timedOut`: git was killed for running past its timeout. */
  done: Promise<{ code: number; stderr: string; timedOut?: boolean }>;
}

const MAX_STDERR = 64 * 1024;

/** Spawns a streaming git; with `timeoutMs`, it is killed (and `done` says so) when it runs longer. */
export function spawnGit(
  location: GitLocation,
  args: readonly string[],
  options: { timeoutMs?: number } = {},
): GitProcess {
  const child = spawn('git', gitArgs(args), { cwd: location.cwd, env: gitEnv(location), stdio: 'pipe' });
  let timedOut = false;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, options.timeoutMs);
  timer?.unref();
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < MAX_STDERR) stderr += chunk;
  });
  const done = new Promise<{ code: number; stderr: string; timedOut?: boolean }>((resolvePromise, reject) => {
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(notInstalled(error) ? new GitError('git: not installed or not on PATH') : error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), stderr, ...(timedOut ? { timedOut } : {}) });
    });
  });
  // A consumer that stops early closes stdin; git then gets EPIPE, which is not our error.
  child.stdin.on('error', () => {});
  return { child, done };
}

/** The git directory of the repository at `location`, or a GitError saying it is not one. */
export async function resolveGitDir(location: GitLocation): Promise<string> {
  const result = await gitOutput(location, ['rev-parse', '--absolute-git-dir'], { allowFail: true });
  if (result.code !== 0) {
    const reason = firstErrorLine(result.stderr) ?? 'not a git repository';
    throw new GitError(`${location.cwd}: ${reason.replace(/^fatal: /, '')}`);
  }
  return result.stdout.trim();
}
