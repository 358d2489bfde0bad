import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  configKeywordOffsets,
  findWordRuns,
  hexRunStarts,
  keyCandidateOffsets,
  keyLineOffsets,
} from '../../src/secrets/candidates.js';
import { sectionAbove } from '../../src/secrets/detectors/context.js';

// The straightforward forms the fast prefilters replaced, kept as the oracle: every byte visited, every needle searched.
const CLASS_OF = (byte: number): number => {
  const ch = String.fromCharCode(byte);
  if (/[a-zA-Z]/.test(ch)) return 1;
  if (ch === '_') return 2;
  if (/[0-9]/.test(ch)) return 4;
  if (/[ \t\r\n\f\v,;"']/.test(ch)) return 8;
  if (/[.):-]/.test(ch)) return 16;
  return 0;
};

function referenceWordRuns(bytes: Uint8Array): [number, number][] {
  const runs: [number, number][] = [];
  let words = 0;
  let runStart = 0;
  let runEnd = 0;
  let afterNumber = false;
  const close = () => {
    if (words >= 12) runs.push([runStart, runEnd]);
    words = 0;
    afterNumber = false;
  };
  let i = 0;
  while (i < bytes.length) {
    const cls = CLASS_OF(bytes[i] as number);
    if (cls === 1 || cls === 2 || cls === 4) {
      const start = i;
      let kinds = 0;
      while (i < bytes.length && [1, 2, 4].includes(CLASS_OF(bytes[i] as number)))
        kinds |= CLASS_OF(bytes[i++] as number);
      const length = i - start;
      const word = Buffer.from(bytes.subarray(start, i)).toString('latin1');
      if (kinds === 1 && length >= 3 && length <= 8 && /^(?:[A-Za-z][a-z]+|[A-Z]+)$/.test(word)) {
        if (words === 0) runStart = start;
        words++;
        runEnd = i;
        afterNumber = false;
      } else if (kinds === 4 && length <= 2) afterNumber = true;
      else close();
      continue;
    }
    if (cls !== 8 && !(cls === 16 && afterNumber)) close();
    i++;
  }
  close();
  return runs;
}

function needleOffsets(bytes: Buffer, needles: string[]): number[] {
  const offsets: number[] = [];
  for (const needle of needles) {
    for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + needle.length)) offsets.push(at);
  }
  return offsets;
}

function referenceKeyLines(bytes: Buffer): number[] {
  const offsets = needleOffsets(bytes, ['key', 'Key', 'KEY', 'seed', 'Seed', 'SEED']);
  const endings = needleOffsets(bytes, ['01\n', '01\r\n', '01"\n', "01'\n", '01"\r\n', "01'\r\n"]);
  let end = bytes.length;
  while (end > 0 && [0x0a, 0x0d, 0x20, 0x09, 0x22, 0x27].includes(bytes[end - 1] as number)) end--;
  if (end >= 2 && bytes[end - 2] === 0x30 && bytes[end - 1] === 0x31) endings.push(end - 2);
  for (const at of endings) if (at - (bytes.lastIndexOf(0x0a, at) + 1) <= 80) offsets.push(at);
  // List items under a YAML header that holds a key word: `private_keys:` then `  - value` lines (blank lines between).
  const lines = bytes.toString('latin1').split('\n');
  let lineStart = 0;
  for (const [index, line] of lines.entries()) {
    const isHeader =
      index < lines.length - 1 &&
      ['key', 'Key', 'KEY', 'seed', 'Seed', 'SEED'].some((word) => line.includes(word)) &&
      line.replace(/[ \t\r]+$/, '').endsWith(':');
    if (isHeader) {
      let itemStart = lineStart + line.length + 1;
      for (const item of lines.slice(index + 1)) {
        const dash = /^[ \t]*-[ \t]/.exec(item);
        if (dash) offsets.push(itemStart + dash[0].length - 2);
        else if (!/^[ \t]*\r?$/.test(item)) break;
        itemStart += item.length + 1;
      }
    }
    lineStart += line.length + 1;
  }
  return [...new Set(offsets)].sort((a, b) => a - b);
}

const distinctSorted = (offsets: number[]) => [...new Set(offsets)].sort((a, b) => a - b);

