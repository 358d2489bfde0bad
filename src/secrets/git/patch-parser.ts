// Reads `git diff-tree --stdin -p -U0 --cc` output and keeps, per commit and path, only the lines the commit added.
// Formats: https://git-scm.com/docs/git-diff#_generating_patch_text_with_p and
// https://git-scm.com/docs/git-diff#_combined_diff_format (a merge: one column per parent).
// The patch is read as bytes, as git's pipe gives it: ~500 MB of patch text for a large history, where a string per
// line, their joins and the latin1 <-> Buffer round trips had cost more CPU than finding the lines' ends.
import { unquoteGitPath } from './introducers.js';

/** Starts each commit's header line (0x01, which no author name or date holds). */
export const COMMIT_MARK = '\u0001';

/** The header format asked of git: mark, id, author date, author. */
export const COMMIT_FORMAT = `--format=${COMMIT_MARK}%H%x09%aI%x09%an <%ae>`;

export interface CommitHeader {
  commit: string;
  date: string;
  author: string;
}

/**
 * What one commit added to one path. `text` and `lineNumbers` are views of memory the parser reuses for the next
 * file: they are valid only while `onFile` runs (copy what must outlive it).
 */
export interface FilePatch {
  commit: CommitHeader;
  path: string;
  /** The path's blob after the commit (from `--full-index`), when git printed it. */
  blob: string | undefined;
  /** Git showed no text (a binary file, or one its attributes mark -diff): the blob itself must be read. */
  binary: boolean;
  /** The added lines' bytes without their prefix, joined with LF (none after the last). */
  text: Buffer;
  /** Each added line's 1-based number in the new file, in order: line n of `text` is lineNumbers[n - 1]. */
  lineNumbers: Uint32Array;
  /** Added bytes went over the cap given to the parser: `text` stops there. */
  truncated: boolean;
}

/** A line split by a pipe chunk's end is gathered here; a longer one than this is not kept between lines. */
const KEEP_CARRY_BYTES = 1024 * 1024;
/** The added-lines buffer starts this small (most files add a few lines) and doubles as needed, up to the cap. */
const FIRST_ADDED_BYTES = 64 * 1024;
/** A line at most this long is copied byte by byte: below it, a native copy's call costs more than the loop. */
const SHORT_LINE = 48;

const NO_NUMBERS = new Uint32Array(0);

/** A path as git printed it (C-quoted when it needs to be), decoded from UTF-8 into a string of its own. */
function decodePath(bytes: Buffer, start: number, end: number): string {
  return unquoteGitPath(bytes.toString('utf8', start, end));
}

/** Whether bytes[at..] starts with the ASCII `prefix`, within the line ending at `end`. */
function startsWith(bytes: Buffer, at: number, end: number, prefix: string): boolean {
  if (end - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix.charCodeAt(i)) return false;
  return true;
}

/** The first `byte` in bytes[from..end), or -1. Header lines only (short): a native search could run past `end`. */
function indexInLine(bytes: Buffer, byte: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (bytes[i] === byte) return i;
  return -1;
}

/** Digits from `at`: where they end (at itself when there is none) and their value. */
function digits(bytes: Buffer, at: number, limit: number): { end: number; value: number } {
  let value = 0;
  let i = at;
  for (; i < limit; i++) {
    const byte = bytes[i] as number;
    if (byte < 0x30 || byte > 0x39) break;
    value = value * 10 + (byte - 0x30);
  }
  return { end: i, value };
}

/** `\d+(?:,\d+)?` from `at`: where it ends, or -1 when no digit is there. */
function range(bytes: Buffer, at: number, limit: number): number {
  const first = digits(bytes, at, limit).end;
  if (first === at) return -1;
  if (bytes[first] !== 0x2c || first >= limit) return first;
  const second = digits(bytes, first + 1, limit).end;
  // `,` without digits: the optional part does not match, and what follows the first number is a `,`.
  return second === first + 1 ? first : second;
}

/** How far a hunk header is read: git's are short, and one that runs on is not taken for one. */
const HUNK_HEADER_WINDOW = 200;

/**
 * A hunk header `@@+ (-a(,b)? )+ +c(,d)? @@` (one `-a,b` per parent of the commit) within its first 200 bytes: the
 * new side's first line number c, or -1 when the line is not one.
 */
export function hunkStart(bytes: Buffer, start: number, end: number): number {
  const limit = Math.min(end, start + HUNK_HEADER_WINDOW);
  let at = start;
  while (at < limit && bytes[at] === 0x40) at++;
  if (at - start < 2 || at >= limit || bytes[at] !== 0x20) return -1;
  at++;
  let parents = 0;
  while (at < limit && bytes[at] === 0x2d) {
    const after = range(bytes, at + 1, limit);
    if (after === -1 || after >= limit || bytes[after] !== 0x20) return -1;
    at = after + 1;
    parents++;
  }
  if (parents === 0 || at >= limit || bytes[at] !== 0x2b) return -1;
  const { end: numberEnd, value } = digits(bytes, at + 1, limit);
  if (numberEnd === at + 1) return -1;
  const after = range(bytes, at + 1, limit);
  return after + 3 <= limit && bytes[after] === 0x20 && bytes[after + 1] === 0x40 && bytes[after + 2] === 0x40
    ? value
    : -1;
}

