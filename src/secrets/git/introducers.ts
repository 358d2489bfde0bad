// Which commit put a blob at a path: `git log --raw` lists, per commit, the blob id each changed path now has.
// https://git-scm.com/docs/git-log#_raw_output_format
import { type GitLocation, spawnGit } from './run-git.js';

export interface Introduction {
  path: string;
  commit: string;
  author: string;
  date: string;
}

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
interface RawChange {
  /** Position of the commit in git log's order (newest first): a larger one is an older commit. */
  order: number;
  commit: Omit<Introduction, 'path'>;
  blob: string;
  quotedPath: string;
}

/**
 * Changes held while the blob scan is still running, for blobs not known (yet) to have findings. When this many
 * are held, reading git log pauses until the scan ends, so memory is bounded whatever the history's size.
 */
export const MAX_PENDING_CHANGES = 100_000;

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
 * try to fetch them). A change whose blob is not wanted yet is held (at most MAX_PENDING_CHANGES) until the scan
 * ends and the wanted set is final; when nothing is wanted, git log is stopped.
 */
export function startIntroductions(
  location: GitLocation,
  extraTips: readonly string[],
  maxPending = MAX_PENDING_CHANGES,
): IntroductionTracker {
  const wanted = new Set<string>();
  // blob → path → the change seen with the largest order (the earliest commit).
  const recorded = new Map<string, Map<string, RawChange>>();
  let pending: RawChange[] = [];
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

  const record = (change: RawChange) => {
    let byPath = recorded.get(change.blob);
    if (!byPath) {
      byPath = new Map();
      recorded.set(change.blob, byPath);
    }
    const seen = byPath.get(change.quotedPath);
    if (!seen || seen.order < change.order) byPath.set(change.quotedPath, change);
  };
  const settlePending = () => {
    for (const change of pending) if (wanted.has(change.blob)) record(change);
    pending = [];
  };

  const read = async () => {
    let commit: Omit<Introduction, 'path'> | undefined;
    let order = 0;
    let partial = '';
    const onLine = (line: string): RawChange | undefined => {
      if (line.startsWith(COMMIT_MARK)) {
        const [hash = '', date = '', author = ''] = line.slice(1).split('\t');
        commit = { commit: hash, date, author };
        order++;
        return undefined;
      }
      if (!line.startsWith(':') || commit === undefined) return undefined;
      const tab = line.indexOf('\t');
      const blob = line.slice(1, tab).split(' ')[3];
      if (blob === undefined) return undefined;
      return { order, commit, blob, quotedPath: line.slice(tab + 1) };
    };
    log.child.stdout.setEncoding('utf8');
    for await (const chunk of log.child.stdout as AsyncIterable<string>) {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const change = onLine(line);
        if (change === undefined) continue;
        if (wanted.has(change.blob)) record(change);
        else if (!final) pending.push(change);
      }
      if (!final && pending.length >= maxPending) {
        // Stop reading (git blocks on the full pipe) until the scan says which blobs matter.
        await scanDone;
        settlePending();
      }
      if (stopped) break;
    }
    if (partial !== '' && !stopped) {
      const change = onLine(partial);
      if (change && wanted.has(change.blob)) record(change);
      else if (change && !final) pending.push(change);
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
      settlePending();
      if (wanted.size === 0) {
        stopped = true;
        log.child.kill();
      }
      signalFinal();
      await reading;
      const { code, stderr } = await log.done;
      settlePending();
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
