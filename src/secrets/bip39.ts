// BIP-39 mnemonic checksum: https://github.com/bitcoin/bips/blob/master/bip-0039.mediawiki#generating-the-mnemonic
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';

// Compiled to dist/src/secrets/, three levels below the package root that holds data/.
const WORDLIST_URL = new URL('../../../data/bip39-english.txt', import.meta.url);

/** Word counts BIP-39 defines: 128..256 bits of entropy in steps of 32, one checksum bit per 32. */
export const MNEMONIC_LENGTHS: ReadonlySet<number> = new Set([12, 15, 18, 21, 24]);

let wordIndex: Map<string, number> | undefined;

/** The English wordlist as word → 11-bit index (loaded once). */
export function bip39WordIndex(): ReadonlyMap<string, number> {
  if (!wordIndex) {
    const words = readFileSync(WORDLIST_URL, 'utf8').split('\n').filter(Boolean);
    if (words.length !== 2048) throw new Error(`data/bip39-english.txt has ${words.length} words, expected 2048`);
    wordIndex = new Map(words.map((word, index) => [word, index]));
  }
  return wordIndex;
}

/**
 * True when the words (lower case, all from the English list) form a mnemonic whose checksum is valid: the last
 * ENT/32 bits of the concatenated 11-bit indexes equal the first ENT/32 bits of SHA-256 over the entropy.
 */
export function isValidMnemonic(words: readonly string[]): boolean {
  if (!MNEMONIC_LENGTHS.has(words.length)) return false;
  const index = bip39WordIndex();
  let bits = 0n;
  for (const word of words) {
    const value = index.get(word);
    if (value === undefined) return false;
    bits = (bits << 11n) | BigInt(value);
  }
  const totalBits = words.length * 11;
  const checksumBits = totalBits / 33;
  const entropyBits = totalBits - checksumBits;
  const entropy = bits >> BigInt(checksumBits);
  const checksum = Number(bits & ((1n << BigInt(checksumBits)) - 1n));
  const entropyBytes = new Uint8Array(entropyBits / 8);
  for (let i = entropyBytes.length - 1, rest = entropy; i >= 0; i--, rest >>= 8n)
    entropyBytes[i] = Number(rest & 0xffn);
  const expected = (sha256(entropyBytes)[0] ?? 0) >> (8 - checksumBits);
  return checksum === expected;
}
