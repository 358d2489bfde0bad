// Scans what each commit reachable from any ref or stash entry added (its patch), and reports each leak once:
// grouped by secret and path, with the commit that introduced it and the refs whose tip still hold it.
import { lstatSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { compareBytes } from '../../parsers/glob.js';
import { DirectoryTarget } from '../../target/directory-target.js';
import { hexRunStarts } from '../candidates.js';
import { type PendingFinding, scanContentPending, textToScan, withFingerprints } from '../scan-content.js';
import { DEFAULT_MAX_FILE_BYTES, type Finding, type ScanOptions, type ScanResult, type ScanStats } from '../types.js';
import { type Addition, AdditionGroups } from './additions.js';
import { readBatchGroups } from './cat-file.js';
import { CommitQueue, changedBlobs, walkDiffs } from './diff-walk.js';
import { gitDirFromFile } from './find-repos.js';
import { withTightHeap } from './heap-growth.js';
import { nonCommitRefs, startLogWalk } from './log-walk.js';
import { scanMergeResolutions } from './merge-walk.js';
import type { CommitHeader, FilePatch } from './patch-parser.js';
import { listTips, tipHoldings } from './ref-tips.js';
import { firstErrorLine, GitError, type GitLocation, gitOutput, spawnGit } from './run-git.js';
import { type ConfinedRepository, withConfinedRepository } from './target-repo.js';
import { type HistoryWalk, startRevListWalk } from './walk.js';
import { WarningList } from './warnings.js';

export interface GitScanOptions {
  /** When false, `repoDir` itself must be the repository (an audit never lets git look above it). Default true. */
  searchParents?: boolean;
  /** Only commits reachable from a ref but not from this one (`--since REF`: what a push adds). */
  since?: string;
  /** Only the commits of this range (`A..B`, `--range`: what a pull request adds). */
  range?: string;
  /** Called as commits are walked (done of total), at most a few times a second by the caller's choice. */
  onProgress?: (done: number, total: number) => void;
  /** git processes reading patches at once; default: the CPUs available, at most 4. */
  processes?: number;
  /** The whole walk is stopped (and the scan reported incomplete) after this long; default one hour. */
  timeoutMs?: number;
}

export const DEFAULT_HISTORY_TIMEOUT_MS = 60 * 60 * 1000;

/** Which of `oids` the repository has (`cat-file --batch-check` answers "missing" for the others). */
async function presentObjects(location: GitLocation, oids: readonly string[]): Promise<Set<string>> {
  const present = new Set<string>();
  if (oids.length === 0) return present;
  const git = spawnGit(location, ['cat-file', '--batch-check=%(objectname)', '--buffer']);
  git.child.stdin.end(`${oids.join('\n')}\n`);
  git.child.stdout.setEncoding('utf8');
  let output = '';
  for await (const chunk of git.child.stdout as AsyncIterable<string>) output += chunk;
  const { code, timedOut } = await git.done;
  if (code !== 0)
    throw new GitError(`git cat-file in ${location.cwd}: ${timedOut ? 'did not finish in time' : `exit ${code}`}`);
  for (const line of output.split('\n')) if (/^[0-9a-f]{40,64}$/.test(line)) present.add(line);
  return present;
}

/**
 * Removes, from the private copy of the refs (target-repo.ts; never the target's), every ref naming an object the
 * repository lacks, and points a detached HEAD that does at nothing: git refuses to walk `--all` past one such ref,
 * so one dangling ref would otherwise hide the whole history. Returns one line per ref removed: the history it named
 * is not there to search, so the caller reports the scan incomplete.
 */
async function dropDanglingRefs(location: GitLocation & { confined: object }): Promise<string[]> {
  const [names, oids] = await Promise.all([
    gitOutput(location, ['rev-parse', '--symbolic-full-name', '--all'], { allowFail: true }),
    gitOutput(location, ['rev-parse', '--all'], { allowFail: true }),
  ]);
  const refs = names.stdout.split('\n').filter((line) => line !== '');
  const targets = oids.stdout.split('\n').filter((line) => line !== '');
  const head = await gitOutput(location, ['rev-parse', '-q', '--verify', 'HEAD'], { allowFail: true });
  const detached = (await gitOutput(location, ['symbolic-ref', '-q', 'HEAD'], { allowFail: true })).code !== 0;
  const headOid = detached && head.code === 0 ? head.stdout.trim() : undefined;
  const present = await presentObjects(location, [...targets, ...(headOid ? [headOid] : [])]);
  const dropped: string[] = [];
  for (const [index, ref] of refs.entries()) {
    const oid = targets[index];
    if (oid === undefined || present.has(oid) || !ref.startsWith('refs/')) continue;
    await gitOutput(location, ['update-ref', '--no-deref', '-d', ref]);
    dropped.push(
      `${ref} names object ${oid.slice(0, 12)}, which the repository lacks (a dangling ref); the rest was searched`,
    );
  }
  if (headOid !== undefined && !present.has(headOid)) {
    // HEAD of the private copy only (never the target's): git rewrites it, so no file write of ours is needed.
    await gitOutput(location, ['symbolic-ref', 'HEAD', 'refs/heads/signer-opsec-dangling-head']);
    dropped.push(`HEAD names object ${headOid.slice(0, 12)}, which the repository lacks; the rest was searched`);
  }
  return dropped;
}

/** Every stash entry, not only the newest: older ones live only in the reflog of refs/stash. */
export async function listStashes(location: GitLocation): Promise<string[]> {
  const exists = await gitOutput(location, ['rev-parse', '--verify', '--quiet', 'refs/stash'], { allowFail: true });
  if (exists.code !== 0) return [];
  const reflog = await gitOutput(location, ['reflog', 'show', '--format=%H', 'refs/stash', '--'], { allowFail: true });
  const fromReflog =
    reflog.code === 0 ? reflog.stdout.split('\n').filter((line) => /^[0-9a-f]{40,64}$/.test(line)) : [];
  return [...new Set([exists.stdout.trim(), ...fromReflog])];
}

export function checkDirectory(repoDir: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(repoDir).isDirectory();
  } catch (error) {
    throw new GitError(
      `${repoDir}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read'}`,
    );
  }
  if (!isDirectory) throw new GitError(`${repoDir}: not a directory`);
}