/**
 * A state machine over complete lines. Inside a hunk every content line starts with one of ` +-\` (one column per
 * parent for a merge), so any other first byte (a `diff` line, the commit mark, a blank line) ends the hunk: no line
 * counting is needed, and a content line that looks like a header is never taken for one. Memory: the current file's
 * added bytes (up to the cap), its line numbers, and a line split between two pipe chunks; nothing of a chunk is
 * kept once it is read (paths and headers are decoded into strings of their own).
 */
export class PatchParser {
  private commit: CommitHeader | undefined;
  private file: FilePatch | undefined;
  /** The current file's added lines, each followed by LF: added[0..addedLength). */
  private added = Buffer.allocUnsafe(0);
  private addedLength = 0;
  private numbers = NO_NUMBERS;
  private numberCount = 0;
  /** The start of a line the last chunk ended in: carry[0..carryLength). */
  private carry = Buffer.allocUnsafe(0);
  private carryLength = 0;
  private inHunk = false;
  /** Prefix columns of the current hunk's content lines: 1, or the number of parents of a merge (combined diff). */
  private columns = 1;
  private nextLine = 0;
  /** Commit headers read so far. */
  commits = 0;

  constructor(
    private readonly onFile: (file: FilePatch) => void,
    private readonly maxAddedBytes: number,
    private readonly onCommit: (commit: CommitHeader) => void = () => {},
  ) {}

  /** Feeds the next bytes of the patch, cut anywhere. `chunk` is not kept. */
  push(chunk: Buffer): void {
    let start = 0;
    const length = chunk.length;
    if (this.carryLength > 0) {
      const end = chunk.indexOf(0x0a);
      if (end === -1) {
        this.keep(chunk, 0, length);
        return;
      }
      this.keep(chunk, 0, end);
      this.line(this.carry, 0, this.carryLength);
      this.carryLength = 0;
      if (this.carry.length > KEEP_CARRY_BYTES) this.carry = Buffer.allocUnsafe(0);
      start = end + 1;
    }
    while (start < length) {
      const end = chunk.indexOf(0x0a, start);
      if (end === -1) {
        this.keep(chunk, start, length);
        return;
      }
      // Most lines are a one-parent hunk's added or removed ones: read here, without the general state machine.
      const first = chunk[start];
      if (this.inHunk && this.columns === 1 && (first === 0x2b || first === 0x2d)) {
        if (first === 0x2b) this.addLine(chunk, start + 1, end, this.nextLine++);
      } else this.line(chunk, start, end);
      start = end + 1;
    }
  }

  /** Ends the input: a last line without LF is read, and the last file is handed over. */
  end(): void {
    if (this.carryLength > 0) {
      this.line(this.carry, 0, this.carryLength);
      this.carryLength = 0;
    }
    this.flushFile();
  }