// A deterministic generator (no Math.random: a failure must replay) of text full of near misses: list words,
// numbering, hex, capitals, identifiers, punctuation and line ends in every mix.
function pseudoRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const PIECES = [
  'abandon',
  'ability',
  'zoo',
  'legal',
  'winner',
  'thank',
  'year',
  'wave',
  'sausage',
  'worth',
  'useful',
  'wrong',
  'ab',
  'abandonment',
  'Abandon',
  'snake_case',
  'x9',
  '12',
  '3',
  '123',
  '1.',
  '02)',
  '3:',
  '4-',
  ' ',
  ' ',
  ' ',
  '  ',
  '\n',
  '\r\n',
  '\t',
  ',',
  ';',
  '"',
  "'",
  '.',
  ')',
  ':',
  '-',
  '(',
  '=',
  '/',
  '#',
  '{',
  '\u00e9',
  'deadbeefcafe0123456789abcdef',
  'f'.repeat(64),
  `${'a1'.repeat(32)}01`,
  '01',
  'key',
  'Key',
  'KEY',
  'seed',
  'SEED',
  'password',
  'PASSWORD',
  'Password',
  'assword',
  'ssword',
  'token',
  'TOKEN',
  'oken',
  'auth_token',
  'AUTH-TOKEN',
  'authToken',
  'Auth',
  'block_proposal',
  'proposal_',
  'proposalT',
  '_t',
  'private_key = ',
  'private_keys:\n',
  ' seed: \r\n',
  '  - ',
  '- ',
  '-\t',
  '\n\n',
  '"\n',
  "'\r\n",
];

function randomText(next: () => number, pieces: number, wordBias: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < pieces; i++) {
    // Long stretches of list words and spaces, so that runs of 12+ actually occur.
    if (next() < wordBias) {
      const numbering =
        next() < 0.2 ? `${Math.floor(next() * 30)}${['.', ')', ':', '-', ''][Math.floor(next() * 5)]} ` : '';
      parts.push(
        numbering,
        ['abandon', 'legal', 'zoo', 'add', 'act', 'wave', 'year', 'Abandon', 'ZOO', 'camelCase', 'aBc'][
          Math.floor(next() * 11)
        ] as string,
        ' ',
      );
    } else parts.push(PIECES[Math.floor(next() * PIECES.length)] as string);
  }
  return Buffer.from(parts.join(''), 'latin1');
}