/**
 * A repository with more objects than this is walked with rev-list, which keeps its own compact object flags, rather
 * than one git log whose blob ids this process must remember (about 100 bytes each).
 */
export const MAX_OBJECTS_FOR_LOG_WALK = 1_000_000;

/** Objects in the repository (loose and packed, an upper bound on its blobs); undefined when git cannot say. */
async function objectCount(location: GitLocation): Promise<number | undefined> {
  const result = await gitOutput(location, ['count-objects', '-v'], { allowFail: true });
  if (result.code !== 0) return undefined;
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(result.stdout)?.[1] ?? Number.NaN);
  const total = field('count') + field('in-pack');
  return Number.isFinite(total) ? total : undefined;
}

/** A partial clone lacks objects its promisor remote has: only rev-list can list them without fetching. */
async function isPartialClone(location: GitLocation): Promise<boolean> {
  const config = await gitOutput(
    location,
    ['config', '--get-regexp', '^(extensions\\.partialclone|remote\\..*\\.promisor)$'],
    { allowFail: true },
  );
  return config.code === 0 && config.stdout.trim() !== '';
}

interface BlobFinding {
  blob: string;
  finding: PendingFinding;
}

/** Arguments naming a revision must not read as options: `--since --output=x` is refused, not passed on. */
function checkRevision(option: string, value: string): void {
  if (value === '' || value.startsWith('-') || /[\s\0]/.test(value)) {
    throw new GitError(`${option} ${JSON.stringify(value)}: not a revision name`);
  }
}

/** The commits to walk, newest first (rev-list's order: the position is how old a commit is), and which are merges. */
interface CommitList {
  commits: string[];
  /** Merge commits (two or more parents) by id, with their position in `commits`. */
  merges: Map<string, number>;
}

/** Called for each commit as rev-list prints it: its id, its position (larger is older), whether it is a merge. */
type OnListed = (commit: string, index: number, merge: boolean) => void;

