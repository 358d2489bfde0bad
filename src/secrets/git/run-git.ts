// Runs git read-only against a repository that may be hostile or a partial clone: https://git-scm.com/docs/git-config#SCOPES
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { describeToolLine } from '../../parsers/tool-messages.js';
import { runProgram } from '../../target/run-program.js';

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
  // $HOME/.config/git/attributes is read even with GIT_ATTR_NOSYSTEM: nothing of the auditing user's is wanted.
  'core.attributesFile=/dev/null',
  // Removing a dangling ref from the private copy (history.ts) writes no reflog, so git needs no identity.
  'core.logAllRefUpdates=false',
  'core.quotePath=false',
  'log.showSignature=false',
  'gc.auto=0',
  'maintenance.auto=false',
];

/**
 * A repository git must not leave (target-repo.ts): git is told exactly where its git directory and objects are,
 * so it neither discovers a repository nor reads a `commondir` or an alternates file of its own accord.
 */
export interface ConfinedGitDir {
  gitDir: string;
  objectDir: string;
  /** Object directories to borrow from, already resolved inside the target (or copied out of it). */
  alternates: string[];
}

export interface GitLocation {
  /** The directory git runs in (a work tree or a git directory). */
  cwd: string;
  /** Set for a repository of an audit target: GIT_DIR, GIT_COMMON_DIR and GIT_OBJECT_DIRECTORY are given. */
  confined?: ConfinedGitDir;
  /** Every git process for this repository is killed after this long (default: gitTimeoutMs()). */
  timeoutMs?: number;
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
    // A fixed identity: git would otherwise look one up (/etc/passwd, /etc/mailname, the resolver) for a ref update.
    GIT_COMMITTER_NAME: 'signer-opsec',
    GIT_COMMITTER_EMAIL: 'signer-opsec@localhost',
    GIT_AUTHOR_NAME: 'signer-opsec',
    GIT_AUTHOR_EMAIL: 'signer-opsec@localhost',
  };
  if (location.searchParents === false) env.GIT_CEILING_DIRECTORIES = dirname(resolve(location.cwd));
  if (location.confined) {
    env.GIT_DIR = location.confined.gitDir;
    // Set, so git never reads a `commondir` file to find one.
    env.GIT_COMMON_DIR = location.confined.gitDir;
    env.GIT_OBJECT_DIRECTORY = location.confined.objectDir;
    if (location.confined.alternates.length > 0) {
      env.GIT_ALTERNATE_OBJECT_DIRECTORIES = location.confined.alternates.join(':');
    }
  }
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

/** A streaming git (a walk, a cat-file) that has not finished after this long is stopped: one hour by default. */
export const DEFAULT_GIT_TIMEOUT_MS = 60 * 60 * 1000;

/**
 * The longest any one git process may run: SIGNER_OPSEC_GIT_TIMEOUT (seconds) when set, for a huge history on a slow
 * disk or a test that wants a quick kill; else DEFAULT_GIT_TIMEOUT_MS. A git killed for it makes the search incomplete.
 */
export function gitTimeoutMs(): number {
  const seconds = Number(process.env.SIGNER_OPSEC_GIT_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_GIT_TIMEOUT_MS;
}

/**
 * Runs git to completion and returns its stdout (at most 64 MiB, within `timeoutMs`); a non-zero exit rejects with
 * git's first error line.
 */
export async function gitOutput(
  location: GitLocation,
  args: readonly string[],
  options: { allowFail?: boolean; timeoutMs?: number } = {},
) {
  const timeoutMs = Math.min(options.timeoutMs ?? SHORT_GIT_TIMEOUT_MS, location.timeoutMs ?? gitTimeoutMs());
  const outcome = await runProgram('git', gitArgs(args), {
    cwd: location.cwd,
    env: gitEnv(location),
    maxBytes: 64 * 1024 * 1024,
    timeoutMs,
  });
  const where = `git ${args[0]} in ${location.cwd}`;
  if (outcome.kind === 'not-started') {
    if (outcome.code === 'ENOENT') throw new GitError('git: not installed or not on PATH');
    throw new GitError(`${where}: could not be started (${outcome.code})`);
  }
  // Never a partial answer: a walk cut short by the deadline or the bound must not read as a complete one.
  if (outcome.kind === 'timeout') throw new GitError(`${where}: no answer within ${timeoutMs} ms`);
  if (outcome.kind === 'overflow') throw new GitError(`${where}: printed more than 64 MiB`);
  const code = outcome.code ?? 1;
  if (code !== 0 && !options.allowFail)
    throw new GitError(`${where}: ${firstErrorLine(outcome.stderr) ?? `exit ${code}`}`);
  return { code, stdout: outcome.stdout, stderr: outcome.stderr };
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

/**
 * Spawns a streaming git; it is killed (and `done` says so) when it runs longer than `timeoutMs`, the location's
 * timeout or gitTimeoutMs(), whichever is least: no git runs unbounded.
 */
export function spawnGit(
  location: GitLocation,
  args: readonly string[],
  options: { timeoutMs?: number } = {},
): GitProcess {
  const child = spawn('git', gitArgs(args), { cwd: location.cwd, env: gitEnv(location), stdio: 'pipe' });
  let timedOut = false;
  const timeoutMs = Math.min(options.timeoutMs ?? Number.POSITIVE_INFINITY, location.timeoutMs ?? gitTimeoutMs());
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  timer.unref();
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
