// Which commit put a blob at a path: `git log --raw` lists, per commit, the blob id each changed path now has.
// https://git-scm.com/docs/git-log#_raw_output_format
import { type GitLocation, spawnGit } from './run-git.js';

export interface Introduction {
  path: string;
  commit: string;
  author: string;
  date: string;
}

// Starts each commit's header line (0x01, which no author name or date holds).
const COMMIT_MARK = '\u0001';

/** Undoes git's C-style quoting of a path ("a\tb", octal escapes for bytes). */
export function unquoteGitPath(text: string): string {
  if (!text.startsWith('"') || !text.endsWith('"')) return text;
  const bytes: number[] = [];
  const body = Buffer.from(text.slice(1, -1), 'utf8');
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '"': 34, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number;
    if (byte !== 0x5c || i + 1 >= body.length) {
      bytes.push(byte);
      continue;
    }
    const next = String.fromCharCode(body[i + 1] as number);
    const octal = body.subarray(i + 1, i + 4).toString('latin1');
    if (/^[0-7]{3}$/.test(octal)) {
      bytes.push(Number.parseInt(octal, 8));
      i += 3;
    } else {
      bytes.push(simple[next] ?? (body[i + 1] as number));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** One `:old new oldblob newblob status\tpath` line, kept until we know whether its blob had findings. */
type Commit = Omit<Introduction, 'path'>;

/** One `:old new oldblob newblob status\tpath` line of git log --raw, with the commit it belongs to. */
interface RawChange {
  /** Position of the commit in git log's order (newest first): a larger one is an older commit. */
  order: number;
  commit: Commit;
  quotedPath: string;
}

/** Where a stretch of git log output starts: the commit its first change lines belong to. */
interface LogPosition {
  order: number;
  commit: Commit | undefined;
}

/**
 * Reads complete lines of git log output from `position` (which it advances) and hands each change whose new blob
 * passes `keep` to `onChange`. Only kept changes become objects: most lines are about blobs nobody asked after.
 */
function parseChanges(
  text: string,
  position: LogPosition,
  keep: (blob: string) => boolean,
  onChange: (blob: string, change: RawChange) => void,
): void {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const first = text.charCodeAt(start);
    if (first === 0x01) {
      const [hash = '', date = '', author = ''] = text.slice(start + 1, end).split('\t');
      position.commit = { commit: hash, date, author };
      position.order++;
    } else if (first === 0x3a && position.commit !== undefined) {
      // `:mode mode oldblob newblob status\tpath`: the new blob is the fourth field.
      const tab = text.indexOf('\t', start);
      let field = start;
      for (let skip = 0; skip < 3 && field !== -1; skip++) field = text.indexOf(' ', field + 1);
      if (tab !== -1 && tab < end && field !== -1 && field < tab) {
        const blobEnd = text.indexOf(' ', field + 1);
        const blob = text.slice(field + 1, blobEnd === -1 || blobEnd > tab ? tab : blobEnd);
        if (keep(blob)) {
          onChange(blob, { order: position.order, commit: position.commit, quotedPath: text.slice(tab + 1, end) });
        }
      }
    }
    start = end + 1;
  }
}

/**
 * git log output held, as text, while the blob scan is still running: it may hold changes of blobs not known yet to
 * have findings, and is read again once the wanted set is final. When this much is held, reading git log pauses
 * until the scan ends, so memory is bounded whatever the history's size.
 */
export const MAX_HELD_CHARS = 32 * 1024 * 1024;

export interface IntroductionTracker {
  /** Marks a blob that has findings: its introductions are recorded (including those git log already printed). */
  want(blob: string): void;
  /** Call once the scan is done (every wanted blob marked): resolves with each wanted blob's introductions. */
  finish(): Promise<{ introductions: Map<string, Introduction[]>; warning?: string }>;
  /** Stops git log (the scan failed). */
  abort(): void;
}

/**
 * Starts `git log --raw` over every commit reachable from any ref and from `extraTips` (the stash entries) at once,
 * alongside the blob scan, and records for each wanted blob every path it was introduced at and the earliest commit
 * that did so. Only trees are read (`--no-renames`: rename detection would read blobs, and a partial clone would
 * try to fetch them). Output that may name blobs not known yet to have findings is held (at most MAX_HELD_CHARS)
 * until the scan ends and the wanted set is final; when nothing is wanted then, git log is stopped.
 */
export function startIntroductions(
  location: GitLocation,
  extraTips: readonly string[],
  maxHeldChars = MAX_HELD_CHARS,
): IntroductionTracker {
  const wanted = new Set<string>();
  // blob → path → the change seen with the largest order (the earliest commit).
  const recorded = new Map<string, Map<string, RawChange>>();
  let held: { text: string; from: LogPosition }[] = [];
  let heldChars = 0;
  let final = false;
  let stopped = false;
  let signalFinal: () => void = () => {};
  const scanDone = new Promise<void>((resolvePromise) => {
    signalFinal = resolvePromise;
  });

  const log = spawnGit(location, [
    'log',
    '--all',
    '--stdin',
    '--raw',
    '--no-abbrev',
    '--no-renames',
    '--no-textconv',
    '-m',
    '--root',
    '--diff-filter=AMT',
    `--format=${COMMIT_MARK}%H%x09%aI%x09%an <%ae>`,
  ]);
  log.child.stdin.end(extraTips.length > 0 ? `${extraTips.join('\n')}\n` : '');
  // finish() reports how git log ended; until then a spawn failure must not surface as an unhandled rejection.
  log.done.catch(() => {});

  const isWanted = (blob: string) => wanted.has(blob);
  const record = (blob: string, change: RawChange) => {
    let byPath = recorded.get(blob);
    if (!byPath) {
      byPath = new Map();
      recorded.set(blob, byPath);
    }
    const seen = byPath.get(change.quotedPath);
    if (!seen || seen.order < change.order) byPath.set(change.quotedPath, change);
  };
  // Re-reads held output against the final wanted set; `record` keeps the earliest commit whatever the order.
  const settleHeld = () => {
    for (const { text, from } of held) parseChanges(text, from, isWanted, record);
    held = [];
    heldChars = 0;
  };

  const read = async () => {
    const position: LogPosition = { order: 0, commit: undefined };
    let partial = '';
    log.child.stdout.setEncoding('utf8');
    for await (const chunk of log.child.stdout as AsyncIterable<string>) {
      const text = partial + chunk;
      const lastNewline = text.lastIndexOf('\n');
      partial = text.slice(lastNewline + 1);
      const complete = text.slice(0, lastNewline + 1);
      if (!final) {
        held.push({ text: complete, from: { ...position } });
        heldChars += complete.length;
      }
      parseChanges(complete, position, isWanted, record);
      if (!final && heldChars >= maxHeldChars) {
        // Stop reading (git blocks on the full pipe) until the scan says which blobs matter.
        await scanDone;
        settleHeld();
      }
      if (stopped) break;
    }
    if (partial !== '' && !stopped) {
      if (!final) held.push({ text: partial, from: { ...position } });
      parseChanges(partial, position, isWanted, record);
    }
  };
  let readError: unknown;
  const reading = read().catch((error: unknown) => {
    readError = error;
  });

  return {
    want(blob) {
      wanted.add(blob);
    },
    async finish() {
      final = true;
      settleHeld();
      if (wanted.size === 0) {
        stopped = true;
        log.child.kill();
      }
      signalFinal();
      await reading;
      const { code, stderr } = await log.done;
      settleHeld();
      const introductions = new Map(
        [...recorded].map(([blob, byPath]) => [
          blob,
          [...byPath.values()].map(({ commit, quotedPath }) => ({ path: unquoteGitPath(quotedPath), ...commit })),
        ]),
      );
      if (stopped) return { introductions };
      if (code !== 0) {
        return {
          introductions,
          warning: `git log could not list every commit (exit ${code}): ${stderr.trim().split('\n')[0] ?? ''}`,
        };
      }
      if (readError !== undefined) {
        return { introductions, warning: `git log output could not be read (${String(readError)})` };
      }
      return { introductions };
    },
    abort() {
      stopped = true;
      signalFinal();
      log.child.kill();
    },
  };
}