async function listCommits(
  location: GitLocation,
  stashes: readonly string[],
  options: GitScanOptions,
  onListed: OnListed = () => {},
): Promise<CommitList> {
  const args = ['rev-list', '--parents'];
  if (options.range !== undefined) {
    checkRevision('--range', options.range);
    args.push('--end-of-options', options.range);
  } else {
    args.push('--all', '--stdin');
    if (options.since !== undefined) {
      checkRevision('--since', options.since);
      args.push('--end-of-options', `^${options.since}`);
    }
  }
  const git = spawnGit(location, args, { timeoutMs: 600_000 });
  git.child.stdin.end(options.range === undefined && stashes.length > 0 ? `${stashes.join('\n')}\n` : '');
  git.child.stdout.setEncoding('latin1');
  const commits: string[] = [];
  const merges = new Map<string, number>();
  // `<commit> <parent>…`: two parents or more is a merge.
  const take = (line: string) => {
    if (line === '') return;
    const space = line.indexOf(' ');
    const commit = space === -1 ? line : line.slice(0, space);
    const merge = space !== -1 && line.indexOf(' ', space + 1) !== -1;
    if (merge) merges.set(commit, commits.length);
    onListed(commit, commits.length, merge);
    commits.push(commit);
  };
  let partial = '';
  for await (const chunk of git.child.stdout as AsyncIterable<string>) {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) take(line);
  }
  take(partial);
  const { code, stderr } = await git.done;
  if (code !== 0) {
    throw new GitError(`git rev-list in ${location.cwd}: ${firstErrorLine(stderr) ?? `exit ${code}`}`);
  }
  return { commits, merges };
}

/**
 * Lines whose meaning depends on lines a patch need not show: a plain `password =` (a bitcoind password only under
 * `[burnchain]`) and a YAML list item holding a key (named by its block's header). The file's blob is read for these.
 */
