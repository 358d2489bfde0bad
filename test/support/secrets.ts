// Planted secrets for scanner tests: fresh random keys and checksummed mnemonics, so no test depends on a value
// that could be real, and every planted value can be grepped for in every output.
import { createECDH, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';

const ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A valid secp256k1 private key as 64 lower-case hex. */
export function randomKeyHex(): string {
  for (;;) {
    const hex = randomBytes(32).toString('hex');
    const scalar = BigInt(`0x${hex}`);
    if (scalar > 0n && scalar < ORDER) return hex;
  }
}

/**
 * A key whose bare `<hex>01` form cannot also be a compressed public key: one starting 02/03 may be a curve point
 * (about 1 in 512), which the detector then takes for a public key by design (its own test covers that).
 */
export function randomUnambiguousKeyHex(): string {
  for (;;) {
    const hex = randomKeyHex();
    if (!/^0[23]/.test(hex)) return hex;
  }
}

/**
 * A compressed public key (02/03 + x, on the curve) whose hex ends in 01, so it has the shape of a 66-hex private key:
 * one key in 256 has it, as the stacker-set `signing_key` the review found reported as a private key.
 */
export function publicKeyEndingIn01(): string {
  const ecdh = createECDH('secp256k1');
  for (;;) {
    ecdh.setPrivateKey(Buffer.from(randomKeyHex(), 'hex'));
    const hex = ecdh.getPublicKey('hex', 'compressed');
    if (hex.endsWith('01')) return hex;
  }
}

const WORDS = readFileSync(new URL('../../../data/bip39-english.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter(Boolean);

/** A BIP-39 mnemonic of `count` words (12..24) with a valid checksum. */
export function randomMnemonic(count = 24): string[] {
  const entropyBytes = ((count * 11 - count / 3) / 8) | 0;
  const entropy = randomBytes(entropyBytes);
  const checksumBits = count / 3;
  let bits = BigInt(`0x${entropy.toString('hex')}`);
  bits = (bits << BigInt(checksumBits)) | BigInt((sha256(entropy)[0] ?? 0) >> (8 - checksumBits));
  const words: string[] = [];
  for (let i = 0; i < count; i++) {
    const shift = BigInt((count - 1 - i) * 11);
    words.push(WORDS[Number((bits >> shift) & 2047n)] as string);
  }
  return words;
}

/** The same mnemonic with its last word changed so the checksum fails (a decoy). */
export function breakChecksum(words: readonly string[]): string[] {
  const broken = [...words];
  const last = WORDS.indexOf(broken[broken.length - 1] as string);
  // Changing the last word changes only checksum/entropy bits; try neighbours until the checksum fails.
  for (let delta = 1; delta < 2048; delta++) {
    broken[broken.length - 1] = WORDS[(last + delta) % 2048] as string;
    if (!isChecksumValid(broken)) return broken;
  }
  throw new Error('unreachable: every last word cannot be valid');
}

export function isChecksumValid(words: readonly string[]): boolean {
  let bits = 0n;
  for (const word of words) bits = (bits << 11n) | BigInt(WORDS.indexOf(word));
  const checksumBits = words.length / 3;
  const entropy = bits >> BigInt(checksumBits);
  const bytes = Buffer.from(entropy.toString(16).padStart(((words.length * 11 - checksumBits) / 8) * 2, '0'), 'hex');
  return Number(bits & ((1n << BigInt(checksumBits)) - 1n)) === (sha256(bytes)[0] ?? 0) >> (8 - checksumBits);
}
