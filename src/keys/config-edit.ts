// Sets one string value in a TOML config (a signer config's `stacks_private_key` or `endpoint`, a node config's
// `[connection_options] auth_token`), changing only that value: quotes, comments, line endings, the order of keys and
// every other byte stay as they were. Pure: text in, text out.
import { isDeepStrictEqual } from 'node:util';
import { isTable, parseTomlDocument } from '../parsers/toml-document.js';

/** Where a string lives: a top-level key, or a key of a `[table]` (not an array of tables). */
export interface TomlStringLocation {
  table?: string;
  key: string;
}

export type TomlStringEdit =
  | {
      ok: true;
      text: string;
      /** The value that was there before (may be a secret: never print it), undefined when the line was inserted. */
      previous: string | undefined;
      action: 'replaced' | 'inserted' | 'unchanged';
      /** 1-based line of the key in the new text. */
      line: number;
    }
  | { ok: false; message: string };

export type KeyEdit = TomlStringEdit;

function fail(message: string): TomlStringEdit {
  return { ok: false, message };
}

/** Offset of the first character of 1-based `line`. */
function lineStart(text: string, line: number): number {
  let offset = 0;
  for (let current = 1; current < line; current++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return offset;
}

/** Skips a key (bare, "basic" or 'literal') at `offset`; returns the offset after it. */
function skipKey(text: string, offset: number): number {
  const quote = text[offset];
  if (quote === '"' || quote === "'") return skipString(text, offset) ?? text.length;
  let end = offset;
  while (end < text.length && /[A-Za-z0-9_-]/.test(text[end]!)) end++;
  return end;
}

/** Skips a dotted key (`a.b`, `"a" . b`); returns the offset after its last part. */
function skipKeyPath(text: string, offset: number): number {
  let end = skipKey(text, skipSpace(text, offset));
  for (;;) {
    const dot = skipSpace(text, end);
    if (text[dot] !== '.') return end;
    end = skipKey(text, skipSpace(text, dot + 1));
  }
}

/** For a one-line string starting at `offset` (its opening quote), the offset after its closing quote. */
function skipString(text: string, offset: number): number | undefined {
  const quote = text[offset];
  for (let i = offset + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\n' || c === '\r') return undefined;
    if (quote === '"' && c === '\\') {
      i++;
      continue;
    }
    if (c === quote) return i + 1;
  }
  return undefined;
}

function skipSpace(text: string, offset: number): number {
  let end = offset;
  while (text[end] === ' ' || text[end] === '\t') end++;
  return end;
}

function lineEnding(text: string): string {
  const newline = text.indexOf('\n');
  return newline > 0 && text[newline - 1] === '\r' ? '\r\n' : '\n';
}

/** The document's value at `location`, and the document without it (to compare everything else). */
function split(document: Record<string, unknown>, location: TomlStringLocation) {
  if (location.table === undefined) {
    const { [location.key]: value, ...rest } = document;
    return { value, rest };
  }
  const { [location.table]: table, ...outside } = document;
  if (table === undefined) return { value: undefined, rest: outside };
  if (!isTable(table)) return { value: undefined, rest: document };
  const { [location.key]: value, ...others } = table;
  // A table holding nothing else counts as absent, so adding `[table]` with the key changes nothing else.
  return { value, rest: Object.keys(others).length > 0 ? { ...outside, [location.table]: others } : outside };
}

function describe(location: TomlStringLocation): string {
  return location.table === undefined ? location.key : `[${location.table}] ${location.key}`;
}

/** Where a missing key goes: the offset, and the text placed there (the assignment, maybe after a header). */
function insertion(
  text: string,
  document: Extract<ReturnType<typeof parseTomlDocument>, { ok: true }>,
  location: TomlStringLocation,
  assignment: string,
): { at: number; insert: string } | string {
  const eol = lineEnding(text);
  const append = (insert: string) => ({
    at: text.length,
    insert: (text.length > 0 && !text.endsWith('\n') ? eol : '') + insert,
  });
  if (location.table === undefined) {
    const firstHeader = document.keyLines.find((key) => key.header);
    if (!firstHeader) return append(assignment);
    // Keep the comments that describe the first table attached to it.
    const lines = text.split('\n');
    let insertLine = firstHeader.line;
    while (insertLine > 1 && /^[ \t]*#/.test(lines[insertLine - 2] ?? '')) insertLine--;
    return { at: lineStart(text, insertLine), insert: assignment };
  }
  const header = document.keyLines.find(
    (key) => key.header && key.arrayIndex === undefined && key.path.length === 1 && key.path[0] === location.table,
  );
  if (!header) {
    if (document.value[location.table] !== undefined)
      return `${location.table} is not written as a [${location.table}] table: edit it by hand`;
    return append(`${text.length > 0 ? eol : ''}[${location.table}]${eol}${assignment}`);
  }
  // Directly below the header: the table's other keys, comments and any multi-line values stay untouched.
  const at = lineStart(text, header.line + 1);
  if (at === text.length && !text.endsWith('\n')) return { at, insert: eol + assignment.slice(0, -eol.length) };
  return { at, insert: assignment };
}

/**
 * Sets `location` to the one-line basic string `value`. An existing one-line string is replaced in place (its quote
 * style kept); a missing key is inserted (top level: before the first table header and the comments above it, or at
 * the end; in a table: right under its header, or a new table at the end). Malformed TOML, a value that is not a
 * one-line string, or a table written inline is an error and no text is produced. The result is re-parsed: every
 * other key must keep its value. Messages never quote a value.
 */
export function setTomlString(text: string, location: TomlStringLocation, value: string): TomlStringEdit {
  if (!/^[\x20-\x7e]*$/.test(value) || /["'\\]/.test(value))
    throw new RangeError('value must be printable ASCII without quotes or backslashes');
  const name = describe(location);
  const document = parseTomlDocument(text);
  if (!document.ok) {
    const { line, column, message } = document.error;
    return fail(
      `${message}${line !== undefined ? ` (line ${line}${column !== undefined ? `, column ${column}` : ''})` : ''}`,
    );
  }
  const before = split(document.value, location);
  const previous = before.value;
  const wanted = location.table === undefined ? [location.key] : [location.table, location.key];
  const entry = document.keyLines.find(
    (key) =>
      !key.header &&
      key.arrayIndex === undefined &&
      key.path.length === wanted.length &&
      key.path.every((part, index) => part === wanted[index]),
  );
  let edited: string;
  let line: number;
  let action: 'replaced' | 'inserted' | 'unchanged';
  if (previous !== undefined) {
    if (typeof previous !== 'string' || !entry)
      return fail(`${name} is not a string${entry ? ` (line ${entry.line})` : ''}: fix it by hand first`);
    if (previous === value) return { ok: true, text, previous, action: 'unchanged', line: entry.line };
    const start = lineStart(text, entry.line);
    const equals = skipSpace(text, skipKeyPath(text, start));
    if (text[equals] !== '=') return fail(`${name} on line ${entry.line} is not a plain key = "value" line`);
    const open = skipSpace(text, equals + 1);
    const quote = text[open];
    if ((quote !== '"' && quote !== "'") || text.startsWith(quote.repeat(3), open))
      return fail(`${name} on line ${entry.line} is a multi-line string: make it a one-line string first`);
    const close = skipString(text, open);
    if (close === undefined) return fail(`${name} on line ${entry.line}: unterminated string`);
    edited = text.slice(0, open + 1) + value + text.slice(close - 1);
    line = entry.line;
    action = 'replaced';
  } else {
    const assignment = `${location.key} = "${value}"${lineEnding(text)}`;
    const place = insertion(text, document, location, assignment);
    if (typeof place === 'string') return fail(place);
    edited = text.slice(0, place.at) + place.insert + text.slice(place.at);
    const keyOffset = place.at + place.insert.lastIndexOf(`${location.key} = "`);
    line = edited.slice(0, keyOffset).split('\n').length;
    action = 'inserted';
  }
  const check = parseTomlDocument(edited);
  const after = check.ok ? split(check.value, location) : undefined;
  if (!after || after.value !== value || !isDeepStrictEqual(after.rest, before.rest))
    return fail(`could not set ${name} without changing other settings: edit the file by hand`);
  return { ok: true, text: edited, previous: previous as string | undefined, action, line };
}

/** Sets `stacks_private_key = "<keyHex>"` in a signer config (see setTomlString). */
export function setStacksPrivateKey(text: string, keyHex: string): KeyEdit {
  if (!/^[0-9a-f]{64}(01)?$/.test(keyHex)) throw new RangeError('keyHex must be 64 lower-case hex, optionally + 01');
  return setTomlString(text, { key: 'stacks_private_key' }, keyHex);
}
