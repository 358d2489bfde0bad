// systemd's word splitting (extract_first_word() in src/basic/extract-word.c, v252), shared by the unit and
// ExecStart parsers so both unquote exactly as systemd does.

const WHITESPACE = ' \t\n\r';

export interface WordFlags {
  /** EXTRACT_UNQUOTE: '…' and "…" group words and are removed. */
  unquote?: boolean;
  /** EXTRACT_CUNESCAPE: backslash sequences are C escapes (\n, \x41, \s…); otherwise "\c" is just "c". */
  cunescape?: boolean;
  /** EXTRACT_CUNESCAPE_RELAX: an unknown escape is kept verbatim instead of failing. */
  cunescapeRelax?: boolean;
}

export type WordStep =
  | { ok: true; word: string; next: number }
  | { ok: true; word: undefined; next: number }
  | { ok: false; reason: string };

/** One word from `text` starting at `start`; `word` is undefined when only separators remain. */
export function extractWord(text: string, start: number, flags: WordFlags): WordStep {
  let i = start;
  while (i < text.length && WHITESPACE.includes(text[i]!)) i++;
  if (i >= text.length) return { ok: true, word: undefined, next: text.length };

  let word = '';
  let quote = '';
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') {
      i++;
      if (i >= text.length) {
        if (flags.cunescapeRelax && !quote) return { ok: true, word: word + '\\', next: text.length };
        return { ok: false, reason: 'trailing backslash' };
      }
      if (flags.cunescape) {
        const escaped = cunescapeOne(text, i);
        if (escaped) {
          word += escaped.value;
          i += escaped.length;
        } else if (flags.cunescapeRelax) {
          word += '\\' + text[i];
          i++;
        } else {
          return { ok: false, reason: `unknown escape sequence "\\${text[i]}"` };
        }
      } else {
        word += text[i];
        i++;
      }
    } else if (quote) {
      if (c === quote) quote = '';
      else word += c;
      i++;
    } else if (flags.unquote && (c === '"' || c === "'")) {
      quote = c;
      i++;
    } else if (WHITESPACE.includes(c)) {
      while (i < text.length && WHITESPACE.includes(text[i]!)) i++;
      return { ok: true, word, next: i };
    } else {
      word += c;
      i++;
    }
  }
  if (quote) return { ok: false, reason: 'unbalanced quoting' };
  return { ok: true, word, next: text.length };
}

/**
 * extract_first_word_and_warn(): on an unknown escape, retry keeping it verbatim (systemd warns and goes on);
 * unbalanced quoting stays an error.
 */
export function extractWordAndWarn(text: string, start: number, flags: WordFlags): WordStep & { warning?: string } {
  const first = extractWord(text, start, flags);
  if (first.ok || flags.cunescapeRelax) return first;
  const retry = extractWord(text, start, { ...flags, cunescapeRelax: true });
  if (retry.ok) return { ...retry, warning: 'ignoring unknown escape sequences in a word' };
  return first;
}

/** All words of `text`, unquoted and C-unescaped as most list settings are; stops at the first bad word. */
export function splitWords(text: string): { words: string[]; problem?: string } {
  const words: string[] = [];
  let position = 0;
  for (;;) {
    const step = extractWordAndWarn(text, position, { unquote: true, cunescape: true });
    if (!step.ok) return { words, problem: step.reason };
    if (step.word === undefined) return { words };
    words.push(step.word);
    position = step.next;
  }
}

const HEX = /^[0-9a-fA-F]+$/;
const OCTAL = /^[0-7]{3}$/;
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
  s: ' ',
};

/** cunescape_one(): the escape starting at text[at] (just after the backslash), or undefined when invalid. */
function cunescapeOne(text: string, at: number): { value: string; length: number } | undefined {
  const c = text[at]!;
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return { value: simple, length: 1 };
  const hexEscape = (digits: number): { value: string; length: number } | undefined => {
    const hex = text.slice(at + 1, at + 1 + digits);
    if (hex.length !== digits || !HEX.test(hex)) return undefined;
    const code = Number.parseInt(hex, 16);
    // systemd refuses escapes that would produce NUL, and code points outside Unicode.
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
    return { value: String.fromCodePoint(code), length: digits + 1 };
  };
  if (c === 'x') return hexEscape(2);
  if (c === 'u') return hexEscape(4);
  if (c === 'U') return hexEscape(8);
  const octal = text.slice(at, at + 3);
  if (OCTAL.test(octal)) {
    const code = Number.parseInt(octal, 8);
    if (code === 0 || code > 255) return undefined;
    return { value: String.fromCharCode(code), length: 3 };
  }
  return undefined;
}
