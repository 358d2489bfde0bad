// systemd unit file syntax (systemd.syntax(7); config_parse() in src/shared/conf-parser.c, v252) and the
// merge of a unit file with its drop-ins into the settings systemd would use.

import { appendAll } from './lists.js';
import { type LimitExceeded, limitWords, PARSE_LIMITS } from './parse-limits.js';
import { splitWords } from './systemd-words.js';

export interface UnitAssignment {
  section: string;
  key: string;
  /** Whitespace around the value trimmed; continuation lines joined as systemd joins them. */
  value: string;
  file: string;
  /** 1-based line where the assignment starts. */
  line: number;
}

export interface UnitProblem {
  file: string;
  /** 1-based line; 0 when the problem concerns the whole file. */
  line: number;
  message: string;
  /** Over a parse limit (PARSE_LIMITS.systemdUnit): the file was not read, so the unit cannot be judged. */
  limit?: true;
}

export interface ParsedUnitFile {
  assignments: UnitAssignment[];
  problems: UnitProblem[];
}

export interface EffectiveUnit {
  readonly name: string;
  /** Main unit file, then drop-ins, in the order they were applied. */
  readonly files: string[];
  /** Every assignment of every file, in applied order. */
  readonly assignments: readonly UnitAssignment[];
  readonly problems: UnitProblem[];
  /** The last assignment; undefined when never set or when the last assignment is empty (a reset). */
  get(section: string, key: string): UnitAssignment | undefined;
  /** The assignments after the last empty one (systemd's list reset rule); never includes empty ones. */
  list(section: string, key: string): UnitAssignment[];
  /** The list values split into words, quotes removed and escapes decoded. */
  words(section: string, key: string): string[];
  /**
   * The value of a plain boolean setting: the last assignment that parses as a systemd boolean, because
   * config_parse_bool() ignores (with a warning) one that doesn't, an empty one included. Undefined when none.
   */
  bool(section: string, key: string): boolean | undefined;
}

const COMMENT_STARTS = '#;';
const WHITESPACE = ' \t\n\r';
const INVALID_KEY = /[\s\x00-\x1f\x7f]/;
/** A file full of garbage would otherwise produce one problem per line. */
const MAX_PROBLEMS_PER_FILE = 20;

const LIMITS = PARSE_LIMITS.systemdUnit;

/** A file over a parse limit: nothing of it is kept, and the one problem says which limit, not what the line holds. */
function overLimit(file: string, exceeded: LimitExceeded): ParsedUnitFile {
  const message = `${limitWords(exceeded, 'assignments')}; not read`;
  return { assignments: [], problems: [{ file, line: exceeded.line ?? 0, message, limit: true }] };
}

/**
 * Parses one unit file or drop-in. Never throws: bad lines become problems, as systemd logs and skips them. A file
 * over a parse limit is one problem marked `limit` and no assignments (systemd refuses a line over 1 MiB too).
 */
export function parseUnitFile(text: string, file: string): ParsedUnitFile {
  if (text.length > LIMITS.maxBytes) return overLimit(file, { limit: 'maxBytes', max: LIMITS.maxBytes });
  const assignments: UnitAssignment[] = [];
  const problems: UnitProblem[] = [];
  let droppedProblems = 0;
  const report = (line: number, message: string): void => {
    if (problems.length < MAX_PROBLEMS_PER_FILE) problems.push({ file, line, message });
    else droppedProblems++;
  };

  if (text.includes('\0')) report(0, 'contains NUL bytes (binary data?); systemd reads them as line ends');

  let section: string | undefined;
  let sectionIgnored = false;
  // The pieces of a continued line, joined once it ends: appending to one string and reading its last character each
  // time flattened the whole string per line (100k continuation lines took minutes).
  let continuation: { pieces: string[]; line: number; length: number } | undefined;

  // Returns false when systemd would stop reading the file.
  const parseLogicalLine = (raw: string, lineNumber: number): boolean => {
    const line = trimWhitespace(raw);
    if (line === '') return true;
    if (line.includes('\uFFFD')) {
      report(lineNumber, 'invalid UTF-8, line ignored');
      return true;
    }
    if (line.startsWith('[')) {
      if (!line.endsWith(']')) {
        // Not quoted: the line may be anything (a secret pasted into the unit).
        report(lineNumber, 'invalid section header; systemd refuses the rest of this file');
        return false;
      }
      section = line.slice(1, -1);
      sectionIgnored = false;
      return true;
    }
    if (section === undefined) {
      if (!sectionIgnored) report(lineNumber, 'assignment outside of a section, ignored');
      return true;
    }
    const equals = line.indexOf('=');
    if (equals < 0) {
      report(lineNumber, `missing "=", line ignored`);
      return true;
    }
    if (equals === 0) {
      report(lineNumber, 'missing key name before "=", line ignored');
      return true;
    }
    const key = trimWhitespace(line.slice(0, equals));
    // No systemd setting has blanks or control characters in its name: systemd ignores it as an unknown key. Not
    // quoted: such a "key" is any text before an "=" (a secret pasted in with a stray byte, as the fuzzer found).
    if (INVALID_KEY.test(key)) {
      report(lineNumber, 'invalid key name (a blank or control character in it), line ignored');
      return true;
    }
    assignments.push({
      section,
      key,
      value: trimWhitespace(line.slice(equals + 1)),
      file,
      line: lineNumber,
    });
    return true;
  };

  const physicalLines = splitLines(text);
  let stopped = false;
  let bomSeen = false;
  for (let index = 0; index < physicalLines.length && !stopped; index++) {
    let raw = physicalLines[index]!;
    const lineNumber = index + 1;
    // systemd's LONG_LINE_MAX, on the line as it would be joined (read_line() and "Continuation line too long").
    if ((continuation?.length ?? 0) + raw.length > LIMITS.maxLineBytes) {
      return overLimit(file, {
        limit: 'maxLineBytes',
        max: LIMITS.maxLineBytes,
        line: continuation?.line ?? lineNumber,
      });
    }
    if (assignments.length > LIMITS.maxEntries) {
      return overLimit(file, { limit: 'maxEntries', max: LIMITS.maxEntries, line: lineNumber });
    }
    // Comments are recognised before joining, so a comment inside a continuation is dropped as systemd does.
    const firstNonBlank = trimWhitespace(raw)[0];
    if (firstNonBlank !== undefined && COMMENT_STARTS.includes(firstNonBlank)) continue;
    if (!bomSeen && raw.startsWith('\uFEFF')) {
      raw = raw.slice(1);
      bomSeen = true;
    }

    // Each piece but the last ends in the space that replaced its backslash, so the backslashes that end the joined
    // line are those that end this physical line.
    if (endsWithUnescapedBackslash(raw)) {
      continuation ??= { pieces: [], line: lineNumber, length: 0 };
      continuation.pieces.push(`${raw.slice(0, -1)} `);
      continuation.length += raw.length;
      continue;
    }
    const startLine = continuation ? continuation.line : lineNumber;
    const joined = continuation ? continuation.pieces.join('') + raw : raw;
    continuation = undefined;
    stopped = !parseLogicalLine(joined, startLine);
  }
  if (continuation && !stopped) parseLogicalLine(continuation.pieces.join(''), continuation.line);

  if (droppedProblems > 0) problems.push({ file, line: 0, message: `${droppedProblems} more problems not listed` });
  return { assignments, problems };
}

