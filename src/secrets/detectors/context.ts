// The name a value is assigned to, read backwards from the value on its own line: `stacks_private_key = "…"`,
// `"private_key": "…"`, `SIGNER_PRIVATE_KEY=…`, `seed: …`, `--private-key …`, `-rpcpassword=…`.

/** How far back on a line to look for the name (long enough for any config line worth reading). */
const MAX_PREFIX = 200;

// name, optional closing quote, then `=`, `:` or a space (CLI flags), then an optional opening quote — at the end.
const NAME_BEFORE_VALUE = /(?:^|[^\w.-])(-{0,2}[A-Za-z_][\w.-]*)["']?[ \t]*(?:[:=][ \t]*|[ \t])["']?$/;

export function lineStartOf(text: string, index: number): number {
  return text.lastIndexOf('\n', index - 1) + 1;
}

/** The assigned name (leading dashes kept, to tell flags), or undefined when the value is not in an assignment shape. */
export function assignedName(text: string, index: number): string | undefined {
  // Only the MAX_PREFIX characters before the value are searched for the line start: on a long line, searching back
  // to its start once per value was quadratic.
  const window = text.slice(Math.max(0, index - MAX_PREFIX), index);
  const match = NAME_BEFORE_VALUE.exec(window.slice(window.lastIndexOf('\n') + 1));
  return match?.[1];
}

/** Lower case without separators or leading dashes: `--Private-Key`, `PRIVATE_KEY`, `privateKey` → `privatekey`. */
export function normaliseName(name: string): string {
  return name.replace(/^-+/, '').replace(/[-_.]/g, '').toLowerCase();
}

/** The text of the line holding `index`, without its newline. */
export function lineAt(text: string, index: number): string {
  const start = lineStartOf(text, index);
  const end = text.indexOf('\n', index);
  return text.slice(start, end === -1 ? text.length : end);
}

/** The last `[section]` header above `index` (TOML/INI), lower case, or undefined. */
export function sectionAbove(text: string, index: number): string | undefined {
  const headers = sectionHeadersOf(text);
  // The last header starting before `index`, by binary search.
  let low = 0;
  let high = headers.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((headers[middle] as SectionHeader).end <= index) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? undefined : (headers[low - 1] as SectionHeader).name;
}

interface SectionHeader {
  /** Where the header line's text ends: it counts as above a value at or after this offset. */
  end: number;
  name: string;
}

// The headers of the last text asked about: every `password` hit of a file asks about the same whole text, and
// reading it once per hit was quadratic in the file's size.
let headersCache: { text: string; headers: SectionHeader[] } | undefined;

// A header line from its start: `[name]` or `[[name]]`, an optional comment, then the end of the line.
const HEADER_LINE = /[ \t]*\[{1,2}[ \t]*([A-Za-z0-9_.-]+)[ \t]*\]{1,2}[ \t]*(?:#.*)?$/my;

/**
 * The `[section]` headers of `text`, as `^…$` with the m flag would find them (lines end at LF or CR). Found from
 * each `[` that only blanks separate from its line's start: a native search, where the multiline regex tried every
 * line of a large source file (a password field in code asks this of the whole file).
 */
function sectionHeadersOf(text: string): SectionHeader[] {
  if (headersCache?.text === text) return headersCache.headers;
  const headers: SectionHeader[] = [];
  for (let bracket = text.indexOf('['); bracket !== -1; ) {
    let lineStart = bracket;
    while (lineStart > 0 && (text[lineStart - 1] === ' ' || text[lineStart - 1] === '\t')) lineStart--;
    const before = lineStart === 0 ? '\n' : text[lineStart - 1];
    let next = bracket + 1;
    if (before === '\n' || before === '\r' || before === '\u2028' || before === '\u2029') {
      HEADER_LINE.lastIndex = lineStart;
      const match = HEADER_LINE.exec(text);
      if (match) {
        const end = lineStart + match[0].length;
        headers.push({ end, name: (match[1] as string).toLowerCase() });
        next = end;
      }
    }
    bracket = text.indexOf('[', next);
  }
  headersCache = { text, headers };
  return headers;
}

const HEADER = /^([ \t]*)(?:-[ \t]+)?["']?([A-Za-z_][\w.-]*)["']?[ \t]*:[ \t]*(?:#.*)?\r?$/;
const ITEM = /^([ \t]*)-[ \t]/;
/** How many lines above a list item to look for its header (a long list of keys is still short). */
const MAX_HEADER_DISTANCE = 200;

/**
 * The name of the YAML block a list item at `index` belongs to: the nearest `name:` line above with no value, indented
 * no deeper than the item's dash, reached over sibling items, blank lines and comments only; otherwise undefined.
 */
export function listHeaderName(text: string, index: number): string | undefined {
  let lineStart = lineStartOf(text, index);
  const item = ITEM.exec(lineAt(text, index));
  if (!item) return undefined;
  const indent = (item[1] as string).length;
  for (let step = 0; step < MAX_HEADER_DISTANCE && lineStart > 0; step++) {
    lineStart = lineStartOf(text, lineStart - 1);
    const line = lineAt(text, lineStart);
    if (/^[ \t]*(?:#.*)?\r?$/.test(line)) continue;
    const sibling = ITEM.exec(line);
    if (sibling && (sibling[1] as string).length === indent && !HEADER.test(line)) continue;
    const header = HEADER.exec(line);
    return header && (header[1] as string).length <= indent ? header[2] : undefined;
  }
  return undefined;
}
