// Where the detectors need to look, found at native or near-native speed so hash-heavy files cost one pass:
// - key names (`key`, `seed` in any of three cases) and lines ending in `01` (a bare 66-hex key) by Buffer.indexOf;
// - runs of 12+ short lower-case words (the shape of a mnemonic) by one table-driven pass over the bytes.
// The regex-based detectors then read only the lines around these spots.

const LOWER = 1; // [a-z]
const OTHER_WORD = 2; // [A-Z_] and other word characters that end a lower-case word
const DIGIT = 4; // [0-9]
const SEPARATOR = 8; // between mnemonic words: whitespace , ; " '
const AFTER_NUMBER = 16; // allowed after a list number: . ) : -

const CLASSES = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  let cls = 0;
  if (/[a-z]/.test(ch)) cls |= LOWER;
  else if (/[A-Z_]/.test(ch)) cls |= OTHER_WORD;
  else if (/[0-9]/.test(ch)) cls |= DIGIT;
  else if (/[ \t\r\n\f\v,;"']/.test(ch)) cls |= SEPARATOR;
  else if (/[.):-]/.test(ch)) cls |= AFTER_NUMBER;
  CLASSES[c] = cls;
}

export const MIN_MNEMONIC_WORDS = 12;

/**
 * [start, end) ranges of runs of 12+ lower-case words of 3–8 letters, separated by whitespace, commas, semicolons or
 * quotes, each optionally numbered (`1.`, `02)`, `3:`). Written as one flat loop with local state only: no closures,
 * so V8 keeps every variable in a register.
 */
export function findWordRuns(bytes: Uint8Array): [number, number][] {
  const runs: [number, number][] = [];
  const length = bytes.length;
  let runWords = 0;
  let runStart = 0;
  let runEnd = 0;
  let afterNumber = false;
  let i = 0;
  while (i < length) {
    const cls = CLASSES[bytes[i] as number] as number;
    if (cls === LOWER || cls === OTHER_WORD || cls === DIGIT) {
      // A word: [A-Za-z0-9_]+
      const start = i;
      let kinds = 0;
      while (i < length) {
        const inner = CLASSES[bytes[i] as number] as number;
        if (inner !== LOWER && inner !== OTHER_WORD && inner !== DIGIT) break;
        kinds |= inner;
        i++;
      }
      const wordLength = i - start;
      if (kinds === LOWER && wordLength >= 3 && wordLength <= 8) {
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
// A bare compressed key ends its line with 01 (optionally quoted), or ends the file.
const BARE_KEY_ENDINGS = ['01\n', '01\r\n', '01"\n', "01'\n", '01"\r\n', "01'\r\n"].map((ending) =>
  Buffer.from(ending, 'latin1'),
);
const MAX_BARE_LINE = 80;

function allOffsets(bytes: Buffer, needles: readonly Buffer[], into: number[]): void {
  for (const needle of needles) {
    for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + needle.length)) into.push(at);
  }
}

/** Offsets on lines that may hold a private key: a key-like name, or a short line ending in 01. Sorted. */
export function keyLineOffsets(bytes: Buffer): number[] {
  const offsets: number[] = [];
  allOffsets(bytes, KEY_NAME_WORDS, offsets);
  const endings: number[] = [];
  allOffsets(bytes, BARE_KEY_ENDINGS, endings);
  // The last line may lack its newline: skip trailing whitespace and quotes, then look for 01.
  let end = bytes.length;
  while (end > 0 && [0x0a, 0x0d, 0x20, 0x09, 0x22, 0x27].includes(bytes[end - 1] as number)) end--;
  if (end >= 2 && bytes[end - 2] === 0x30 && bytes[end - 1] === 0x31) endings.push(end - 2);
  for (const at of endings) {
    // Only lines short enough to be one key: 66 hex plus 0x, quotes and indentation.
    if (at - (bytes.lastIndexOf(0x0a, at) + 1) <= MAX_BARE_LINE) offsets.push(at);
  }
  return offsets.sort((a, b) => a - b);
}
