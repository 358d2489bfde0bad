// Where the detectors need to look, found at native or near-native speed so hash-heavy files cost one pass:
// - key names (`key`, `seed` in any of three cases) and lines ending in `01` (a bare 66-hex key) by Buffer.indexOf;
// - runs of 12+ short words (the shape of a mnemonic, any case) by one table-driven pass over the bytes.
// The regex-based detectors then read only the lines around these spots.

const LOWER = 1; // [a-z]
const UPPER = 32; // [A-Z]: a mnemonic may be typed capitalised (`Abandon`) or in capitals, never in camelCase
const LETTER = LOWER | UPPER;
const OTHER_WORD = 2; // _ and other word characters that end a word
const DIGIT = 4; // [0-9]
const SEPARATOR = 8; // between mnemonic words: whitespace , ; " '
const AFTER_NUMBER = 16; // allowed after a list number: . ) : -

const CLASSES = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  let cls = 0;
  if (/[a-z]/.test(ch)) cls |= LOWER;
  else if (/[A-Z]/.test(ch)) cls |= UPPER;
  else if (ch === '_') cls |= OTHER_WORD;
  else if (/[0-9]/.test(ch)) cls |= DIGIT;
  else if (/[ \t\r\n\f\v,;"']/.test(ch)) cls |= SEPARATOR;
  else if (/[.):-]/.test(ch)) cls |= AFTER_NUMBER;
  CLASSES[c] = cls;
}

export const MIN_MNEMONIC_WORDS = 12;
// The shortest possible run: 12 words of 3 letters and 11 one-byte separators.
const MIN_RUN_BYTES = MIN_MNEMONIC_WORDS * 3 + MIN_MNEMONIC_WORDS - 1;
const WORD_CHAR = LETTER | OTHER_WORD | DIGIT;

/**
 * Whether a word of `length` bytes, whose bytes' classes OR to `kinds` (and after the first byte to `restKinds`), can
 * be a mnemonic word: 3–8 letters, lower case, Capitalised or UPPER. Identifiers in camelCase end a run, which keeps
 * source code from holding runs open.
 */
function isListWord(kinds: number, restKinds: number, length: number): boolean {
  return length >= 3 && length <= 8 && (kinds & ~LETTER) === 0 && (restKinds === LOWER || kinds === UPPER);
}

function restKindsOf(bytes: Uint8Array, start: number, end: number): number {
  let kinds = 0;
  for (let at = start + 1; at < end; at++) kinds |= CLASSES[bytes[at] as number] as number;
  return kinds;
}

/**
 * Where a fresh scan may resume when the byte at `probe` proves that no run covers it, or -1. Called only with the
 * scan in its initial state at `from` (a token boundary) and `probe - from < MIN_RUN_BYTES`: no run can then have
 * 12 words before `probe`, so skipping to the reset that `probe` causes loses nothing. Most text fails fast here
 * (punctuation, hex and identifiers), which spares the byte-by-byte loop the bulk of a hash-heavy file.
 */
function resumeAfterBreak(bytes: Uint8Array, from: number, probe: number): number {
  const cls = CLASSES[bytes[probe] as number] as number;
  // Punctuation that is neither a separator nor a list-number mark always ends a run.
  if (cls === 0) return probe + 1;
  if ((cls & WORD_CHAR) === 0) return -1;
  // Inside a word: a run survives it only if the whole word is 3–8 letters or a number of 1–2 digits.
  const length = bytes.length;
  let end = probe;
  let kinds = 0;
  while (end < length) {
    const inner = CLASSES[bytes[end] as number] as number;
    if ((inner & WORD_CHAR) === 0) break;
    kinds |= inner;
    end++;
  }
  let start = probe;
  while (start > from && (CLASSES[bytes[start - 1] as number] as number) & WORD_CHAR) {
    start--;
    kinds |= CLASSES[bytes[start] as number] as number;
  }
  const wordLength = end - start;
  const keepsRun =
    (kinds === DIGIT && wordLength <= 2) ||
    (wordLength >= 3 && wordLength <= 8 && isListWord(kinds, restKindsOf(bytes, start, end), wordLength));
  return keepsRun ? -1 : end;
}