  /** Appends chunk[start..end) to the carried start of a line. */
  private keep(chunk: Buffer, start: number, end: number): void {
    const needed = this.carryLength + (end - start);
    if (needed > this.carry.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.carry.length, 256));
      this.carry.copy(grown, 0, 0, this.carryLength);
      this.carry = grown;
    }
    chunk.copy(this.carry, this.carryLength, start, end);
    this.carryLength = needed;
  }

  private line(bytes: Buffer, start: number, end: number): void {
    const first = start < end ? (bytes[start] as number) : -1;
    if (this.inHunk) {
      // ' ' 0x20, '+' 0x2b, '-' 0x2d, '\' 0x5c: still inside the hunk.
      if (first === 0x2b || first === 0x2d || first === 0x20 || first === 0x5c) {
        this.content(bytes, start, end);
        return;
      }
      this.inHunk = false;
    }
    if (first === 0x01) {
      this.flushFile();
      const [commit = '', date = '', author = ''] = bytes.toString('utf8', start + 1, end).split('\t');
      this.commit = { commit, date, author };
      this.commits++;
      this.onCommit(this.commit);
      return;
    }
    if (first === 0x64 && startsWith(bytes, start, end, 'diff --')) {
      this.flushFile();
      this.startFile(bytes, start, end);
      return;
    }
    const file = this.file;
    if (file === undefined) return;
    if (first === 0x40 && bytes[start + 1] === 0x40) {
      const newStart = hunkStart(bytes, start, end);
      if (newStart !== -1) {
        // `@@` for one parent, `@@@` for two: one column of marks per parent.
        let ats = 0;
        while (bytes[start + ats] === 0x40) ats++;
        this.columns = ats - 1;
        this.inHunk = true;
        this.nextLine = newStart;
      }
      return;
    }
    if (first === 0x2b && startsWith(bytes, start, end, '+++ ')) {
      // git ends the name with a TAB when it holds a space (so that patch(1) reads it whole).
      const targetEnd = end > start + 4 && bytes[end - 1] === 0x09 ? end - 1 : end;
      if (targetEnd - (start + 4) === 9 && startsWith(bytes, start + 4, targetEnd, '/dev/null')) file.path = '';
      else {
        const unquoted = decodePath(bytes, start + 4, targetEnd);
        file.path = unquoted.startsWith('b/') ? unquoted.slice(2) : unquoted;
      }
      return;
    }
    if (first === 0x69 && startsWith(bytes, start, end, 'index ')) {
      let dots = -1;
      for (let i = start + 6; i + 1 < end; i++) {
        if (bytes[i] === 0x2e && bytes[i + 1] === 0x2e) {
          dots = i;
          break;
        }
      }
      if (dots !== -1) {
        const space = indexInLine(bytes, 0x20, dots + 2, end);
        file.blob = bytes.toString('utf8', dots + 2, space === -1 ? end : space);
      }
      return;
    }
    if (first === 0x42 && startsWith(bytes, start, end, 'Binary files ')) {
      file.binary = true;
      return;
    }
    if (first === 0x64 && startsWith(bytes, start, end, 'deleted file mode')) file.path = '';
  }

  private startFile(bytes: Buffer, start: number, end: number): void {
    if (this.commit === undefined) return;
    let path = '';
    if (startsWith(bytes, start, end, 'diff --git ')) {
      // `diff --git a/P b/P` (no renames: both sides name the same path), each side quoted when it needs to be.
      const rest = start + 'diff --git '.length;
      if (bytes[rest] === 0x22) {
        let close = -1;
        for (let i = rest + 1; i + 1 < end; i++) {
          if (bytes[i] === 0x22 && bytes[i + 1] === 0x20) {
            close = i;
            break;
          }
        }
        path = close === -1 ? '' : decodePath(bytes, rest, close + 1).slice(2);
      } else {
        const restLength = end - rest;
        const pathEnd = rest + Math.trunc((restLength - 1) / 2);
        path = rest + 2 < pathEnd ? bytes.toString('utf8', rest + 2, pathEnd) : '';
      }
    } else {
      // `diff --cc P` / `diff --combined P`: a merge (its parent count is read from the hunk headers).
      const space = indexInLine(bytes, 0x20, start + 'diff --'.length, end);
      path = decodePath(bytes, space === -1 ? start : space + 1, end);
    }
    this.file = {
      commit: this.commit,
      path,
      blob: undefined,
      binary: false,
      text: this.added,
      lineNumbers: NO_NUMBERS,
      truncated: false,
    };
    this.addedLength = 0;
    this.numberCount = 0;
  }

  private content(bytes: Buffer, start: number, end: number): void {
    const columns = this.columns;
    let added = true;
    let removed = false;
    for (let i = 0; i < columns; i++) {
      // A line shorter than its columns (git writes none) has no mark past its end.
      const mark = start + i < end ? bytes[start + i] : -1;
      if (mark === 0x2d) removed = true;
      else if (mark !== 0x2b) added = false;
    }
    if (bytes[start] === 0x5c) return; // "\ No newline at end of file"
    if (removed) return;
    const lineNumber = this.nextLine++;
    if (added) this.addLine(bytes, start + columns, end, lineNumber);
  }

  /** Keeps an added line's body, bytes[bodyStart..end), unless the file's added bytes went over the cap. */
  private addLine(bytes: Buffer, bodyStart: number, end: number, lineNumber: number): void {
    const file = this.file as FilePatch;
    if (file.truncated) return;
    // The body and its LF.
    const size = end - bodyStart + 1;
    const needed = this.addedLength + size;
    if (needed > this.maxAddedBytes) {
      file.truncated = true;
      return;
    }
    if (needed > this.added.length) this.growAdded(needed);
    const added_ = this.added;
    let at = this.addedLength;
    if (size <= SHORT_LINE) for (let i = bodyStart; i < end; i++) added_[at++] = bytes[i] as number;
    else at += bytes.copy(added_, at, bodyStart, end);
    added_[at] = 0x0a;
    this.addedLength = needed;
    if (this.numberCount === this.numbers.length) {
      const grown = new Uint32Array(Math.max(1024, 2 * this.numbers.length));
      grown.set(this.numbers);
      this.numbers = grown;
    }
    this.numbers[this.numberCount++] = lineNumber;
  }

  private growAdded(needed: number): void {
    const size = Math.min(
      Math.max(needed, 2 * this.added.length, FIRST_ADDED_BYTES),
      Math.max(needed, this.maxAddedBytes),
    );
    const grown = Buffer.allocUnsafe(size);
    this.added.copy(grown, 0, 0, this.addedLength);
    this.added = grown;
  }

  private flushFile(): void {
    const file = this.file;
    this.file = undefined;
    this.inHunk = false;
    if (file === undefined || file.path === '') return;
    if (this.numberCount === 0 && !file.binary && !file.truncated) return;
    // Without the LF after the last line, as the lines joined with LF.
    file.text = this.added.subarray(0, Math.max(0, this.addedLength - 1));
    file.lineNumbers = this.numbers.subarray(0, this.numberCount);
    this.onFile(file);
  }
}