describe('candidate prefilters agree with the byte-by-byte originals', () => {
  test('findWordRuns: the skipping scan finds exactly the runs a full scan finds', () => {
    const next = pseudoRandom(7);
    let withRuns = 0;
    for (let round = 0; round < 3000; round++) {
      const bytes = randomText(next, 20 + Math.floor(next() * 300), [0, 0.5, 0.8, 0.95][round % 4] as number);
      const expected = referenceWordRuns(bytes);
      if (expected.length > 0) withRuns++;
      assert.deepEqual(findWordRuns(bytes), expected, JSON.stringify(bytes.toString('latin1')));
    }
    // The generator must exercise the positive path too, or the agreement above proves little.
    assert.ok(withRuns > 300, `only ${withRuns} inputs held a run`);
  });

  test('findWordRuns: the shortest runs, between every kind of break, at every offset from the last probe', () => {
    // 12 three-letter words and single spaces: exactly the 47 bytes a run needs at least.
    const shortest = Array(12).fill('zoo').join(' ');
    const numbered = shortest.replaceAll(' ', ' 2. ');
    const breaks = ['', '(', 'Z', 'abcdefghi', 'x9', '_', ' 1. ', '.', '\n', 'fooBar', 'ABc'];
    let found = 0;
    for (const run of [shortest, numbered]) {
      for (const before of breaks) {
        for (const after of breaks) {
          for (let pad = 0; pad < 50; pad++) {
            // Single-letter words and lone punctuation reset the scan before the run, so probes land all over it.
            for (const padding of ['b '.repeat(pad), '#'.repeat(pad)]) {
              const bytes = Buffer.from(`${padding}${before}${run}${after}`, 'latin1');
              const expected = referenceWordRuns(bytes);
              found += expected.length;
              assert.deepEqual(findWordRuns(bytes), expected, bytes.toString('latin1'));
            }
          }
        }
      }
    }
    assert.ok(found > 500, `only ${found} runs in the edge cases`);
  });

  test('keyLineOffsets and configKeywordOffsets: the same lines as every needle searched one by one', () => {
    const next = pseudoRandom(11);
    let bareEndings = 0;
    let listItems = 0;
    let tokenNames = 0;
    for (let round = 0; round < 3000; round++) {
      const bytes = randomText(next, 5 + Math.floor(next() * 120), 0.1);
      const expected = referenceKeyLines(bytes);
      bareEndings += expected.filter((at) => bytes[at] === 0x30).length;
      listItems += expected.filter((at) => bytes[at] === 0x2d).length;
      assert.deepEqual(distinctSorted(keyLineOffsets(bytes)), expected, JSON.stringify(bytes.toString('latin1')));
      // `oken` counts only where it ends an auth or proposal token's name: what the detector's regex can match.
      const text = bytes.toString('latin1');
      const tokens = needleOffsets(bytes, ['oken', 'OKEN']).filter((at) =>
        /(?:auth|proposal)[_-]?t$/i.test(text.slice(0, at)),
      );
      assert.deepEqual(
        configKeywordOffsets(bytes),
        [...needleOffsets(bytes, ['assword', 'ASSWORD']), ...tokens].sort((a, b) => a - b),
      );
      tokenNames += tokens.length;
    }
    assert.ok(bareEndings > 100, `only ${bareEndings} bare-key line endings were generated`);
    assert.ok(tokenNames > 100, `only ${tokenNames} token names were generated`);
    assert.ok(listItems > 100, `only ${listItems} list items under key headers were generated`);
  });

  test('hexRunStarts: the start of every run of 64+ hex digits, as a regex finds them', () => {
    const next = pseudoRandom(23);
    const alphabet = '0123456789abcdefABCDEFxg \n=';
    let runs = 0;
    for (let round = 0; round < 2000; round++) {
      let text = '';
      const pieces = 1 + Math.floor(next() * 8);
      for (let p = 0; p < pieces; p++) {
        // Hex stretches of 50–80 digits (around the 64 boundary) between random bytes.
        const hexLength = 50 + Math.floor(next() * 31);
        for (let i = 0; i < hexLength; i++) text += '0123456789abcdefABCDEF'[Math.floor(next() * 22)];
        const gap = Math.floor(next() * 4);
        for (let i = 0; i < gap; i++) text += alphabet[Math.floor(next() * alphabet.length)];
      }
      const expected = [...text.matchAll(/[0-9a-fA-F]{64,}/g)].map((match) => match.index);
      runs += expected.length;
      assert.deepEqual(hexRunStarts(Buffer.from(text, 'latin1')), expected, text);
    }
    assert.ok(runs > 500, `only ${runs} runs generated`);
  });

  test('keyCandidateOffsets: the key lines keyLineOffsets finds that hold a 64-hex run', () => {
    const next = pseudoRandom(29);
    let kept = 0;
    for (let round = 0; round < 3000; round++) {
      // Short texts are mostly searched line by line; long ones pass the per-line budget and switch to whole-file
      // key words part way, so both ways and the switch are compared with the reference.
      const pieces = round % 3 === 0 ? 400 + Math.floor(next() * 800) : 5 + Math.floor(next() * 120);
      const bytes = randomText(next, pieces, 0.1);
      const lineOf = (at: number) => (at === 0 ? 0 : bytes.lastIndexOf(0x0a, at - 1) + 1);
      const hexLines = new Set(hexRunStarts(bytes).map(lineOf));
      const expected = [...new Set(keyLineOffsets(bytes).map(lineOf))]
        .filter((line) => hexLines.has(line))
        .sort((a, b) => a - b);
      const actual = keyCandidateOffsets(bytes).map(lineOf);
      kept += expected.length;
      // Every line keyLineOffsets would have had the detector read (and that can hold a key) is still read.
      for (const line of expected) assert.ok(actual.includes(line), JSON.stringify(bytes.toString('latin1')));
    }
    assert.ok(kept > 100, `only ${kept} key lines with hex generated`);
  });

  test('sectionAbove: the header the multiline regex it replaced finds above each offset', () => {
    const reference = (text: string, index: number) => {
      let name: string | undefined;
      for (const match of text.matchAll(/^[ \t]*\[{1,2}[ \t]*([A-Za-z0-9_.-]+)[ \t]*\]{1,2}[ \t]*(?:#.*)?$/gm)) {
        if (match.index + match[0].length <= index) name = (match[1] as string).toLowerCase();
      }
      return name;
    };
    const pieces = [
      '[burnchain]',
      '[[ events ]]',
      ' \t[a.b-c_d]',
      '[x] # c',
      '[x] y',
      '[',
      ']',
      'password = 1',
      '#[test]',
    ];
    const breaks = ['\n', '\r\n', '\r', ' ', '\t', 'a', '\u2028'];
    const next = pseudoRandom(31);
    let named = 0;
    for (let round = 0; round < 2000; round++) {
      let text = '';
      for (let i = 0, count = 1 + Math.floor(next() * 12); i < count; i++) {
        text += pieces[Math.floor(next() * pieces.length)] as string;
        text += breaks[Math.floor(next() * breaks.length)] as string;
      }
      // A fresh string each round: sectionAbove caches the headers of the last text it read.
      for (let index = 0; index <= text.length; index++) {
        const expected = reference(text, index);
        if (expected !== undefined) named++;
        assert.equal(sectionAbove(text, index), expected, JSON.stringify(text));
      }
    }
    assert.ok(named > 1000, `only ${named} offsets had a header above`);
  });
});
