// Puts a key into a signer config's text, changing only the `stacks_private_key` value: quotes, comments, line endings,
// the order of keys and every other byte stay as they were. Pure: text in, text out.
import { isDeepStrictEqual } from 'node:util';
import { parseTomlDocument } from '../parsers/toml-document.js';

export type KeyEdit =
  | {
      ok: true;
      text: string;
      /** The value that was there before (a secret: never print it), undefined when the line was inserted. */
      previous: string | undefined;
      action: 'replaced' | 'inserted';
      /** 1-based line of `stacks_private_key` in the new text. */
      line: number;
    }
  | { ok: false; message: string };

const KEY = 'stacks_private_key';

function fail(message: string): KeyEdit {
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

function withoutKey(document: Record<string, unknown>): Record<string, unknown> {
  const { [KEY]: _ignored, ...rest } = document;
  return rest;
}

/**
 * Sets `stacks_private_key = "<keyHex>"` in a signer config. An existing one-line string value is replaced in place
 * (its quote style kept); a missing key is inserted at the top level, before the first table header (and the comments
 * directly above it) or at the end. Malformed TOML, or a value that is not a one-line string, is an error and no
 * text is produced. The result is re-parsed: every other key must keep its value.
 */
export function setStacksPrivateKey(text: string, keyHex: string): KeyEdit {
  if (!/^[0-9a-f]{64}(01)?$/.test(keyHex)) throw new RangeError('keyHex must be 64 lower-case hex, optionally + 01');
  const document = parseTomlDocument(text);
  if (!document.ok) {
    const { line, column, message } = document.error;
    return fail(
      `${message}${line !== undefined ? ` (line ${line}${column !== undefined ? `, column ${column}` : ''})` : ''}`,
    );
  }
  const previous = document.value[KEY];
  const entry = document.keyLines.find((key) => !key.header && key.path.length === 1 && key.path[0] === KEY);
  let edited: string;
  let line: number;
  let action: 'replaced' | 'inserted';
  if (previous !== undefined) {
    if (typeof previous !== 'string' || !entry)
      return fail(`${KEY} is not a string${entry ? ` (line ${entry.line})` : ''}: fix it by hand first`);
    const start = lineStart(text, entry.line);
    const equals = skipSpace(text, skipKey(text, skipSpace(text, start)));
    if (text[equals] !== '=') return fail(`${KEY} on line ${entry.line} is not a plain key = "value" line`);
    const open = skipSpace(text, equals + 1);
    const quote = text[open];
    if ((quote !== '"' && quote !== "'") || text.startsWith(quote.repeat(3), open))
      return fail(`${KEY} on line ${entry.line} is a multi-line string: make it a one-line string first`);
    const close = skipString(text, open);
    if (close === undefined) return fail(`${KEY} on line ${entry.line}: unterminated string`);
    edited = text.slice(0, open + 1) + keyHex + text.slice(close - 1);
    line = entry.line;
    action = 'replaced';
  } else {
    const eol = lineEnding(text);
    const assignment = `${KEY} = "${keyHex}"${eol}`;
    const firstHeader = document.keyLines.find((key) => key.header);
    if (firstHeader) {
      // Keep the comments that describe the first table attached to it.
      const lines = text.split('\n');
      let insertLine = firstHeader.line;
      while (insertLine > 1 && /^[ \t]*#/.test(lines[insertLine - 2] ?? '')) insertLine--;
      const at = lineStart(text, insertLine);
      edited = text.slice(0, at) + assignment + text.slice(at);
      line = insertLine;
    } else {
      const separator = text.length > 0 && !text.endsWith('\n') ? eol : '';
      edited = text + separator + assignment;
      line = edited.slice(0, edited.length - assignment.length).split('\n').length;
    }
    action = 'inserted';
  }
  const check = parseTomlDocument(edited);
  if (
    !check.ok ||
    check.value[KEY] !== keyHex ||
    !isDeepStrictEqual(withoutKey(check.value), withoutKey(document.value))
  )
    return fail(`could not place ${KEY} without changing other settings: edit the file by hand`);
  return { ok: true, text: edited, previous: previous as string | undefined, action, line };
}
