// Gives git a repository of the target it cannot leave: https://git-scm.com/docs/gitrepository-layout
//
// Why a private git directory rather than git's own switches: git has no switch that stops it reading a
// repository's `objects/info/alternates`, `commondir`, `[include]`/`includeIf` paths or a symlinked `objects/`,
// and it resolves each against the machine it runs on, not against the audited tree. GIT_CONFIG_NOSYSTEM and
// GIT_CONFIG_GLOBAL only cover the other config scopes, and a FIFO as `HEAD` or `config` blocks git before any
// timeout of ours could tell why. So git never sees the target's git directory itself. We read its layout through
// the Target view (the same resolver every control uses: `..` stops at the root, absolute links restart there,
// only regular files are read, every read is bounded), and hand git a private directory holding:
// - `HEAD`, the refs, `packed-refs`, the stash reflog and `shallow`, copied;
// - a `config` of our own: the repository's format and extensions only, so includes and bad lines are never read;
// - the objects: the target's own object directory when it is a plain tree of regular files with no alternates
//   (a directory target; no copy), else a bounded copy, with each alternate resolved inside the target and copied
//   beside it (GIT_ALTERNATE_OBJECT_DIRECTORIES), never through git's reading of the file.
// git runs with GIT_DIR, GIT_COMMON_DIR and GIT_OBJECT_DIRECTORY set to these (run-git.ts), so no discovery,
// commondir or alternates file of the target is consulted.
import { mkdirSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import { writeFreshFile } from '../../fs/atomic-write.js';
import { makeTempDirectory } from '../../fs/temp-directory.js';
import { appendAll } from '../../parsers/lists.js';
import { TargetError } from '../../target/errors.js';
import type { Target } from '../../target/types.js';
import { type ConfinedGitDir, GitError } from './run-git.js';

/** The files copied out of a target (a tar's objects, refs, alternates) total at most this much. */
export const MAX_EXTRACTED_BYTES = 512 * 1024 * 1024;
/** HEAD, commondir and an alternates line are a line each; a config is small. */
const MAX_SMALL_FILE_BYTES = 64 * 1024;
const MAX_CONFIG_BYTES = 1024 * 1024;
/** git follows alternates of alternates this deep (sha1-file.c); so do we. */
const MAX_ALTERNATE_DEPTH = 5;
/** Directory levels under `objects/` (`pack/`, `xx/`, `info/commit-graphs/`): deeper is not git's layout. */
const MAX_OBJECT_TREE_DEPTH = 4;

/** What the repository's layout asked for that was not followed: one line each, naming the file. */
export interface ConfinedRepository {
  location: { cwd: string; confined: ConfinedGitDir };
  /** Things the scan could not read (the history may be incomplete): become the control's `error`. */
  errors: string[];
  /** Things deliberately not read that cannot hide history (includes of the config): informational. */
  notes: string[];
}

interface Budget {
  left: number;
}

const inTarget = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);

function hostPathOf(target: Target, canonical: string): string {
  return target.source === '/' ? canonical : join(target.source, canonical);
}

/** Reads a regular file of the target (symlinks followed inside it); undefined when absent; never opens a FIFO. */
async function readRegular(
  target: Target,
  path: string,
  maxBytes: number,
  errors: string[],
): Promise<Buffer | undefined> {
  const stat = await target.stat(path);
  if (!stat) return undefined;
  if (stat.type !== 'file') {
    errors.push(`${path}: not a regular file (${stat.type}); not read`);
    return undefined;
  }
  try {
    return await target.readFile(path, { maxBytes });
  } catch (error) {
    errors.push((error as Error).message);
    return undefined;
  }
}

/**
 * Copies a tree of the target (symlinks followed inside the target, regular files only), within `budget`. Anything
 * else is reported in `errors` and left out. `skip` names in-target paths not copied.
 */
async function copyTree(
  target: Target,
  from: string,
  to: string,
  budget: Budget,
  errors: string[],
  skip: (path: string) => boolean = () => false,
  depth = 0,
): Promise<void> {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const entry of await target.readDirEntries(from)) {
    const source = inTarget(from, entry.name);
    if (skip(source)) continue;
    const stat = entry.type === 'symlink' ? await target.stat(source) : { type: entry.type };
    const destination = join(to, entry.name);
    if (stat?.type === 'dir' && depth < 16) {
      await copyTree(target, source, destination, budget, errors, skip, depth + 1);
    } else if (stat?.type === 'file') {
      const content = await target.readFile(source, { maxBytes: budget.left });
      budget.left -= content.length;
      writeFreshFile(destination, content, 0o600);
    } else errors.push(`${source}: not a regular file or directory (${stat?.type ?? 'dangling symlink'}); not read`);
  }
}