/** Applies the files in order (main unit file first, then drop-ins) as systemd does. */
export function mergeUnit(name: string, files: readonly { path: string; text: string }[]): EffectiveUnit {
  const assignments: UnitAssignment[] = [];
  const problems: UnitProblem[] = [];
  for (const file of files) {
    const parsed = parseUnitFile(file.text, file.path);
    appendAll(assignments, parsed.assignments);
    appendAll(problems, parsed.problems);
  }
  return new MergedUnit(
    name,
    files.map((file) => file.path),
    assignments,
    problems,
  );
}

/** The same unit with only the assignments `keep` accepts (e.g. the ones systemd never reached in a file). */
export function filterUnit(unit: EffectiveUnit, keep: (assignment: UnitAssignment) => boolean): EffectiveUnit {
  return new MergedUnit(unit.name, unit.files, unit.assignments.filter(keep), unit.problems);
}

class MergedUnit implements EffectiveUnit {
  private readonly byKey = new Map<string, UnitAssignment[]>();

  constructor(
    readonly name: string,
    readonly files: string[],
    readonly assignments: readonly UnitAssignment[],
    readonly problems: UnitProblem[],
  ) {
    for (const assignment of assignments) {
      const id = keyId(assignment.section, assignment.key);
      const existing = this.byKey.get(id);
      if (existing) existing.push(assignment);
      else this.byKey.set(id, [assignment]);
    }
  }

  get(section: string, key: string): UnitAssignment | undefined {
    const last = this.byKey.get(keyId(section, key))?.at(-1);
    return last && last.value !== '' ? last : undefined;
  }

  list(section: string, key: string): UnitAssignment[] {
    const all = this.byKey.get(keyId(section, key)) ?? [];
    let start = 0;
    all.forEach((assignment, index) => {
      if (assignment.value === '') start = index + 1;
    });
    return all.slice(start);
  }

  words(section: string, key: string): string[] {
    return this.list(section, key).flatMap((assignment) => splitWords(assignment.value).words);
  }

  bool(section: string, key: string): boolean | undefined {
    const all = this.byKey.get(keyId(section, key)) ?? [];
    for (let index = all.length - 1; index >= 0; index--) {
      const parsed = parseSystemdBoolean(all[index]!.value);
      if (parsed !== undefined) return parsed;
    }
    return undefined;
  }
}

/** parse_boolean() of systemd: 1/yes/y/true/t/on and 0/no/n/false/f/off, case-insensitive. */
export function parseSystemdBoolean(value: string): boolean | undefined {
  const lower = value.toLowerCase();
  if (['1', 'yes', 'y', 'true', 't', 'on'].includes(lower)) return true;
  if (['0', 'no', 'n', 'false', 'f', 'off'].includes(lower)) return false;
  return undefined;
}

function keyId(section: string, key: string): string {
  return `${section}\0${key}`;
}

function trimWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && WHITESPACE.includes(text[start]!)) start++;
  while (end > start && WHITESPACE.includes(text[end - 1]!)) end--;
  return text.slice(start, end);
}

function endsWithUnescapedBackslash(text: string): boolean {
  let backslashes = 0;
  for (let i = text.length - 1; i >= 0 && text[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

/**
 * read_line(): "\n", "\r" and NUL end a line; a run of different end markers ("\r\n", "\n\r") counts once,
 * and nothing joins onto a NUL.
 */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  const lineEnd = /[\n\r\0]/g;
  let start = 0;
  for (let match = lineEnd.exec(text); match; match = lineEnd.exec(text)) {
    lines.push(text.slice(start, match.index));
    let i = match.index + 1;
    const seen = new Set<string>([match[0]]);
    while (match[0] !== '\0' && i < text.length) {
      const next = text[i]!;
      if ((next !== '\n' && next !== '\r' && next !== '\0') || seen.has(next)) break;
      seen.add(next);
      i++;
      if (next === '\0') break;
    }
    start = i;
    lineEnd.lastIndex = i;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}
