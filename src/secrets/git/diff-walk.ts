// What every commit added, from `git diff-tree --stdin -p`, split between git processes (one per core):
// https://git-scm.com/docs/git-diff-tree
import { COMMIT_FORMAT, type CommitHeader, type FilePatch, PatchParser } from './patch-parser.js';
import { firstErrorLine, type GitLocation, gitOutput, spawnGit } from './run-git.js';

/**
 * Patch text of each commit against its parent; a merge as a combined diff (`--cc`), whose lines marked added in
 * every parent's column are what the merge resolution itself introduced. `-U0`: only changed lines. Deleted files
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

/** Commits handed to one git process at a time: small enough to balance the processes, large to keep pipes full. */
const SHARE_CHUNK = 64;
/** After this many restarts over unreadable objects, one process gives up (a damaged or stripped repository). */
const MAX_RESTARTS = 200;

/** Splits commit indexes round-robin in chunks, so both processes get old and new, big and small commits. */
export function splitCommits(count: number, processes: number): number[][] {
  const shares: number[][] = Array.from({ length: processes }, () => []);
  for (let start = 0, turn = 0; start < count; start += SHARE_CHUNK, turn = (turn + 1) % processes) {
    const share = shares[turn] as number[];
    for (let index = start; index < Math.min(count, start + SHARE_CHUNK); index++) share.push(index);
  }
  return shares.filter((share) => share.length > 0);
}

/**
 * Runs one git diff-tree over `share` (indexes into `commits`), restarting after the commit it stopped at when git
 * dies on an object the repository lacks: the commit it was showing (and the next, in case it died before that one's
 * header) go to `onFallback`. Memory: one chunk of pipe output and the current file's added lines.
 */
async function walkShare(
  location: GitLocation,
  commits: readonly string[],
  share: readonly number[],
  maxAddedBytes: number,
  handlers: DiffWalkHandlers,
  timeoutMs: number,
  errors: string[],
): Promise<void> {
  let from = 0;
  for (let restarts = 0; from < share.length; restarts++) {
    if (restarts > MAX_RESTARTS) {
      errors.push(`git diff-tree stopped on unreadable objects more than ${MAX_RESTARTS} times; the rest was not read`);
      return;
    }
    const start = from;
    let headers = 0;
    const git = spawnGit(location, DIFF_ARGS, { timeoutMs });
    git.child.stdin.end(
      `${share
        .slice(start)
        .map((index) => commits[index])
        .join('\n')}\n`,
    );
    const parser = new PatchParser(
      (file) => handlers.onFile(file, share[start + headers - 1] as number),
      maxAddedBytes,
      () => {
        headers++;
        handlers.onCommit?.();
      },
    );
    let partial = '';
    git.child.stdout.setEncoding('latin1');
    for await (const chunk of git.child.stdout as AsyncIterable<string>) {
      const text = partial + chunk;
      const lastNewline = text.lastIndexOf('\n');
      partial = text.slice(lastNewline + 1);
      parser.push(text.slice(0, lastNewline + 1));
    }
    const { code, stderr, timedOut } = await git.done;
    if (code === 0) {
      parser.push(partial);
      parser.end();
      return;
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
    // tells which, so the commits read by blob are the ones git cannot show: the same however the commits were split
    // between processes (guessing "both" named whichever commit followed in this share).
    let failed = start + headers - 1;
    if (headers === 0) failed = start;
    else if (await showsWhole(location, commits[share[failed] as number] as string, timeoutMs)) {
      // Its patch was whole (git flushes its output as it dies): its last file is still in the parser.
      parser.push(partial);
      parser.end();
      failed++;
    }
    // The failed commit's file in progress is dropped; its files are read by blob.
    if (failed < share.length) {
      const index = share[failed] as number;
      await handlers.onFallback({ commit: commits[index] as string, index, why });
    }
    from = failed + 1;
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

/** Walks the patches of `commits` in `processes` git processes at once; handlers see files in no fixed order. */
export async function walkDiffs(
  location: GitLocation,
  commits: readonly string[],
  processes: number,
  maxAddedBytes: number,
  handlers: DiffWalkHandlers,
  timeoutMs: number,
): Promise<DiffWalkResult> {
  const shares = splitCommits(commits.length, Math.max(1, processes));
  // One list per process, joined in share order: the processes finish in no fixed order.
  const errors = shares.map((): string[] => []);
  await Promise.all(
    shares.map((share, turn) =>
      walkShare(location, commits, share, maxAddedBytes, handlers, timeoutMs, errors[turn] as string[]),
    ),
  );
  return { errors: errors.flat() };
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