/** True when `objects/` is a plain tree of regular files and directories, with no alternates file. */
async function isPlainObjectTree(target: Target, dir: string, depth = 0): Promise<boolean> {
  for (const entry of await target.readDirEntries(dir)) {
    const path = inTarget(dir, entry.name);
    if (depth === 1 && dir.endsWith('/info') && (entry.name === 'alternates' || entry.name === 'http-alternates')) {
      return false;
    }
    if (entry.type === 'dir') {
      if (depth >= MAX_OBJECT_TREE_DEPTH || !(await isPlainObjectTree(target, path, depth + 1))) return false;
    } else if (entry.type !== 'file') return false;
  }
  return true;
}

/**
 * The object directories `objects` borrows from (its alternates, theirs, …), resolved inside the target: each
 * line is a path, absolute (from the target's root) or relative to the object directory that names it.
 */
async function alternatesOf(target: Target, objects: string, errors: string[]): Promise<string[]> {
  const found: string[] = [];
  const seen = new Set([objects]);
  let level = [objects];
  for (let depth = 0; depth < MAX_ALTERNATE_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const file = inTarget(dir, 'info/alternates');
      const text = await readRegular(target, file, MAX_SMALL_FILE_BYTES, errors);
      if (text === undefined) continue;
      for (const raw of text.toString('utf8').split('\n')) {
        const line = raw.trim();
        if (line === '' || line.startsWith('#')) continue;
        let resolved: string | undefined;
        const named = posix.resolve(dir, line);
        try {
          resolved = await target.realpath(named);
        } catch {
          resolved = undefined;
        }
        if (resolved === undefined || (await target.stat(resolved))?.type !== 'dir') {
          errors.push(`${file}: names ${named}, which is not a directory inside the target; not read`);
          continue;
        }
        if (seen.has(resolved)) continue;
        seen.add(resolved);
        found.push(resolved);
        next.push(resolved);
      }
    }
    level = next;
  }
  if (level.length > 0) errors.push(`${objects}/info/alternates: alternates nest deeper than ${MAX_ALTERNATE_DEPTH}`);
  return found;
}

/** The in-target git directory whose objects and refs this one shares (`commondir`), or itself. */
async function commonDirOf(target: Target, gitDir: string, errors: string[]): Promise<string> {
  const file = inTarget(gitDir, 'commondir');
  const text = await readRegular(target, file, MAX_SMALL_FILE_BYTES, errors);
  if (text === undefined) return gitDir;
  const pointer = text.toString('utf8').trim();
  try {
    const common = await target.realpath(posix.resolve(gitDir, pointer));
    if ((await target.stat(inTarget(common, 'objects')))?.type === 'dir') return common;
  } catch {
    // Reported below.
  }
  errors.push(`${file}: names no repository inside the target; its objects and refs were not read`);
  return gitDir;
}

/** A repository format and the extensions git needs to read it; nothing else of the target's config is kept. */
export function safeConfig(text: string): { config: string; includes: boolean } {
  let section = '';
  let version = '0';
  const extensions: string[] = [];
  const promisors: string[] = [];
  let includes = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[;#].*$/, '').trim();
    const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"([^"\\\n]*)")?\s*\]$/.exec(line);
    if (header) {
      section = `${(header[1] ?? '').toLowerCase()}${header[2] !== undefined ? `.${header[2]}` : ''}`;
      if (/^include(?:if)?$/.test(header[1]?.toLowerCase() ?? '')) includes = true;
      continue;
    }
    const pair = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*([A-Za-z0-9._-]+)$/.exec(line);
    if (!pair) continue;
    const key = (pair[1] ?? '').toLowerCase();
    const value = pair[2] ?? '';
    if (section === 'core' && key === 'repositoryformatversion' && /^[01]$/.test(value)) version = value;
    else if (section === 'extensions' && /^(objectformat|refstorage|partialclone|compatobjectformat)$/.test(key)) {
      extensions.push(`\t${key} = ${value}`);
    } else if (section.startsWith('remote.') && key === 'promisor' && /^[A-Za-z0-9._-]+$/.test(section.slice(7))) {
      promisors.push(`[remote "${section.slice(7)}"]\n\tpromisor = ${value}`);
    }
  }
  const lines = ['[core]', `\trepositoryformatversion = ${version}`, '\tbare = true'];
  if (extensions.length > 0) {
    lines.push('[extensions]');
    appendAll(lines, extensions);
  }
  appendAll(lines, promisors);
  return { config: `${lines.join('\n')}\n`, includes };
}

const HEAD_LINE = /^(?:ref: refs\/[^\0\s]+|[0-9a-f]{40}|[0-9a-f]{64})\n?$/;

