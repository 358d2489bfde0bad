// Where each key and table header of a TOML document is, for evidence. smol-toml gives values but no positions.
// Meant for text that already parsed: it skips values (strings, arrays, inline tables) without validating them.

export interface TomlKeyLine {
  /** Full dotted path: table header parts followed by the key's parts. */
  path: string[];
  /** 1-based line of the key (or of the header). */
  line: number;
  /** For keys under an array-of-tables header (`[[x]]`): the 0-based element; otherwise undefined. */
  arrayIndex: number | undefined;
  /** True for a `[table]`/`[[table]]` header line, false for a `key = value` line. */
  header: boolean;
}

class Cursor {
  pos = 0;
  line = 1;
  constructor(readonly text: string) {}
  peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }
  startsWith(token: string): boolean {
    return this.text.startsWith(token, this.pos);
  }
  advance(count = 1): void {
    for (let i = 0; i < count && this.pos < this.text.length; i++) {
      if (this.text[this.pos] === '\n') this.line++;
      this.pos++;
    }
  }
  done(): boolean {
    return this.pos >= this.text.length;
  }
  skipInlineSpace(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.advance();
  }
  skipToLineEnd(): void {
    while (!this.done() && this.peek() !== '\n') this.advance();
  }
}

function readString(cursor: Cursor): string {
  const quote = cursor.peek();
  const triple = quote.repeat(3);
  if (cursor.startsWith(triple)) {
    cursor.advance(3);
    while (!cursor.done()) {
      if (quote === '"' && cursor.peek() === '\\') {
        cursor.advance(2);
        continue;
      }
      // A closing delimiter may be followed by one or two more quotes that belong to the content.
      if (cursor.startsWith(triple) && cursor.peek(3) !== quote) {
        cursor.advance(3);
        return '';
      }
      cursor.advance();
    }
    return '';
  }
  cursor.advance();
  let value = '';
  while (!cursor.done() && cursor.peek() !== quote && cursor.peek() !== '\n') {
    if (quote === '"' && cursor.peek() === '\\') {
      value += cursor.peek(1);
      cursor.advance(2);
      continue;
    }
    value += cursor.peek();
    cursor.advance();
  }
  cursor.advance();
  return value;
}

/** Reads a dotted key such as `a."b c".d`, stopping before `=` or `]`. */
function readKeyPath(cursor: Cursor): string[] {
  const parts: string[] = [];
  for (;;) {
    cursor.skipInlineSpace();
    const c = cursor.peek();
    if (c === '"' || c === "'") {
      parts.push(readString(cursor));
    } else {
      let bare = '';
      while (!cursor.done() && /[A-Za-z0-9_-]/.test(cursor.peek())) {
        bare += cursor.peek();
        cursor.advance();
      }
      parts.push(bare);
    }
    cursor.skipInlineSpace();
    if (cursor.peek() !== '.') break;
    cursor.advance();
  }
  return parts;
}

/** Skips a value, including nested arrays/inline tables spanning lines and comments inside arrays. */
function skipValue(cursor: Cursor): void {
  let depth = 0;
  while (!cursor.done()) {
    const c = cursor.peek();
    if (c === '"' || c === "'") {
      readString(cursor);
    } else if (c === '[' || c === '{') {
      depth++;
      cursor.advance();
    } else if (c === ']' || c === '}') {
      depth--;
      cursor.advance();
    } else if (c === '#') {
      cursor.skipToLineEnd();
    } else if (c === '\n' && depth <= 0) {
      return;
    } else {
      cursor.advance();
    }
  }
}

export function scanTomlKeyLines(text: string): TomlKeyLine[] {
  const cursor = new Cursor(text);
  const entries: TomlKeyLine[] = [];
  const arrayCounts = new Map<string, number>();
  let table: string[] = [];
  let arrayIndex: number | undefined;
  while (!cursor.done()) {
    cursor.skipInlineSpace();
    const c = cursor.peek();
    if (c === '\n' || c === '\r') {
      cursor.advance();
      continue;
    }
    if (c === '#') {
      cursor.skipToLineEnd();
      continue;
    }
    const line = cursor.line;
    if (c === '[') {
      const isArray = cursor.peek(1) === '[';
      cursor.advance(isArray ? 2 : 1);
      table = readKeyPath(cursor);
      const joined = table.join('\u0000');
      if (isArray) {
        arrayIndex = arrayCounts.get(joined) ?? 0;
        arrayCounts.set(joined, arrayIndex + 1);
      } else {
        arrayIndex = undefined;
      }
      entries.push({ path: table, line, arrayIndex, header: true });
      cursor.skipToLineEnd();
      continue;
    }
    const key = readKeyPath(cursor);
    entries.push({ path: [...table, ...key], line, arrayIndex, header: false });
    if (cursor.peek() === '=') cursor.advance();
    cursor.skipInlineSpace();
    skipValue(cursor);
  }
  return entries;
}
