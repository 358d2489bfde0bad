// Reads `git diff-tree --stdin -p -U0 --cc` output and keeps, per commit and path, only the lines the commit added.
// Formats: https://git-scm.com/docs/git-diff#_generating_patch_text_with_p and
// https://git-scm.com/docs/git-diff#_combined_diff_format (a merge: one column per parent).
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

/** What one commit added to one path. Lines are latin1 strings (one character per byte of the file). */
export interface FilePatch {
  commit: CommitHeader;
  path: string;
  /** The path's blob after the commit (from `--full-index`), when git printed it. */
  blob: string | undefined;
  /** Git showed no text (a binary file, or one its attributes mark -diff): the blob itself must be read. */
  binary: boolean;
  /**
   * Added lines without their prefix, to be joined with LF (an element may already hold several joined lines: see
   * PatchParser.compact); `lineNumbers` has each added line's 1-based number in the new file, in order.
   */
  lines: string[];
  lineNumbers: number[];
  /** Added bytes went over the cap given to the parser: `lines` stops there. */
  truncated: boolean;
}

/** How much patch text of one file is read between compactions of its added lines. */
const COMPACT_EVERY_BYTES = 1024 * 1024;

/**
 * Text read from the pipe (latin1: one character per byte) as the UTF-8 it is, in a string of its own: a slice would
 * keep its whole 64 KiB pipe chunk alive for as long as a finding holds the path or the commit.
 */
function ownUtf8(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}

/** A path as git printed it (C-quoted when it needs to be), decoded. */
function decodePath(latin1: string): string {
  return unquoteGitPath(ownUtf8(latin1));
}

// regex-ok: hunk headers are written by git, one `-a,b` per parent of the commit.
const HUNK = /^@@+ (?:-\d+(?:,\d+)? )+\+(\d+)(?:,\d+)? @@/;

/**
 * A state machine over complete lines. Inside a hunk every content line starts with one of ` +-\` (one column per
 * parent for a merge), so any other first character (a `diff` line, the commit mark, a blank line) ends the hunk:
 * no line counting is needed, and a content line that looks like a header is never taken for one.
 */
export class PatchParser {
  private commit: CommitHeader | undefined;
  private file: FilePatch | undefined;
  private addedBytes = 0;
  /** Patch bytes read for the current file since its added lines were last compacted. */
  private readSinceCompact = 0;
  /** lines[compactedUpTo..] are slices of pipe chunks. */
  private compactedUpTo = 0;
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

