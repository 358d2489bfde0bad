// What every commit added, from `git diff-tree --stdin -p`, shared out between git processes (one per core):
// https://git-scm.com/docs/git-diff-tree
import { compareBytes } from '../../parsers/glob.js';
import { COMMIT_FORMAT, type CommitHeader, type FilePatch, PatchParser } from './patch-parser.js';
import { firstErrorLine, type GitLocation, gitOutput, spawnGit } from './run-git.js';

/**
 * Patch text of each commit against its parent (the history scan hands merges to merge-walk.ts instead; were one
 * given, `--cc` shows the lines added against every parent). `-U0`: only changed lines. Deleted files
 * are not printed (`--irreversible-delete`), so their old content is never read; no renames (a renamed file's lines
 * count as added at the new path), no textconv or external diff (the repository's config runs nothing).
 */
export const DIFF_ARGS = [
  'diff-tree',
  '--stdin',
  '--always',
  '-p',
  '-U0',
  '--cc',
  '--root',
  '--full-index',
  '--no-renames',
  '--irreversible-delete',
  '--no-textconv',
  '--no-ext-diff',
  '--no-color',
  COMMIT_FORMAT,
] as const;

/** A commit the patch walk could not show (git stopped on an object it lacks): its changed blobs are read instead. */
export interface FallbackCommit {
  commit: string;
  /** Index in the walked commit list. */
  index: number;
  why: string;
}

export interface DiffWalkHandlers {
  /** A path one commit changed and what it added; `index` is the commit's position in the list walked. */
  onFile(file: FilePatch, index: number): void;
  /** One more commit's patch was read (for progress). */
  onCommit?(): void;
  /** A commit to read by its blobs instead (see FallbackCommit). */
  onFallback(fallback: FallbackCommit): Promise<void>;
}

export interface DiffWalkResult {
  /** Why part of the history was not walked, one line each: the scan is then incomplete. */
  errors: string[];
}

/** Commits handed to a git process at a time: small enough to balance the processes, large to keep pipes full. */
const CHUNK = 64;
/** A process is handed its next chunk once fewer than this many of its commits are still unshown. */
const LOW_WATER = 2 * CHUNK;
/** After this many restarts over unreadable objects, one process gives up (a damaged or stripped repository). */
const MAX_RESTARTS = 200;

/**
 * Hands out commit indexes in chunks, in order, to whichever git process runs low first. A fixed split left one
 * process restarting alone over the missing objects of old commits (stacks-core's tail: 5 s on one core) while the
 * other had finished; pulled chunks keep both busy to the end whatever it meets. Commits may still be arriving (the
 * walk starts on rev-list's first lines, not after its last): `grow` makes more available, `close` says that is all.
 */
export class CommitQueue {
  private next = 0;
  private available: number;
  private closed: boolean;
  private waiters: (() => void)[] = [];

  /** With `count`, a closed queue of that many commits; without, an open one to `grow`. */
  constructor(count?: number) {
    this.available = count ?? 0;
    this.closed = count !== undefined;
  }

  /** Indexes below `count` can be handed out. */
  grow(count: number): void {
    this.available = Math.max(this.available, count);
    this.wake();
  }

  /** No more commits will be handed out, even those available: the walk is being abandoned. */
  abandon(): void {
    this.available = this.next;
    this.close();
  }

  /** No more commits will come. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  /** Every commit was handed out, and no more will come. */
  get finished(): boolean {
    return this.closed && this.next >= this.available;
  }

  /** The next chunk of what is available now (empty when nothing is, for now or for good: see `finished`). */
  take(): number[] {
    const chunk: number[] = [];
    for (const end = Math.min(this.available, this.next + CHUNK); this.next < end; this.next++) chunk.push(this.next);
    return chunk;
  }