/**
 * [start, end) ranges of runs of 12+ words of 3–8 letters (lower, Capitalised or UPPER case), separated by whitespace, commas, semicolons or
 * quotes, each optionally numbered (`1.`, `02)`, `3:`). Written as one flat loop with local state only: no closures,
 * so V8 keeps every variable in a register. While no run is open it probes MIN_RUN_BYTES ahead and jumps past
 * anything that breaks runs (see resumeAfterBreak), so most bytes of code, logs and hashes are never visited.
 */
export function findWordRuns(bytes: Uint8Array): [number, number][] {
  const runs: [number, number][] = [];
  const length = bytes.length;
  let runWords = 0;
  let runStart = 0;
  let runEnd = 0;
  let afterNumber = false;
  // Each byte is probed at most once: after a probe that proves nothing, the next one lands further on.
  let probed = -1;
  let i = 0;
  while (i < length) {
    if (runWords === 0 && !afterNumber) {
      const probe = i + MIN_RUN_BYTES - 1;
      if (probe > probed && probe < length) {
        probed = probe;
        const resume = resumeAfterBreak(bytes, i, probe);
        if (resume !== -1) {
          i = resume;
          continue;
        }
      }
    }
    const cls = CLASSES[bytes[i] as number] as number;
    if ((cls & WORD_CHAR) !== 0) {
      // A word: [A-Za-z0-9_]+
      const start = i;
      const first = cls;
      let restKinds = 0;
      i++;
      while (i < length) {
        const inner = CLASSES[bytes[i] as number] as number;
        if ((inner & WORD_CHAR) === 0) break;
        restKinds |= inner;
        i++;
      }
      const wordLength = i - start;
      const kinds = first | restKinds;
      if (isListWord(kinds, restKinds, wordLength)) {
        if (runWords === 0) runStart = start;
        runWords++;
        runEnd = i;
        afterNumber = false;
      } else if (kinds === DIGIT && wordLength <= 2) {
        afterNumber = true;
      } else {
        if (runWords >= MIN_MNEMONIC_WORDS) runs.push([runStart, runEnd]);
        runWords = 0;
        afterNumber = false;
      }
      continue;
    }
    if (cls !== SEPARATOR && !(cls === AFTER_NUMBER && afterNumber)) {
      if (runWords >= MIN_MNEMONIC_WORDS) runs.push([runStart, runEnd]);
      runWords = 0;
      afterNumber = false;
    }
    i++;
  }
  if (runWords >= MIN_MNEMONIC_WORDS) runs.push([runStart, runEnd]);
  return runs;
}

const KEY_NAME_WORDS = ['key', 'Key', 'KEY', 'seed', 'Seed', 'SEED'].map((word) => Buffer.from(word, 'latin1'));
// A bare compressed key ends its line with 01 (optionally quoted), or ends the file. Lines are short enough to be
// one key: 66 hex plus 0x, quotes and indentation.
const MAX_BARE_LINE = 80;
const LF = 0x0a;
const CR = 0x0d;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const TRAILING = new Set([LF, CR, 0x20, 0x09, DOUBLE_QUOTE, SINGLE_QUOTE]);

function allOffsets(bytes: Buffer, needles: readonly Buffer[], into: number[]): void {
  for (const needle of needles) {
    for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + needle.length)) into.push(at);
  }
}

function endsWith01(bytes: Buffer, end: number): boolean {
  return end >= 2 && bytes[end - 2] === 0x30 && bytes[end - 1] === 0x31;
}

/**
 * Offsets of `01` ending a line of at most MAX_BARE_LINE characters before it, as in `…01`, `…01"`, `…01'` with LF
 * or CRLF. One pass over the line feeds (memchr-fast, and rarer than the `0` every hash is full of).
 */
function bareKeyEndings(bytes: Buffer, into: number[]): void {
  let lineStart = 0;
  for (let newline = bytes.indexOf(LF); newline !== -1; newline = bytes.indexOf(LF, lineStart)) {
    let end = newline;
    if (end > lineStart && bytes[end - 1] === CR) end--;
    if (end > lineStart && (bytes[end - 1] === DOUBLE_QUOTE || bytes[end - 1] === SINGLE_QUOTE)) end--;
    if (end - 2 >= lineStart && endsWith01(bytes, end) && end - 2 - lineStart <= MAX_BARE_LINE) into.push(end - 2);
    lineStart = newline + 1;
  }
  // The last line may lack its newline: skip trailing whitespace and quotes, then look for 01.
  let end = bytes.length;
  while (end > 0 && TRAILING.has(bytes[end - 1] as number)) end--;
  if (endsWith01(bytes, end) && end - 2 - (bytes.lastIndexOf(LF, end - 2) + 1) <= MAX_BARE_LINE) into.push(end - 2);
}

