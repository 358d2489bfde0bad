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
  const start = Math.max(lineStartOf(text, index), index - MAX_PREFIX);
  const match = NAME_BEFORE_VALUE.exec(text.slice(start, index));
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

/** Header positions of the last text asked about: a file with many `password` lines is read for headers once. */
let headerCache: { text: string; at: number[]; names: string[] } | undefined;

/** The last `[section]` header above `index` (TOML/INI), lower case, or undefined. */
export function sectionAbove(text: string, index: number): string | undefined {
  if (headerCache?.text !== text) {
    const headers = /^[ \t]*\[{1,2}[ \t]*([A-Za-z0-9_.-]+)[ \t]*\]{1,2}[ \t]*(?:#.*)?$/gm;
    const at: number[] = [];
    const names: string[] = [];
    for (const match of text.matchAll(headers)) {
      at.push(match.index);
      names.push((match[1] as string).toLowerCase());
    }
    headerCache = { text, at, names };
  }
  const { at, names } = headerCache;
  // The last header starting before `index` (a header line never holds the value itself).
  let low = 0;
  let high = at.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((at[middle] as number) < index) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? undefined : names[low - 1];
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
