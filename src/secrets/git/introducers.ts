// Which commit put a blob at a path: `git log --raw` lists, per commit, the blob id each changed path now has.
// https://git-scm.com/docs/git-log#_raw_output_format
import { firstErrorLine, type GitLocation, spawnGit } from './run-git.js';

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

type Commit = Omit<Introduction, 'path'>;

/** One `:old new oldblob newblob status\tpath` line of git log --raw, with the commit it belongs to. */
interface RawChange {
  /** Position of the commit in git log's order (newest first): a larger one is an older commit. */
  order: number;
  commit: Commit;
  quotedPath: string;
}

/** Where a stretch of git log output starts: the commit its first change lines belong to. */
export interface LogPosition {
  order: number;
  commit: Commit | undefined;
  /** Distinct commits seen so far (`-m` repeats a merge's header once per parent, back to back). */
  commits: number;
}

export const startPosition = (): LogPosition => ({ order: 0, commit: undefined, commits: 0 });

/**
 * Calls `visit` for each change line in complete lines of git log output that gives a path new content (added,
 * modified or type-changed: a deletion's new side is all zeros), advancing `position` over commit headers.
 * `quotedPath` is git's C-quoted form when the path needs quoting.
 */
export function forEachChange(
  text: string,
  position: LogPosition,
  visit: (blob: string, newMode: string, quotedPath: () => string, at: LogPosition) => void,
): void {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const first = text.charCodeAt(start);
    if (first === 0x01) {
      const [hash = '', date = '', author = ''] = text.slice(start + 1, end).split('\t');
      if (hash !== position.commit?.commit) position.commits++;
      position.commit = { commit: hash, date, author };
      position.order++;
    } else if (first === 0x3a && position.commit !== undefined) {
      // `:mode mode oldblob newblob status\tpath`: the new mode is the second field, the new blob the fourth.
      const tab = text.indexOf('\t', start);
      let field = start;
      for (let skip = 0; skip < 3 && field !== -1; skip++) field = text.indexOf(' ', field + 1);
      if (tab !== -1 && tab < end && field !== -1 && field < tab) {
        const newMode = text.slice(start + 8, text.indexOf(' ', start + 8));
        if (newMode !== '000000') {
          const blobEnd = text.indexOf(' ', field + 1);
          const blob = text.slice(field + 1, blobEnd === -1 || blobEnd > tab ? tab : blobEnd);
          const pathStart = tab + 1;
          const pathEnd = end;
          visit(blob, newMode, () => text.slice(pathStart, pathEnd), position);
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

/**
 * Records, for each wanted blob, every path it was introduced at and the earliest commit that did so, from git log
 * output fed to it in complete lines. Output fed before the wanted set is final is held (it may name blobs found to
 * matter later) and read again by `settle`.
 */
export class IntroductionRecorder {
  private readonly wanted = new Set<string>();
  // blob → path → the change seen with the largest order (the earliest commit).
  private readonly recorded = new Map<string, Map<string, RawChange>>();
  private held: { text: string; from: LogPosition }[] = [];
  private heldChars = 0;
  /** Set once the wanted set is final: nothing more needs holding. */
  final = false;

  want(blob: string): void {
    this.wanted.add(blob);
  }

  wantedBlobs(): IterableIterator<string> {
    return this.wanted.values();
  }

  get wantedCount(): number {
    return this.wanted.size;
  }

  get heldSize(): number {
    return this.heldChars;
  }

  /** Keeps `text` (complete lines starting at `from`) for `settle`, unless the wanted set is already final. */
  hold(text: string, from: LogPosition): void {
    if (this.final) return;
    this.held.push({ text, from: { ...from } });
    this.heldChars += text.length;
  }

  /** Forgets held output (its introductions must then be found another way). */
  dropHeld(): void {
    this.held = [];
    this.heldChars = 0;
  }

  /** Records a change if its blob is wanted; call for each change as output is read. */
  consider(blob: string, quotedPath: () => string, at: LogPosition): void {
    if (!this.wanted.has(blob) || at.commit === undefined) return;
    const path = quotedPath();
    let byPath = this.recorded.get(blob);
    if (!byPath) {
      byPath = new Map();
      this.recorded.set(blob, byPath);
    }
    const seen = byPath.get(path);
    if (!seen || seen.order < at.order) byPath.set(path, { order: at.order, commit: at.commit, quotedPath: path });
  }

  /** Reads `text` as it arrives: records wanted changes in it. */
  read(text: string, position: LogPosition): void {
    forEachChange(text, position, (blob, _mode, quotedPath, at) => this.consider(blob, quotedPath, at));
  }

  /** Re-reads held output against the wanted set; `consider` keeps the earliest commit whatever the order. */
  settle(): void {
    const held = this.held;
    this.dropHeld();
    if (this.wanted.size === 0) return;
    for (const { text, from } of held) this.read(text, from);
  }

  introductions(): Map<string, Introduction[]> {
    return new Map(
      [...this.recorded].map(([blob, byPath]) => [
        blob,
        [...byPath.values()].map(({ commit, quotedPath }) => ({ path: unquoteGitPath(quotedPath), ...commit })),
      ]),
    );
  }
}

export interface IntroductionTracker {
  /** Marks a blob that has findings: its introductions are recorded (including those git log already printed). */
  want(blob: string): void;
  /** Call once the scan is done (every wanted blob marked): resolves with each wanted blob's introductions. */
  finish(): Promise<{ introductions: Map<string, Introduction[]>; warning?: string }>;
  /** Stops git log (the scan failed). */
  abort(): void;
}

/** The arguments of `git log` that list, per commit, each path's new blob, by tree comparison only. */
export const RAW_LOG_ARGS = [
  'log',
  '--all',
  '--stdin',
  '--raw',
  '--no-abbrev',
  '--no-renames',
  '--no-textconv',
  '-m',
  '--root',
  `--format=${COMMIT_MARK}%H%x09%aI%x09%an <%ae>`,
] as const;

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
  const recorder = new IntroductionRecorder();
  let stopped = false;
  let signalFinal: () => void = () => {};
  const scanDone = new Promise<void>((resolvePromise) => {
    signalFinal = resolvePromise;
  });

  // Only additions, modifications and type changes: a commit with none of them is not printed at all.
  const log = spawnGit(location, [...RAW_LOG_ARGS, '--diff-filter=AMT']);
  log.child.stdin.end(extraTips.length > 0 ? `${extraTips.join('\n')}\n` : '');
  // finish() reports how git log ended; until then a spawn failure must not surface as an unhandled rejection.
  log.done.catch(() => {});

  const read = async () => {
    const position = startPosition();
    let partial = '';
    log.child.stdout.setEncoding('utf8');
    for await (const chunk of log.child.stdout as AsyncIterable<string>) {
      const text = partial + chunk;
      const lastNewline = text.lastIndexOf('\n');
      partial = text.slice(lastNewline + 1);
      const complete = text.slice(0, lastNewline + 1);
      recorder.hold(complete, position);
      recorder.read(complete, position);
      if (!recorder.final && recorder.heldSize >= maxHeldChars) {
        // Stop reading (git blocks on the full pipe) until the scan says which blobs matter.
        await scanDone;
        recorder.settle();
      }
      if (stopped) break;
    }
    if (partial !== '' && !stopped) {
      recorder.hold(partial, position);
      recorder.read(partial, position);
    }
  };
  let readError: unknown;
  const reading = read().catch((error: unknown) => {
    readError = error;
  });

  return {
    want(blob) {
      recorder.want(blob);
    },
    async finish() {
      recorder.final = true;
      recorder.settle();
      if (recorder.wantedCount === 0) {
        stopped = true;
        log.child.kill();
      }
      signalFinal();
      await reading;
      const { code, stderr } = await log.done;
      recorder.settle();
      const introductions = recorder.introductions();
      if (stopped) return { introductions };
      if (code !== 0) {
        return {
          introductions,
          warning: `git log could not list every commit (exit ${code}): ${firstErrorLine(stderr) ?? 'no message'}`,
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