export const NEEDS_CONTEXT = /^[ \t]*["']?password["']?[ \t]*[:=]|^[ \t]*-[ \t]+["']?(?:0[xX])?[0-9a-fA-F]{64}/im;
// NEEDS_CONTEXT's two branches, each run only where a native search says it can match: a multiline regex tries
// every line start of the text, and most patches hold a `- ` (markdown, YAML, arithmetic) but no 64-hex run.
const PASSWORD_LINE = /^[ \t]*["']?password["']?[ \t]*[:=]/im;
const KEY_LIST_ITEM = /^[ \t]*-[ \t]+["']?(?:0[xX])?[0-9a-fA-F]{64}/m;
const PASSWORD = Buffer.from('password', 'latin1');

/** Whether `text` holds `password` in any case: found by its `w` (rare in code), then compared caselessly. */
function hasPasswordAnyCase(text: Buffer): boolean {
  for (const w of [0x77, 0x57]) {
    for (let at = text.indexOf(w, 4); at !== -1; at = text.indexOf(w, at + 1)) {
      let same = at + 4 <= text.length;
      for (let i = 0; same && i < PASSWORD.length; i++) same = ((text[at - 4 + i] as number) | 0x20) === PASSWORD[i];
      if (same) return true;
    }
  }
  return false;
}

/**
 * NEEDS_CONTEXT.test on `text` read as latin1, behind a native pre-check (the word password, lower or upper case, or
 * a `- `): the string the regexes need is made only for the few texts that pass it.
 */
export function needsContext(text: Buffer): boolean {
  if (!text.includes('assword') && !text.includes('ASSWORD') && !text.includes('- ')) return false;
  let latin1: string | undefined;
  if (hasPasswordAnyCase(text)) {
    latin1 = text.toString('latin1');
    if (PASSWORD_LINE.test(latin1)) return true;
  }
  if (hexRunStarts(text).length === 0) return false;
  latin1 ??= text.toString('latin1');
  return KEY_LIST_ITEM.test(latin1);
}

interface BlobRequest {
  path: string;
  index: number;
  commit: CommitHeader;
  /** Keep only findings on these lines (the added ones); all lines when absent (a binary or fallback read). */
  lines?: Set<number>;
}

interface Counters {
  stats: ScanStats;
  warnings: WarningList;
  /** Missing objects counted so far: the merge walk and the blob reads can both meet the same one. */
  missing: Set<string>;
}

/**
 * The request of the oldest commit (ties: the first path), which a warning about the blob names: the requests of a
 * blob come in the order the concurrent patch walk met them, so the first one is not the same from run to run.
 */
function oldestRequest(requests: readonly BlobRequest[]): BlobRequest | undefined {
  let oldest: BlobRequest | undefined;
  for (const request of requests) {
    if (
      oldest === undefined ||
      request.index > oldest.index ||
      (request.index === oldest.index && request.path < oldest.path)
    )
      oldest = request;
  }
  return oldest;
}

/**
 * Reads whole blobs a patch could not stand in for (binary to git, needing context, over the added-bytes cap, or of
 * a commit git could not show) and adds their findings. Memory: one cat-file pipe read at a time.
 */
async function scanRequestedBlobs(
  location: GitLocation,
  requests: Map<string, BlobRequest[]>,
  options: ScanOptions,
  maxBytes: number,
  groups: AdditionGroups,
  { stats, warnings, missing }: Counters,
  timeoutMs: number,
): Promise<string | undefined> {
  if (requests.size === 0) return undefined;
  const git = spawnGit(location, ['cat-file', '--batch', '--buffer'], { timeoutMs });
  git.child.stdin.end(`${[...requests.keys()].join('\n')}\n`);
  for await (const group of readBatchGroups(git.child.stdout, maxBytes)) {
    for (const object of group) {
      if ('missing' in object) {
        if (!missing.has(object.missing)) stats.missingObjects = (stats.missingObjects ?? 0) + 1;
        missing.add(object.missing);
        stats.skippedUnreadable++;
        const asked = requests.get(object.missing) ?? [];
        const paths = [...new Set(asked.map(({ path }) => path))].sort().join(', ');
        warnings.add(
          `${paths} (blob ${object.missing.slice(0, 12)}): missing from the repository, not scanned`,
          oldestRequest(asked)?.index,
        );
        continue;
      }
      stats.blobs = (stats.blobs ?? 0) + 1;
      const wanted = requests.get(object.oid) ?? [];
      if (object.content === undefined) {
        stats.skippedTooLarge++;
        const oldest = oldestRequest(wanted);
        warnings.add(
          `${oldest?.path ?? object.oid} (blob ${object.oid.slice(0, 12)}): ${object.size} bytes, over the ${maxBytes}-byte cap, not scanned`,
          oldest?.index,
        );
        continue;
      }
      const text = textToScan(object.content);
      if (text === undefined) {
        stats.skippedBinary++;
        continue;
      }
      stats.filesScanned++;
      stats.bytesScanned += object.size;
      const byPath = new Map<string, PendingFinding[]>();
      for (const request of wanted) {
        let found = byPath.get(request.path);
        if (found === undefined) {
          found = scanContentPending(text, request.path, options);
          byPath.set(request.path, found);
        }
        for (const finding of found) {
          if (request.lines && !request.lines.has(finding.line)) continue;
          groups.add({ finding, commit: request.commit, age: request.index });
        }
      }
    }
  }
  const { code, stderr, timedOut } = await git.done;
  if (timedOut) return 'git cat-file did not finish in time';
  return code === 0 ? undefined : `git cat-file: ${firstErrorLine(stderr) ?? `exit ${code}`}`;
}

/**
 * Scans each commit's added lines (git diff-tree, shared out between processes), reading whole blobs only where a patch
 * cannot stand in for them. Returns why the walk is incomplete, if it is.
 */
async function scanPatches(
  location: GitLocation,
  listing: (onListed: OnListed) => Promise<CommitList>,
  options: ScanOptions & GitScanOptions,
  maxBytes: number,
  groups: AdditionGroups,
  counters: Counters,
): Promise<string[]> {
  const { stats, warnings } = counters;
  const requests = new Map<string, BlobRequest[]>();
  const request = (blob: string, entry: BlobRequest) => {
    if (/^0+$/.test(blob)) return;
    const list = requests.get(blob);
    if (list) list.push(entry);
    else requests.set(blob, [entry]);
  };
  const timeoutMs = options.timeoutMs ?? DEFAULT_HISTORY_TIMEOUT_MS;
  let done = 0;
  const onFile = (file: FilePatch, index: number) => {
    if (file.binary || file.truncated) {
      if (file.blob !== undefined) request(file.blob, { path: file.path, index, commit: file.commit });
      return;
    }
    // The parser's memory, reused for its next file: nothing kept from here may point into it (the findings' values
    // and the line numbers' set are copies).
    const { text } = file;
    stats.bytesScanned += text.length;
    for (const finding of scanContentPending(text, file.path, options)) {
      finding.line = file.lineNumbers[finding.line - 1] ?? finding.line;
      groups.add({ finding, commit: file.commit, age: index });
    }
    if (file.blob !== undefined && needsContext(text)) {
      request(file.blob, { path: file.path, index, commit: file.commit, lines: new Set(file.lineNumbers) });
    }
  };
  const processes = options.processes ?? Math.min(4, Math.max(1, availableParallelism()));
  // Merges are read by their blobs (merge-walk.ts), the rest by their patches; `ages` maps back to the full list.
  // The patch walk starts on rev-list's first lines: the queue grows as the list is read.
  const ages: number[] = [];
  const plain: string[] = [];
  const queue = new CommitQueue();
  let listed = 0;
  const onCommit = () => {
    done++;
    options.onProgress?.(done, listed);
  };
  const walking = walkDiffs(
    location,
    plain,
    processes,
    maxBytes,
    {
      onFile: (file, index) => onFile(file, ages[index] as number),
      onCommit,
      async onFallback({ commit, index: plainIndex, why }) {
        const index = ages[plainIndex] as number;
        try {
          const { header, blobs } = await changedBlobs(location, commit);
          for (const { path, blob } of blobs) {
            request(blob, { path, index, commit: header ?? { commit, date: '', author: '' } });
          }
          // Keyed by the commit's place in the walk: the git processes meet their fallbacks in no fixed order.
          warnings.add(
            `commit ${commit.slice(0, 12)}: its patch could not be shown (${why}); its files were read whole`,
            index,
          );
        } catch (error) {
          warnings.add(`commit ${commit.slice(0, 12)}: not read (${(error as Error).message})`, index);
          stats.skippedUnreadable++;
        }
      },
    },
    timeoutMs,
    queue,
  );
  let commits: string[];
  let merges: Map<string, number>;
  try {
    ({ commits, merges } = await listing((commit, index, merge) => {
      listed++;
      if (merge) return;
      plain.push(commit);
      ages.push(index);
      queue.grow(plain.length);
    }));
    queue.close();
  } catch (error) {
    // No list, no scan: the processes finish what they were handed and stop.
    queue.abandon();
    await walking.catch(() => {});
    throw error;
  }
  const [walk, mergeErrors] = await Promise.all([
    walking,
    scanMergeResolutions(location, merges, options, maxBytes, groups, counters, timeoutMs, onCommit),
  ]);
  stats.commits = commits.length;
  if (options.since === undefined && options.range === undefined) {
    for (const { path, blob } of await blobsOnlyTagsReach(location)) {
      request(blob, { path, index: Number.NEGATIVE_INFINITY, commit: { commit: '', date: '', author: '' } });
    }
  }
  const catFileError = await scanRequestedBlobs(location, requests, options, maxBytes, groups, counters, timeoutMs);
  const errors = [...walk.errors, ...mergeErrors];
  return catFileError === undefined ? errors : [...errors, catFileError];
}

/** The listing of blobs only tags reach (`oid path` lines) is held whole: at most this many characters. */
const MAX_TAGGED_LISTING = 256 * 1024 * 1024;

/**
 * Blobs of refs that name no commit (tags of a tree or a blob), which no commit walk sees: read whole, with the tree
 * path (or the blob id for a tagged blob).
 */
async function blobsOnlyTagsReach(location: GitLocation): Promise<{ path: string; blob: string }[]> {
  const tips = await nonCommitRefs(location);
  if (tips.length === 0) return [];
  const git = spawnGit(
    location,
    ['rev-list', '--objects', '--no-walk', '--stdin', '--missing=print', '--filter=object:type=blob'],
    { timeoutMs: 600_000 },
  );
  git.child.stdin.end(`${tips.join('\n')}\n`);
  git.child.stdout.setEncoding('utf8');
  let output = '';
  for await (const chunk of git.child.stdout as AsyncIterable<string>) {
    output += chunk;
    if (output.length > MAX_TAGGED_LISTING) {
      git.child.kill('SIGKILL');
      throw new GitError(`git rev-list of tagged trees in ${location.cwd}: over ${MAX_TAGGED_LISTING} bytes, stopped`);
    }
  }
  const { code, stderr, timedOut } = await git.done;
  if (code !== 0) {
    throw new GitError(
      `git rev-list of tagged trees in ${location.cwd}: ${timedOut ? 'did not finish in time' : (firstErrorLine(stderr) ?? `exit ${code}`)}`,
    );
  }
  const blobs: { path: string; blob: string }[] = [];
  for (const line of output.split('\n')) {
    const match = /^([0-9a-f]{40,64})(?: (.*))?$/.exec(line);
    if (match) blobs.push({ blob: match[1] as string, path: match[2] || (match[1] as string) });
  }
  return blobs;
}

/**
 * The blob walk (every blob reachable, each once, attributed to the commits that introduced it), kept for partial
 * clones: diff-tree would need the blobs they lack; rev-list lists what is there without fetching.
 */
async function scanBlobs(
  location: GitLocation,
  stashes: readonly string[],
  options: ScanOptions,
  maxBytes: number,
  groups: AdditionGroups,
  { stats, warnings }: Counters,
): Promise<string[]> {
  const tagTips = await nonCommitRefs(location);
  const walk: HistoryWalk =
    (await isPartialClone(location)) ||
    ((await objectCount(location)) ?? Number.POSITIVE_INFINITY) > MAX_OBJECTS_FOR_LOG_WALK
      ? startRevListWalk(location, stashes)
      : startLogWalk(location, stashes, tagTips);
  const hits: BlobFinding[] = [];
  try {
    for await (const group of walk.objects(maxBytes)) {
      for (const { object, path } of group) {
        if ('missing' in object) {
          stats.skippedUnreadable++;
          warnings.add(`object ${object.missing}: missing from the repository, not scanned`);
          continue;
        }
        if (object.type !== 'blob') continue;
        stats.blobs = (stats.blobs ?? 0) + 1;
        if (object.content === undefined) {
          stats.skippedTooLarge++;
          warnings.add(
            `${path} (blob ${object.oid.slice(0, 12)}): ${object.size} bytes, over the ${maxBytes}-byte cap, not scanned`,
          );
          continue;
        }
        const text = textToScan(object.content);
        if (text === undefined) {
          stats.skippedBinary++;
          continue;
        }
        stats.filesScanned++;
        stats.bytesScanned += object.size;
        for (const finding of scanContentPending(text, path, options)) {
          hits.push({ blob: object.oid, finding });
          walk.want(object.oid);
        }
      }
    }
  } catch (error) {
    walk.abort();
    throw error;
  }
  const end = await walk.finish();
  const errors = [...end.walkErrors];
  if (end.catFileError !== undefined) errors.push(`git cat-file stopped early (${end.catFileError})`);
  stats.commits = end.commits;
  stats.missingObjects = end.missing.length;
  if (end.missing.length > 0) {
    warnings.addFirst(
      `${end.missing.length} object(s) are missing (a partial clone, or a damaged repository): they were not scanned and nothing was fetched`,
    );
  }
  const { introductions, warning } = await walk.introductions();
  if (warning) warnings.add(warning);
  for (const { blob, finding } of hits) {
    const introduced = introductions.get(blob) ?? [];
    if (introduced.length === 0) {
      groups.add({ finding, commit: { commit: '', date: '', author: '' }, age: Number.NEGATIVE_INFINITY });
    }
    for (const { path, commit, author, date } of introduced) {
      const addition: Addition = {
        finding: { ...finding, file: path },
        commit: { commit, author, date },
        age: -Date.parse(date),
      };
      groups.add(addition);
    }
  }
  return errors;
}

/** The directory holding a repository (its work tree, or a bare repository itself), seen from `start`. */
function repositoryTop(start: string, searchParents: boolean): { root: string; gitDir: string } | undefined {
  // lstat only: a FIFO or device named `.git` or `HEAD` is never opened here.
  const kind = (path: string) => {
    const stat = lstatSync(path, { throwIfNoEntry: false });
    return stat?.isDirectory()
      ? 'dir'
      : stat?.isFile()
        ? 'file'
        : stat?.isSymbolicLink()
          ? 'symlink'
          : stat
            ? 'other'
            : undefined;
  };
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const dotGit = kind(join(dir, '.git'));
    if (dotGit === 'dir' || dotGit === 'file' || dotGit === 'symlink') return { root: dir, gitDir: '/.git' };
    if (
      kind(join(dir, 'HEAD')) === 'file' &&
      kind(join(dir, 'objects')) === 'dir' &&
      kind(join(dir, 'refs')) === 'dir'
    ) {
      return { root: dir, gitDir: '/' };
    }
    if (!searchParents || dir === dirname(dir)) return undefined;
  }
}

/**
 * Scans the history of the repository at `repoDir` (a work tree, a directory in one when `searchParents`, or a bare
 * repository), confined to the directory holding it: git reads nothing of the repository's outside that directory
 * (target-repo.ts says how). A `.git` file naming a git directory elsewhere (a linked worktree) is refused: scan
 * the repository it names. See scanConfinedHistory for what is scanned.
 */
export async function scanGitHistory(
  repoDir: string,
  options: ScanOptions,
  gitOptions: GitScanOptions = {},
): Promise<ScanResult> {
  checkDirectory(repoDir);
  const top = repositoryTop(repoDir, gitOptions.searchParents ?? true);
  if (top === undefined) throw new GitError(`${repoDir}: not a git repository`);
  const target = new DirectoryTarget(top.root);
  let gitDir = top.gitDir;
  if ((await target.lstat(gitDir))?.type === 'file') {
    const pointed = await gitDirFromFile(target, gitDir);
    if (pointed === undefined) {
      throw new GitError(
        `${join(top.root, '.git')}: names a git directory outside ${top.root} (a linked worktree or submodule?); scan that repository instead`,
      );
    }
    gitDir = pointed;
  }
  // Lines of the layout check name in-target paths; the user named a host directory.
  const inRoot = (line: string) => (line.startsWith('/') ? `${top.root}${line}` : line);
  return withConfinedRepository(
    target,
    gitDir,
    (repository) => scanConfinedHistory(repository, options, gitOptions, repoDir),
    inRoot,
  );
}

/**
 * Scans the history of a confined repository (target-repo.ts): every commit reachable from any ref (branches, tags,
 * remote-tracking refs, HEAD) or stash entry (older ones too), or only those of `since`/`range`. Each commit's patch
 * is read (`git diff-tree -p`, one process per core); a merge's paths whose blob no parent had are read whole, and
 * what its resolution added that no parent had is kept (merge-walk.ts). Findings are grouped by (secret, path): one finding per leak, naming the commit that introduced it, how
 * many commits added it again, and the refs whose tip still hold it. A partial clone is read blob by blob instead
 * (nothing is fetched). A walk that stopped early, or a repository part that could not be read, sets `incomplete`.
 */
export function scanConfinedHistory(
  repository: ConfinedRepository,
  options: ScanOptions,
  gitOptions: GitScanOptions = {},
  repoDir = repository.location.cwd,
): Promise<ScanResult> {
  return withTightHeap(() => scanConfinedHistoryNow(repository, options, gitOptions, repoDir));
}

async function scanConfinedHistoryNow(
  repository: ConfinedRepository,
  options: ScanOptions,
  gitOptions: GitScanOptions,
  repoDir: string,
): Promise<ScanResult> {
  const location: GitLocation = {
    ...repository.location,
    ...(gitOptions.timeoutMs !== undefined ? { timeoutMs: gitOptions.timeoutMs } : {}),
  };
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const warnings = new WarningList();
  for (const line of repository.notes) warnings.addFirst(line);
  const stats: ScanStats = {
    filesScanned: 0,
    bytesScanned: 0,
    skippedBinary: 0,
    skippedTooLarge: 0,
    skippedUnreadable: 0,
    commits: 0,
    blobs: 0,
    missingObjects: 0,
  };
  const counters: Counters = { stats, warnings, missing: new Set() };
  // Each group is one reported finding, so its fingerprint is wanted: the slow ones (scrypt, for guessable values)
  // start now, one at a time beside the walk, rather than all at its end with nothing else to run. Every addition of
  // a group holds the same value, so the memo answers for whichever addition ends up first.
  const groups = new AdditionGroups(({ finding }) => finding.secret.prefetch());
  const dangling = await dropDanglingRefs({ ...location, confined: repository.location.confined });
  const [allStashes, partial] = await Promise.all([listStashes(location), isPartialClone(location)]);
  // A stash reflog entry whose commit is gone is a dangling ref too.
  const presentStashes = await presentObjects(location, allStashes);
  const stashes = allStashes.filter((stash) => presentStashes.has(stash));
  for (const stash of allStashes) {
    if (!presentStashes.has(stash))
      dangling.push(`a stash entry names commit ${stash.slice(0, 12)}, which the repository lacks`);
  }
  const ranged = gitOptions.since !== undefined || gitOptions.range !== undefined;
  if (partial && ranged)
    throw new GitError(`${repoDir}: a partial clone is scanned whole; --since/--range need its blobs`);
  let errors: string[];
  try {
    if (partial) errors = await scanBlobs(location, stashes, options, maxBytes, groups, counters);
    else {
      errors = await scanPatches(
        location,
        (onListed) => listCommits(location, stashes, gitOptions, onListed),
        { ...options, ...gitOptions },
        maxBytes,
        groups,
        counters,
      );
    }
  } catch (error) {
    // git's complaint (a missing object, say) is a symptom; what the layout did not let us read is the cause.
    if (error instanceof GitError && repository.errors.length > 0) {
      throw new GitError(`${repoDir}: ${repository.errors[0]}; then ${error.message}`);
    }
    throw error;
  }
  // What could not be read of the repository's layout comes first: it is why the walk found less.
  errors = [...repository.errors, ...dangling, ...errors];
  if (errors.length > 0 && groups.additions === 0 && stats.commits === 0)
    throw new GitError(`${repoDir}: ${errors[0]}`);
  for (const error of errors)
    warnings.addFirst(`the history could not be walked completely (${error}); what was read was scanned`);
  if ((stats.missingObjects ?? 0) > 0 && !partial) {
    warnings.addFirst(
      `${stats.missingObjects} object(s) are missing from the repository: they were not scanned and nothing was fetched`,
    );
  }

  const grouped = groups.values();
  const tips = ranged ? [] : await listTips(location, stashes);
  const holdings = await tipHoldings(
    location,
    tips,
    [...new Set(grouped.map(({ first }) => first.finding.file))].sort(),
    options,
    maxBytes,
  );
  if (holdings.unchecked > 0) {
    warnings.add(
      `${holdings.unchecked} of ${tips.length} refs were not checked for what their tip still holds (too many refs)`,
    );
  }
  const pending = grouped.map(({ first, commits }) => {
    const { finding, commit } = first;
    const inRefs = holdings.holders.get(`${finding.secret.id}\u0000${finding.file}`) ?? [];
    return {
      ...finding,
      ...(commit.commit !== '' ? { commit: commit.commit, author: commit.author, date: commit.date } : {}),
      addedAgain: commits.size - 1,
      ...(ranged ? {} : { inRefs }),
      ...(holdings.unchecked > 0 ? { refsUnchecked: holdings.unchecked } : {}),
    };
  });
  const findings: Finding[] = await withFingerprints(pending);
  findings.sort(
    (a, b) =>
      compareBytes(a.file, b.file) ||
      a.line - b.line ||
      compareBytes(a.date ?? '', b.date ?? '') ||
      compareBytes(a.detector, b.detector) ||
      compareBytes(a.fingerprint, b.fingerprint) ||
      // Groups come in the order the concurrent walk made them: the order must not rest on that, even for ties.
      (a.column ?? 0) - (b.column ?? 0) ||
      compareBytes(a.commit ?? '', b.commit ?? ''),
  );
  stats.additions = groups.additions;
  const result: ScanResult = { findings, stats, warnings: warnings.lines() };
  if (errors.length > 0) result.incomplete = errors[0] as string;
  return result;
}
