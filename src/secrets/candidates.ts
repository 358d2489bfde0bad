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

/** The longest list word (BIP-39 words have 3–8 letters). */
const LONGEST_WORD = 8;

/** Whether the word [start, end) keeps a run going: a list word, or a list number of 1–2 digits. */
function keepsRun(bytes: Uint8Array, start: number, end: number): boolean {
  const wordLength = end - start;
  if (wordLength > LONGEST_WORD) return false;
  let restKinds = 0;
  for (let at = start + 1; at < end; at++) restKinds |= CLASSES[bytes[at] as number] as number;
  const kinds = (CLASSES[bytes[start] as number] as number) | restKinds;
  return (kinds === DIGIT && wordLength <= 2) || isListWord(kinds, restKinds, wordLength);
}

/**
 * Where the word holding `at` starts, not before `lowest`: `from` (a token boundary), or a word's last 9 bytes when
 * its length matters only up to 9 (longer than a list word: a break).
 */
function wordStart(bytes: Uint8Array, lowest: number, at: number): number {
  let start = at;
  while (start > lowest && (CLASSES[bytes[start - 1] as number] as number) & WORD_CHAR) start--;
  return start;
}

/**
 * Whether a fresh scan from `from` reaches the list-number mark at `at` (`.`, `)`, `:`, `-`) right after a number:
 * the last word before it, over blanks and marks, is a 1–2 digit number at or after `from`.
 */
function followsNumber(bytes: Uint8Array, from: number, at: number): boolean {
  let last = at - 1;
  while (last >= from && (CLASSES[bytes[last] as number] as number) & (SEPARATOR | AFTER_NUMBER)) last--;
  if (last < from || ((CLASSES[bytes[last] as number] as number) & WORD_CHAR) === 0) return false;
  const start = wordStart(bytes, Math.max(from, last - 2), last);
  if (last - start >= 2) return false;
  for (let digit = start; digit <= last; digit++) if (CLASSES[bytes[digit] as number] !== DIGIT) return false;
  return true;
}

/** Set by lastBreak: the end of the token holding the probe, so a later window need not read it again. */
let probedTokenEnd = 0;

/**
 * The rightmost break in the window a fresh scan from `from` must cross to make a run ([from, probe], where probe is
 * from + MIN_RUN_BYTES - 1), read backwards from `probe` down to `low` (bytes below `low` are known to hold none):
 * where the scan resumes after it, or -1 when there is none. No run can contain a break, and none fits before it in
 * the window, so skipping to just after it loses nothing; read from the right, the break found first skips furthest,
 * and most windows of code, logs and hashes hold one near their end. Only sure breaks count (a list-number mark is
 * judged by the word before it): missing one merely leaves the window to the byte-by-byte scan.
 */
function lastBreak(bytes: Uint8Array, from: number, low: number, probe: number): number {
  const length = bytes.length;
  let at = probe;
  probedTokenEnd = probe + 1;
  if ((CLASSES[bytes[probe] as number] as number) & WORD_CHAR) {
    // The word at the probe may go on past it: judged whole.
    let end = probe + 1;
    while (end < length && (CLASSES[bytes[end] as number] as number) & WORD_CHAR) end++;
    probedTokenEnd = end;
    // A hash or an identifier: its end is all that is needed.
    if (end - probe > LONGEST_WORD) return end;
    const start = wordStart(bytes, Math.max(from, end - LONGEST_WORD - 1), probe);
    if (!keepsRun(bytes, start, end)) return end;
    at = start - 1;
  }
  while (at >= low) {
    const cls = CLASSES[bytes[at] as number] as number;
    if (cls === 0) return at + 1;
    if (cls & WORD_CHAR) {
      const start = wordStart(bytes, Math.max(from, at - LONGEST_WORD), at);
      if (!keepsRun(bytes, start, at + 1)) return at + 1;
      at = start - 1;
    } else {
      if (cls === AFTER_NUMBER && !followsNumber(bytes, from, at)) return at + 1;
      at--;
    }
  }
  return -1;
}

/**
 * [start, end) ranges of runs of 12+ words of 3–8 letters (lower, Capitalised or UPPER case), separated by whitespace, commas, semicolons or
 * quotes, each optionally numbered (`1.`, `02)`, `3:`). Written as one flat loop with local state only: no closures,
 * so V8 keeps every variable in a register. While no run is open it probes MIN_RUN_BYTES ahead and jumps past
 * anything that breaks runs (see lastBreak), so most bytes of code, logs and hashes are never visited.
 */