const SPACE = 0x20;
const TAB = 0x09;
const COLON = 0x3a;
const DASH = 0x2d;
/** List items read after one header: a YAML list of keys is short. */
const MAX_LIST_ITEMS = 1000;

/**
 * For each key-word offset on a YAML block header (`private_keys:` ending its line), the offsets of the list items
 * (`  - value`) that follow it: their own lines name nothing, the header names them.
 */
function listItemsUnderHeaders(bytes: Buffer, keyOffsets: readonly number[], into: number[]): void {
  let lastHeaderEnd = -1;
  // The newline ending the line of the previous offset: offsets are sorted, so every offset before it shares that
  // line and is skipped without a search (one long line of key names would otherwise be searched once per name).
  let lineEnd = -1;
  // Indexed up to the length on entry: `into` may be `keyOffsets` itself, and items are not headers.
  const count = keyOffsets.length;
  for (let k = 0; k < count; k++) {
    const offset = keyOffsets[k] as number;
    if (offset < lineEnd) continue;
    const newline = bytes.indexOf(LF, offset);
    // No newline after this offset: none after any later one either.
    if (newline === -1) break;
    lineEnd = newline;
    if (newline === lastHeaderEnd) continue;
    let end = newline;
    while (end > offset && (bytes[end - 1] === SPACE || bytes[end - 1] === TAB || bytes[end - 1] === CR)) end--;
    if (bytes[end - 1] !== COLON) continue;
    lastHeaderEnd = newline;
    let lineStart = newline + 1;
    for (let items = 0; items < MAX_LIST_ITEMS && lineStart < bytes.length; items++) {
      let at = lineStart;
      while (bytes[at] === SPACE || bytes[at] === TAB) at++;
      const lineEnd = bytes.indexOf(LF, at);
      const isBlank = at === lineEnd || (bytes[at] === CR && at + 1 === lineEnd) || at >= bytes.length;
      if (!isBlank) {
        if (bytes[at] !== DASH || (bytes[at + 1] !== SPACE && bytes[at + 1] !== TAB)) break;
        into.push(at);
      }
      if (lineEnd === -1) break;
      lineStart = lineEnd + 1;
    }
  }
}

/**
 * Offsets on lines that may hold a private key: a key-like name, a list item under a key-like YAML header, or a short
 * line ending in 01. Sorted.
 */
export function keyLineOffsets(bytes: Buffer): number[] {
  const offsets: number[] = [];
  allOffsets(bytes, KEY_NAME_WORDS, offsets);
  offsets.sort((a, b) => a - b);
  listItemsUnderHeaders(bytes, offsets, offsets);
  bareKeyEndings(bytes, offsets);
  return offsets.sort((a, b) => a - b);
}

// Keywords the config-secret detector needs on a line (`auth_token`, `rpcpassword`, `password`…), both cases as
// config and env files write them. `assword` is searched as `ssword` then checked for its `a`: a search starting at
// `a` would stop at every other byte of a hex hash.
const CONFIG_KEYWORDS: readonly { needle: Buffer; before?: number }[] = [
  { needle: Buffer.from('ssword', 'latin1'), before: 0x61 },
  { needle: Buffer.from('SSWORD', 'latin1'), before: 0x41 },
  { needle: Buffer.from('oken', 'latin1') },
  { needle: Buffer.from('OKEN', 'latin1') },
];

/** Lower-cases an ASCII letter byte (and leaves every other byte as it is). */
const lower = (byte: number | undefined): number | undefined =>
  byte !== undefined && byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;

const AUTH = Buffer.from('auth', 'latin1');
const PROPOSAL = Buffer.from('proposal', 'latin1');