/** Copies what git needs besides objects: HEAD, refs, packed-refs, the stash reflog, shallow, reftable. */
async function copyRefs(
  target: Target,
  gitDir: string,
  common: string,
  shadow: string,
  budget: Budget,
  errors: string[],
): Promise<void> {
  const headPath = inTarget(gitDir, 'HEAD');
  const head = await readRegular(target, headPath, MAX_SMALL_FILE_BYTES, errors);
  if (head === undefined || !HEAD_LINE.test(head.toString('utf8'))) {
    const why = errors.find((line) => line.startsWith(`${headPath}:`)) ?? `${headPath}: missing or not a ref`;
    throw new GitError(`${why}; not a git repository`);
  }
  writeFreshFile(join(shadow, 'HEAD'), head, 0o600);
  for (const name of ['refs', 'reftable', 'logs/refs/stash']) {
    const source = inTarget(common, name);
    const stat = await target.stat(source);
    if (stat?.type === 'dir') await copyTree(target, source, join(shadow, name), budget, errors);
    else if (stat?.type === 'file') {
      const content = await readRegular(target, source, budget.left, errors);
      if (content === undefined) continue;
      mkdirSync(join(shadow, posix.dirname(name)), { recursive: true, mode: 0o700 });
      budget.left -= content.length;
      writeFreshFile(join(shadow, name), content, 0o600);
    }
  }
  mkdirSync(join(shadow, 'refs'), { recursive: true, mode: 0o700 });
  for (const name of ['packed-refs', 'shallow']) {
    const content = await readRegular(target, inTarget(common, name), budget.left, errors);
    if (content === undefined) continue;
    budget.left -= content.length;
    writeFreshFile(join(shadow, name), content, 0o600);
  }
}

async function prepare(target: Target, gitDirArg: string, temp: string): Promise<ConfinedRepository> {
  const errors: string[] = [];
  const notes: string[] = [];
  const budget: Budget = { left: MAX_EXTRACTED_BYTES };
  const gitDir = await target.realpath(gitDirArg);
  if ((await target.stat(gitDir))?.type !== 'dir') throw new GitError(`${gitDirArg}: not a directory`);
  const common = await commonDirOf(target, gitDir, errors);
  const shadow = join(temp, 'repo.git');
  mkdirSync(shadow, { mode: 0o700 });
  await copyRefs(target, gitDir, common, shadow, budget, errors);

  const configText = await readRegular(target, inTarget(common, 'config'), MAX_CONFIG_BYTES, errors);
  const { config, includes } = safeConfig(configText?.toString('utf8') ?? '');
  if (includes)
    notes.push(
      `${inTarget(common, 'config')}: its include/includeIf files were not read (only the repository format is used)`,
    );
  writeFreshFile(join(shadow, 'config'), config, 0o600);

  const objectsPath = inTarget(common, 'objects');
  let objects: string;
  try {
    objects = await target.realpath(objectsPath);
  } catch (error) {
    throw new GitError(`${objectsPath}: ${(error as Error).message}`);
  }
  if ((await target.stat(objects))?.type !== 'dir')
    throw new GitError(`${objectsPath}: not a directory inside the target`);
  const alternates = await alternatesOf(target, objects, errors);
  const confined: ConfinedGitDir = { gitDir: shadow, objectDir: '', alternates: [] };
  if (target.kind !== 'tar' && alternates.length === 0 && (await isPlainObjectTree(target, objects))) {
    // A plain tree of regular files inside the root: git may read it where it is (no copy).
    confined.objectDir = hostPathOf(target, objects);
  } else {
    const skipAlternates = (path: string) => /\/info\/(?:http-)?alternates$/.test(path);
    const copy = async (from: string, to: string) => {
      try {
        await copyTree(target, from, to, budget, errors, skipAlternates);
      } catch (error) {
        if ((error as { code?: string }).code === 'ETOOBIG') {
          throw new GitError(
            `${from}: more than ${MAX_EXTRACTED_BYTES} bytes of objects to copy out of the target; not searched`,
          );
        }
        throw error;
      }
    };
    confined.objectDir = join(temp, 'objects');
    await copy(objects, confined.objectDir);
    for (const [index, alternate] of alternates.entries()) {
      const to = join(temp, `alternate-${index}`);
      await copy(alternate, to);
      confined.alternates.push(to);
    }
  }
  return { location: { cwd: shadow, confined }, errors, notes };
}

/**
 * Runs `scan` on the target's git directory `gitDir` as a confined repository (see the top of this file). The
 * private directory is removed whatever happens.
 */
export async function withConfinedRepository<T>(
  target: Target,
  gitDir: string,
  scan: (repository: ConfinedRepository) => Promise<T>,
  /** How a line naming an in-target path is shown (scan --history shows host paths); default: as it is. */
  show: (line: string) => string = (line) => line,
): Promise<T> {
  if (target.kind === 'remote') {
    // Copying a remote repository here would put its contents (and the key, if it is there) on this machine's disk.
    throw new GitError(`${gitDir}: git history on a remote host is not searched over SSH; run the audit on the host`);
  }
  const temp = makeTempDirectory('git');
  try {
    let repository: ConfinedRepository;
    try {
      repository = await prepare(target, gitDir, temp);
    } catch (error) {
      if (error instanceof GitError || error instanceof TargetError) throw new GitError(show(error.message));
      throw error;
    }
    return await scan({ ...repository, errors: repository.errors.map(show), notes: repository.notes.map(show) });
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