  /** Settles once more can be taken or the queue is finished. */
  ready(): Promise<void> {
    if (this.next < this.available || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Runs git diff-tree over commits pulled from `queue` (indexes into `commits`), restarting after the commit it
 * stopped at when git dies on an object the repository lacks: the commit it was showing (or the next, when it died
 * before that one's header) goes to `onFallback`, and the commits it had been handed but not shown go to the next
 * process. Memory: one chunk of pipe output, the current file's added lines, and at most LOW_WATER + CHUNK indexes.
 */
async function walkFromQueue(
  location: GitLocation,
  commits: readonly string[],
  queue: CommitQueue,
  maxAddedBytes: number,
  handlers: DiffWalkHandlers,
  timeoutMs: number,
  errors: string[],
): Promise<void> {
  let carried: number[] = [];
  for (let restarts = 0; ; restarts++) {
    const fed = carried.length > 0 ? carried : queue.take();
    carried = [];
    if (fed.length === 0) {
      if (queue.finished) return;
      // The commit list is still being read: wait for its next lines (not a restart).
      await queue.ready();
      restarts--;
      continue;
    }
    if (restarts > MAX_RESTARTS) {
      errors.push(`git diff-tree stopped on unreadable objects more than ${MAX_RESTARTS} times; the rest was not read`);
      return;
    }
    let headers = 0;
    let inputEnded = false;
    // Set once git's output ended: a late top-up must not hand this process commits the next one should get.
    let ended = false;
    let waiting = false;
    const git = spawnGit(location, DIFF_ARGS, { timeoutMs });
    const hand = (indexes: readonly number[]) => {
      if (indexes.length > 0) git.child.stdin.write(`${indexes.map((index) => commits[index]).join('\n')}\n`);
    };
    /** Keeps LOW_WATER commits waiting in git's input; ends the input once the queue is finished. */
    const topUp = () => {
      while (!ended && !inputEnded && fed.length - headers < LOW_WATER) {
        const chunk = queue.take();
        if (chunk.length === 0) {
          if (queue.finished) {
            inputEnded = true;
            git.child.stdin.end();
          } else if (!waiting) {
            waiting = true;
            void queue.ready().then(() => {
              waiting = false;
              topUp();
            });
          }
          return;
        }
        for (const index of chunk) fed.push(index);
        hand(chunk);
      }
    };
    hand(fed);
    topUp();
    const parser = new PatchParser(
      (file) => handlers.onFile(file, fed[headers - 1] as number),
      maxAddedBytes,
      () => {
        headers++;
        handlers.onCommit?.();
        topUp();
      },
    );
    // Bytes as the pipe gives them: the parser finds the lines and copies out only what it keeps.
    for await (const chunk of git.child.stdout as AsyncIterable<Buffer>) parser.push(chunk);
    ended = true;
    const { code, stderr, timedOut } = await git.done;
    if (code === 0) {
      parser.end();
      continue;
    }
    if (timedOut) {
      errors.push(`git diff-tree did not finish within ${Math.round(timeoutMs / 1000)} s; the rest was not read`);
      return;
    }
    const why = firstErrorLine(stderr) ?? `exit ${code}`;
    if (!/unable to read|bad object|missing|could not read|corrupt|is not a (?:blob|tree|commit)/i.test(why)) {
      errors.push(`git diff-tree: ${why}`);
      return;
    }
    // git prints a commit's header before reading its blobs, but reads its trees before the header: it stopped in the
    // last commit whose header came, or in the next one before its header. Asking git to show that last commit alone
    // tells which, so the commits read by blob are the ones git cannot show: the same however the commits were
    // handed out (guessing "both" named whichever commit this process happened to be handed next).
    let failed = headers - 1;
    if (headers === 0) failed = 0;
    else if (await showsWhole(location, commits[fed[failed] as number] as string, timeoutMs)) {
      // Its patch was whole (git flushes its output as it dies): its last file is still in the parser.
      parser.end();
      failed++;
    }
    // The failed commit's file in progress is dropped; its files are read by blob.
    if (failed < fed.length) {
      const index = fed[failed] as number;
      await handlers.onFallback({ commit: commits[index] as string, index, why });
    }
    carried = fed.slice(failed + 1);
  }
}

/** Whether git shows the patch of `commit` alone to its end (output discarded). */
async function showsWhole(location: GitLocation, commit: string, timeoutMs: number): Promise<boolean> {
  const git = spawnGit(location, DIFF_ARGS, { timeoutMs });
  git.child.stdin.end(`${commit}\n`);
  git.child.stdout.resume();
  const { code } = await git.done;
  return code === 0;
}

/**
 * Walks the patches of `commits` (the indexes `queue` hands out; by default all of them) in `processes` git processes
 * at once; handlers see files in no fixed order.
 */
export async function walkDiffs(
  location: GitLocation,
  commits: readonly string[],
  processes: number,
  maxAddedBytes: number,
  handlers: DiffWalkHandlers,
  timeoutMs: number,
  queue = new CommitQueue(commits.length),
): Promise<DiffWalkResult> {
  // `commits` may still grow as the queue does: a process started now finds work as soon as it is listed.
  const slots = Math.max(1, processes);
  // One list per process; sorted, as which process met which problem is down to scheduling.
  const errors = Array.from({ length: slots }, (): string[] => []);
  await Promise.all(
    errors.map((slotErrors) => walkFromQueue(location, commits, queue, maxAddedBytes, handlers, timeoutMs, slotErrors)),
  );
  return { errors: errors.flat().sort(compareBytes) };
}

/** A changed path of a commit read by its blobs: the new blob of each path that differs from every parent. */
export interface ChangedBlob {
  path: string;
  blob: string;
}

/**
 * The paths a commit gave new content, from `diff-tree --raw` (which reads trees, never blobs): for a merge, the
 * paths whose new blob no parent had at that path.
 */
export async function changedBlobs(
  location: GitLocation,
  commit: string,
): Promise<{ header: CommitHeader | undefined; blobs: ChangedBlob[] }> {
  const result = await gitOutput(
    location,
    [
      'diff-tree',
      '-r',
      '-m',
      '--root',
      '--raw',
      '--no-abbrev',
      '--no-renames',
      '--always',
      '-z',
      COMMIT_FORMAT,
      commit,
    ],
    { allowFail: true },
  );
  if (result.code !== 0) throw new Error(firstErrorLine(result.stderr) ?? `exit ${result.code}`);
  // -z: the header ends in NUL; then NUL-separated `:modes blobs status` and path fields, the first after an LF.
  let header: CommitHeader | undefined;
  let parents = 0;
  const changes = new Map<string, { blob: string; count: number }>();
  const fields = result.stdout.split('\0');
  for (let i = 0; i < fields.length; i++) {
    let field = fields[i] as string;
    const mark = field.indexOf('\u0001');
    if (mark !== -1) {
      const line = field.slice(mark + 1);
      const newline = line.indexOf('\n');
      const [id = '', date = '', author = ''] = (newline === -1 ? line : line.slice(0, newline)).split('\t');
      header = { commit: id, date, author };
      parents++;
      field = newline === -1 ? '' : line.slice(newline + 1).replace(/^\n+/, '');
    }
    // That LF once hid the first entry: the first path a fallback commit changed was never read.
    if (field.startsWith('\n')) field = field.replace(/^\n+/, '');
    if (!field.startsWith(':')) continue;
    const [, newMode = '', , newBlob = ''] = field.slice(1).split(' ');
    const path = fields[++i] ?? '';
    if (newMode === '000000' || newMode === '160000' || /^0+$/.test(newBlob)) continue;
    const seen = changes.get(path);
    if (seen === undefined) changes.set(path, { blob: newBlob, count: 1 });
    else if (seen.blob === newBlob) seen.count++;
  }
  const blobs: ChangedBlob[] = [];
  for (const [path, { blob, count }] of changes) if (count >= Math.max(parents, 1)) blobs.push({ path, blob });
  return { header, blobs };
}
