// BIP-39 mnemonics (English): https://github.com/bitcoin/bips/blob/master/bip-0039.mediawiki
import { loadPublishedSecrets } from '../../stacks/published-secrets.js';
import { bip39WordIndex, isValidMnemonic, MNEMONIC_LENGTHS } from '../bip39.js';
import type { DetectInput, Hit } from './types.js';

// A run of at least 12 words of 3–8 letters (every English BIP-39 word; any case, looked up in lower case), each optionally numbered
// ("1. ", "02) ", "3:"), separated by spaces, commas, semicolons, quotes or line breaks. Cheap, and prose rarely
// keeps it up for 12 words because sentences end and most short function words are not in the list.
// One word of the run and the separators after it, matched sticky: the run is the longest chain of these. As one
// regex, `(?:…){12,}`, a run of a few MB of short words overflowed the regex stack (9 MB of `key key …`).
const RUN_WORD = /(?<![A-Za-z0-9])(?:\d{1,2}[.):-]?[ \t]*)?[A-Za-z]{3,8}(?![A-Za-z0-9])[\s,;"']*/y;
const MIN_RUN_WORDS = 12;
const WORD = /[A-Za-z]+/g;

let publishedMnemonics: Map<string, string> | undefined;

function published(): Map<string, string> {
  publishedMnemonics ??= new Map(loadPublishedSecrets().mnemonics.map((entry) => [entry.words, entry.source]));
  return publishedMnemonics;
}

interface PlacedWord {
  word: string;
  index: number;
}

/**
 * The mnemonic inside a maximal run of list words, or undefined. Only a run of exactly 12/15/18/21/24 words counts
 * (one extra list word at either end is tolerated, for "private key …" labels): windows slid over a longer run would
 * pass the checksum by chance (1 in 16 for 12 words), and a long run is a word list, not a mnemonic.
 */
function mnemonicIn(run: PlacedWord[]): PlacedWord[] | undefined {
  const candidates = [run];
  if (!MNEMONIC_LENGTHS.has(run.length) && MNEMONIC_LENGTHS.has(run.length - 1))
    candidates.push(run.slice(1), run.slice(0, -1));
  for (const words of candidates) {
    if (isValidMnemonic(words.map((placed) => placed.word))) return words;
  }
  return undefined;
}

/** Splits a stretch at line breaks when every line holds 12+ words (one mnemonic per line); else keeps it whole. */
function byLine(stretch: PlacedWord[], text: string): PlacedWord[][] {
  const lines: PlacedWord[][] = [];
  let current: PlacedWord[] = [];
  for (const [i, placed] of stretch.entries()) {
    const previous = stretch[i - 1];
    // Only the gap between the two words is read: searching back for the line start was quadratic on a long line.
    if (previous && text.slice(previous.index, placed.index).includes('\n')) {
      lines.push(current);
      current = [];
    }
    current.push(placed);
  }
  lines.push(current);
  return lines.length > 1 && lines.every((line) => line.length >= 12) ? lines : [stretch];
}

/**
 * [start, end) of each run of 12+ words, as `(?:<RUN_WORD>){12,}` matched globally would find them, in one pass: a
 * chain of sticky word matches either reaches 12 words or fails where any later start inside it would fail too.
 */
function wordRuns(text: string): [number, number][] {
  const runs: [number, number][] = [];
  let position = 0;
  while (position < text.length) {
    let words = 0;
    let end = position;
    RUN_WORD.lastIndex = position;
    while (RUN_WORD.test(text)) {
      words++;
      end = RUN_WORD.lastIndex;
    }
    if (words >= MIN_RUN_WORDS) runs.push([position, end]);
    position = words === 0 ? position + 1 : end;
  }
  return runs;
}

export function detectMnemonics({ text }: DetectInput): Hit[] {
  const index = bip39WordIndex();
  const hits: Hit[] = [];
  for (const [runStart, runEnd] of wordRuns(text)) {
    // Split the run into maximal stretches of list words; anything else breaks a stretch.
    let stretch: PlacedWord[] = [];
    const stretches: PlacedWord[][] = [];
    for (const word of text.slice(runStart, runEnd).matchAll(WORD)) {
      const lower = word[0].toLowerCase();
      if (index.has(lower)) {
        stretch.push({ word: lower, index: runStart + word.index });
      } else {
        if (stretch.length >= 12) stretches.push(stretch);
        stretch = [];
      }
    }
    if (stretch.length >= 12) stretches.push(stretch);
    for (const candidate of stretches.flatMap((stretch) => byLine(stretch, text))) {
      const words = mnemonicIn(candidate);
      if (words === undefined) continue;
      const canonicalValue = words.map((placed) => placed.word).join(' ');
      const source = published().get(canonicalValue);
      const first = words[0] as PlacedWord;
      hits.push(
        source === undefined
          ? {
              detector: 'bip39-mnemonic',
              index: first.index,
              canonicalValue,
              severity: 'critical',
              message: `A ${words.length}-word BIP-39 mnemonic with a valid checksum.`,
            }
          : {
              detector: 'published-secret',
              index: first.index,
              canonicalValue,
              severity: 'critical',
              message: `A published sample mnemonic (${source}): published, treat as compromised.`,
            },
      );
    }
  }
  return hits;
}