export function findWordRuns(bytes: Uint8Array): [number, number][] {
  const runs: [number, number][] = [];
  const length = bytes.length;
  let runWords = 0;
  let runStart = 0;
  let runEnd = 0;
  let afterNumber = false;
  // Bytes up to here were read by lastBreak and hold no sure break: a later window reads only past them.
  let clearTo = -1;
  let i = 0;
  while (i < length) {
    if (runWords === 0 && !afterNumber) {
      // Too few bytes left for a run.
      if (length - i < MIN_RUN_BYTES) break;
      const probe = i + MIN_RUN_BYTES - 1;
      if (probe > clearTo) {
        const resume = lastBreak(bytes, i, Math.max(i, clearTo + 1), probe);
        if (resume !== -1) {
          i = resume;
          continue;
        }
        clearTo = probedTokenEnd - 1;
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
// config and env files write them. Buffer.indexOf finds a short needle by memchr on its first byte, then compares:
// its cost is one call per occurrence of that byte. So each keyword is searched by a tail starting at a rare letter
// (`word` for `assword`, `ken` for `oken`: w and k are about ten times rarer in code than s and o) and the bytes
// before the tail are checked by hand. Neither tail overlaps itself, so a search resuming past each hit misses none.
const CONFIG_KEYWORDS: readonly { tail: Buffer; before: Buffer; token: boolean }[] = [
  { tail: Buffer.from('word', 'latin1'), before: Buffer.from('ass', 'latin1'), token: false },
  { tail: Buffer.from('WORD', 'latin1'), before: Buffer.from('ASS', 'latin1'), token: false },
  { tail: Buffer.from('ken', 'latin1'), before: Buffer.from('o', 'latin1'), token: true },
  { tail: Buffer.from('KEN', 'latin1'), before: Buffer.from('O', 'latin1'), token: true },
];

/** Whether `prefix` ends just before `at` in `bytes`. */
function precededBy(bytes: Buffer, at: number, prefix: Buffer): boolean {
  const start = at - prefix.length;
  if (start < 0) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[start + i] !== prefix[i]) return false;
  return true;
}

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
  for (const { tail, before, token } of CONFIG_KEYWORDS) {
    for (let at = bytes.indexOf(tail); at !== -1; at = bytes.indexOf(tail, at + tail.length)) {
      if (!precededBy(bytes, at, before)) continue;
      // `assword` is reported at its `a`, `oken` at its `o`.
      const start = at - before.length;
      if (!token || namesToken(bytes, start)) offsets.push(start);
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

/** Whether the line [start, end) is a list item: indentation, then `-` and a blank (`  - value`). */
function isListItemLine(bytes: Buffer, start: number, end: number): boolean {
  let at = start;
  while (at < end && (bytes[at] === SPACE || bytes[at] === TAB)) at++;
  return at + 1 < end && bytes[at] === DASH && (bytes[at + 1] === SPACE || bytes[at + 1] === TAB);
}

/** Whether the line [start, end) ends in `01` (before trailing blanks and quotes) within MAX_BARE_LINE + 2 bytes. */
function endsLikeBareKey(bytes: Buffer, start: number, end: number): boolean {
  let tail = end;
  while (tail > start && TRAILING.has(bytes[tail - 1] as number)) tail--;
  return tail - start >= 2 && endsWith01(bytes, tail) && tail - 2 - start <= MAX_BARE_LINE;
}

/**
 * Offsets on lines that may hold a private key, found from the hex runs first (rare in most text, so a file
 * without one costs a skim): the lines of those runs that also have what keyLineOffsets looks for (a key word, a
 * list item, a bare 01 ending). Sorted.
 *
 * Key words are searched on each such line while those lines are few (source code holds `key` on many lines and a
 * hex run on few: six native passes over the whole file cost more). Past PER_LINE_SEARCH_BUDGET the file is a lock
 * file or a hash list, where six native calls per line cost far more than six passes: the words are then searched
 * once over the whole file and matched to the lines by a merge of the two sorted lists.
 */
export function keyCandidateOffsets(bytes: Buffer): number[] {
  const offsets: number[] = [];
  const runs = hexRunStarts(bytes);
  if (runs.length === 0) return offsets;
  let names: number[] | undefined;
  let name = 0;
  let perLineCost = 0;
  // The end (newline or end of file) of the line of the last run judged: later runs before it share that line.
  let lineEnd = -1;
  for (const run of runs) {
    if (run < lineEnd) continue;
    const start = bytes.lastIndexOf(LF, run) + 1;
    const newline = bytes.indexOf(LF, run);
    lineEnd = newline === -1 ? bytes.length : newline;
    perLineCost += lineEnd - start + LINE_SEARCH_OVERHEAD;
    if (names === undefined && perLineCost > bytes.length * PER_LINE_SEARCH_BUDGET) {
      names = [];
      allOffsets(bytes, KEY_NAME_WORDS, names);
      names.sort((a, b) => a - b);
    }
    let named: boolean;
    if (names === undefined) named = hasKeyName(bytes, start, lineEnd);
    else {
      while (name < names.length && (names[name] as number) < start) name++;
      named = name < names.length && (names[name] as number) < lineEnd;
    }
    if (named || isListItemLine(bytes, start, lineEnd) || endsLikeBareKey(bytes, start, lineEnd)) offsets.push(run);
  }
  return offsets;
}

/** What six native searches of one line cost beyond its bytes, in bytes of a native pass (measured: ~1 µs). */
const LINE_SEARCH_OVERHEAD = 512;
/**
 * Per-line searches stop once they add up to this share of the file. An eighth, not one: measured on the bench's
 * 204 MiB corpus (lock files, hash lists), a larger share left the file scan 10% slower than six whole-file passes.
 */
const PER_LINE_SEARCH_BUDGET = 0.125;

/**
 * Whether the line [start, end) holds a key name. Searched on the line only: a source file holds `key` on many lines,
 * few of them with a 64-hex run, so the whole file's key words (six native passes) cost more than its hex lines'.
 */
function hasKeyName(bytes: Buffer, start: number, end: number): boolean {
  const line = bytes.subarray(start, end);
  for (const word of KEY_NAME_WORDS) if (line.includes(word)) return true;
  return false;
}