/** Whether `word` (lower case) ends at `end` (exclusive) in `bytes`, in any case. */
function endsWithWord(bytes: Buffer, end: number, word: Buffer): boolean {
  if (end < word.length) return false;
  for (let i = 0; i < word.length; i++) if (lower(bytes[end - word.length + i]) !== word[i]) return false;
  return true;
}

/**
 * Whether the `oken` at `at` ends a name the detector reads as a token: `auth` or `proposal`, an optional `_`/`-`,
 * then `t` (any case: `auth_token`, `AUTH-TOKEN`, `block_proposal_token`). Source code says `token` far more often
 * than it names one of these (a Rust node is full of `tokens`), and each such line cost a read by the regex.
 */
function namesToken(bytes: Buffer, at: number): boolean {
  if (lower(bytes[at - 1]) !== 0x74) return false;
  let end = at - 1;
  if (bytes[end - 1] === 0x5f || bytes[end - 1] === 0x2d) end--;
  return endsWithWord(bytes, end, AUTH) || endsWithWord(bytes, end, PROPOSAL);
}

/**
 * Offsets of the config-secret keywords (`assword`, `ASSWORD`; `oken`, `OKEN` where they end an auth or proposal
 * token's name, see namesToken), sorted.
 */
export function configKeywordOffsets(bytes: Buffer): number[] {
  const offsets: number[] = [];
  for (const { needle, before } of CONFIG_KEYWORDS) {
    for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + needle.length)) {
      if (before === undefined) {
        if (namesToken(bytes, at)) offsets.push(at);
      } else if (at > 0 && bytes[at - 1] === before) offsets.push(at - 1);
    }
  }
  return offsets.sort((a, b) => a - b);
}

const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
/** A private key is 64 hex digits: lines without such a run cannot hold one. */
export const MIN_KEY_HEX = 64;

/**
 * Start offsets of runs of at least MIN_KEY_HEX hex digits, sorted. Probes the last byte of each window first: a
 * non-hex byte there rules out every run starting in the window, so ordinary text is read about one byte in 64.
 */
export function hexRunStarts(bytes: Uint8Array): number[] {
  const starts: number[] = [];
  const length = bytes.length;
  let i = 0;
  while (i + MIN_KEY_HEX <= length) {
    const probe = i + MIN_KEY_HEX - 1;
    if (HEX[bytes[probe] as number] === 0) {
      i = probe + 1;
      continue;
    }
    // bytes[i - 1] is never hex here (i is 0 or just after a non-hex byte), so the run starts at or after i.
    let start = probe;
    while (start > i && HEX[bytes[start - 1] as number] === 1) start--;
    let end = probe + 1;
    while (end < length && HEX[bytes[end] as number] === 1) end++;
    if (end - start >= MIN_KEY_HEX) starts.push(start);
    i = end + 1;
  }
  return starts;
}

const KEY_WORD_BYTES = KEY_NAME_WORDS;

/** Whether the line [start, end) may name a key the way keyLineOffsets looks for: a key word, a list item, a bare 01. */
function mayBeKeyLine(bytes: Buffer, start: number, end: number): boolean {
  const line = bytes.subarray(start, end);
  for (const word of KEY_WORD_BYTES) if (line.includes(word)) return true;
  let at = 0;
  while (line[at] === SPACE || line[at] === TAB) at++;
  if (line[at] === DASH && (line[at + 1] === SPACE || line[at + 1] === TAB)) return true;
  let tail = line.length;
  while (tail > 0 && TRAILING.has(line[tail - 1] as number)) tail--;
  return endsWith01(line, tail) && tail - 2 <= MAX_BARE_LINE;
}

/**
 * Offsets on lines that may hold a private key, found from the hex runs first (rare in most text, so a file
 * without one costs a skim): the lines of those runs that also have what keyLineOffsets looks for. Sorted.
 */
export function keyCandidateOffsets(bytes: Buffer): number[] {
  const offsets: number[] = [];
  let lastLine = -1;
  for (const run of hexRunStarts(bytes)) {
    const start = bytes.lastIndexOf(LF, run) + 1;
    if (start === lastLine) continue;
    lastLine = start;
    const newline = bytes.indexOf(LF, run);
    if (mayBeKeyLine(bytes, start, newline === -1 ? bytes.length : newline)) offsets.push(run);
  }
  return offsets;
}