  /** Feeds complete lines (each ending in LF, except perhaps the very last input). */
  push(text: string): void {
    let start = 0;
    const length = text.length;
    while (start < length) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = length;
      this.line(text, start, end);
      start = end + 1;
    }
  }

  /** Ends the input: the last file is handed over. */
  end(): void {
    this.flushFile();
  }

  private line(text: string, start: number, end: number): void {
    const first = text.charCodeAt(start);
    if (this.inHunk) {
      // ' ' 0x20, '+' 0x2b, '-' 0x2d, '\' 0x5c: still inside the hunk.
      if (first === 0x2b || first === 0x2d || first === 0x20 || first === 0x5c) {
        this.content(text, start, end);
        return;
      }
      this.inHunk = false;
    }
    if (first === 0x01) {
      this.flushFile();
      const [commit = '', date = '', author = ''] = ownUtf8(text.slice(start + 1, end)).split('\t');
      this.commit = { commit, date, author };
      this.commits++;
      this.onCommit(this.commit);
      return;
    }
    if (first === 0x64 && text.startsWith('diff --', start)) {
      this.flushFile();
      this.startFile(text.slice(start, end));
      return;
    }
    const file = this.file;
    if (file === undefined) return;
    if (first === 0x40 && text.charCodeAt(start + 1) === 0x40) {
      const match = HUNK.exec(text.slice(start, Math.min(end, start + 200)));
      if (match) {
        // `@@` for one parent, `@@@` for two: one column of marks per parent.
        let ats = 0;
        while (text.charCodeAt(start + ats) === 0x40) ats++;
        this.columns = ats - 1;
        this.inHunk = true;
        this.nextLine = Number(match[1]);
      }
      return;
    }
    if (first === 0x2b && text.startsWith('+++ ', start)) {
      // git ends the name with a TAB when it holds a space (so that patch(1) reads it whole).
      const target = text.slice(start + 4, text.charCodeAt(end - 1) === 0x09 ? end - 1 : end);
      if (target === '/dev/null') file.path = '';
      else {
        const unquoted = decodePath(target);
        file.path = unquoted.startsWith('b/') ? unquoted.slice(2) : unquoted;
      }
      return;
    }
    if (first === 0x69 && text.startsWith('index ', start)) {
      const line = text.slice(start + 6, end);
      const range = line.indexOf('..');
      if (range !== -1) {
        const after = line.slice(range + 2);
        const space = after.indexOf(' ');
        file.blob = ownUtf8(space === -1 ? after : after.slice(0, space));
      }
      return;
    }
    if (first === 0x42 && text.startsWith('Binary files ', start)) {
      file.binary = true;
      return;
    }
    if (first === 0x64 && text.startsWith('deleted file mode', start)) file.path = '';
  }

  private startFile(line: string): void {
    if (this.commit === undefined) return;
    let path = '';
    if (line.startsWith('diff --git ')) {
      // `diff --git a/P b/P` (no renames: both sides name the same path), each side quoted when it needs to be.
      const rest = line.slice('diff --git '.length);
      if (rest.startsWith('"')) {
        const close = rest.indexOf('" ', 1);
        path = close === -1 ? '' : decodePath(rest.slice(0, close + 1)).slice(2);
      } else path = ownUtf8(rest.slice(2, (rest.length - 1) / 2));
    } else {
      // `diff --cc P` / `diff --combined P`: a merge (its parent count is read from the hunk headers).
      const space = line.indexOf(' ', 'diff --'.length);
      path = decodePath(line.slice(space + 1));
    }
    this.file = {
      commit: this.commit,
      path,
      blob: undefined,
      binary: false,
      lines: [],
      lineNumbers: [],
      truncated: false,
    };
    this.addedBytes = 0;
    this.readSinceCompact = 0;
    this.compactedUpTo = 0;
  }

  /**
   * A line kept as a slice keeps its whole pipe chunk alive; in a large rewrite, removed lines around it would be held
   * too. Joining the slices into one string copies just the added bytes and lets the chunks go.
   */
  private compact(file: FilePatch): void {
    this.readSinceCompact = 0;
    if (file.lines.length - this.compactedUpTo < 2) return;
    const joined = file.lines.splice(this.compactedUpTo).join('\n');
    file.lines.push(joined);
    this.compactedUpTo = file.lines.length;
  }

  private content(text: string, start: number, end: number): void {
    const file = this.file as FilePatch;
    this.readSinceCompact += end - start + 1;
    if (this.readSinceCompact > COMPACT_EVERY_BYTES) this.compact(file);
    const columns = this.columns;
    let added = true;
    let removed = false;
    for (let i = 0; i < columns; i++) {
      const mark = text.charCodeAt(start + i);
      if (mark === 0x2d) removed = true;
      else if (mark !== 0x2b) added = false;
    }
    if (text.charCodeAt(start) === 0x5c) return; // "\ No newline at end of file"
    if (removed) return;
    const lineNumber = this.nextLine++;
    if (!added || file.truncated) return;
    const body = text.slice(start + columns, end);
    this.addedBytes += body.length + 1;
    if (this.addedBytes > this.maxAddedBytes) {
      file.truncated = true;
      return;
    }
    file.lines.push(body);
    file.lineNumbers.push(lineNumber);
  }

  private flushFile(): void {
    const file = this.file;
    this.file = undefined;
    this.inHunk = false;
    if (file === undefined || file.path === '') return;
    if (file.lineNumbers.length === 0 && !file.binary && !file.truncated) return;
    this.onFile(file);
  }
}
