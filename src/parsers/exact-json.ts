// JSON (RFC 8259) that keeps every number's literal text: a stacker set's `stacked_amt` is a u128, and JSON.parse
// rounds anything above 2^53 (Node 20 has no reviver `context.source`). Pure: text in, values out, errors with line:column.

/** A number exactly as written in the document; convert it with BigInt or Number as the field requires. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type ExactJsonValue =
  | null
  | boolean
  | string
  | JsonNumber
  | ExactJsonValue[]
  | { readonly [key: string]: ExactJsonValue };

export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${line}:${column}: ${reason}`);
    this.name = 'JsonSyntaxError';
  }
}

// Deep enough for any real document; a cap keeps a hostile `[[[[…` from overflowing the stack.
const MAX_DEPTH = 512;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function parseExactJson(text: string): ExactJsonValue {
  const parser = new Parser(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  parser.skipSpace();
  const value = parser.value(0);
  parser.skipSpace();
  if (parser.position < parser.text.length) parser.fail('unexpected text after the JSON value');
  return value;
}

class Parser {
  position = 0;
  constructor(readonly text: string) {}

  fail(reason: string, at = this.position): never {
    let line = 1;
    let lineStart = 0;
    for (let index = 0; index < at && index < this.text.length; index++) {
      if (this.text[index] === '\n') {
        line++;
        lineStart = index + 1;
      }
    }
    throw new JsonSyntaxError(reason, line, at - lineStart + 1);
  }

  skipSpace(): void {
    while (this.position < this.text.length) {
      const char = this.text[this.position];
      if (char !== ' ' && char !== '\t' && char !== '\n' && char !== '\r') return;
      this.position++;
    }
  }

  value(depth: number): ExactJsonValue {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
    const char = this.text[this.position];
    switch (char) {
      case undefined:
        return this.fail('unexpected end of input: a value is missing');
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        return this.number();
    }
  }

  literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.position)) this.fail('unexpected character: expected a value');
    this.position += word.length;
    return value;
  }

  number(): JsonNumber {
    NUMBER.lastIndex = this.position;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail('unexpected character: expected a value');
    this.position += match[0].length;
    return new JsonNumber(match[0]);
  }

  string(): string {
    this.position++; // opening quote
    let result = '';
    let chunkStart = this.position;
    while (true) {
      const code = this.text.charCodeAt(this.position);
      if (Number.isNaN(code)) this.fail('unterminated string');
      if (code === 0x22) break;
      if (code < 0x20) this.fail('control character in a string (escape it)');
      if (code !== 0x5c) {
        this.position++;
        continue;
      }
      result += this.text.slice(chunkStart, this.position);
      const escapeChar = this.text[this.position + 1];
      if (escapeChar === 'u') {
        const hex = this.text.slice(this.position + 2, this.position + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape: expected four hex digits');
        result += String.fromCharCode(Number.parseInt(hex, 16));
        this.position += 6;
      } else {
        const decoded = escapeChar === undefined ? undefined : ESCAPES[escapeChar];
        if (decoded === undefined) this.fail('bad escape sequence in a string');
        result += decoded;
        this.position += 2;
      }
      chunkStart = this.position;
    }
    result += this.text.slice(chunkStart, this.position);
    this.position++; // closing quote
    return result;
  }

  array(depth: number): ExactJsonValue[] {
    this.position++;
    const items: ExactJsonValue[] = [];
    this.skipSpace();
    if (this.text[this.position] === ']') {
      this.position++;
      return items;
    }
    while (true) {
      this.skipSpace();
      items.push(this.value(depth + 1));
      this.skipSpace();
      const next = this.text[this.position];
      this.position++;
      if (next === ']') return items;
      if (next !== ',') this.fail('expected "," or "]" in an array', this.position - 1);
    }
  }

  object(depth: number): { [key: string]: ExactJsonValue } {
    this.position++;
    // No prototype: a "__proto__" key is data like any other.
    const result: { [key: string]: ExactJsonValue } = Object.create(null);
    this.skipSpace();
    if (this.text[this.position] === '}') {
      this.position++;
      return result;
    }
    while (true) {
      this.skipSpace();
      if (this.text[this.position] !== '"') this.fail('expected a quoted key in an object');
      const key = this.string();
      this.skipSpace();
      if (this.text[this.position] !== ':') this.fail('expected ":" after an object key');
      this.position++;
      this.skipSpace();
      // A repeated key keeps its last value, as JSON.parse does.
      result[key] = this.value(depth + 1);
      this.skipSpace();
      const next = this.text[this.position];
      this.position++;
      if (next === '}') return result;
      if (next !== ',') this.fail('expected "," or "}" in an object', this.position - 1);
    }
  }
}
