// Names a finding's secret without revealing it; equal secrets (any encoding) get equal fingerprints, which is what
// a baseline file stores. Keys and mnemonics (≥ 128 bits) are hashed fast; anything guessable goes through the slow
// KDF (src/stacks/fingerprint.ts), so a published SARIF or baseline is not a cheap dictionary oracle.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { keyFingerprintOfHex, slowDigestHex, slowDigestHexAsync } from '../stacks/fingerprint.js';

const HIGH_ENTROPY_DETECTORS = new Set(['stacks-private-key', 'operator-key', 'bip39-mnemonic']);
// A published sample is public either way; its key and mnemonic forms keep the fast fingerprint (stable baselines).
const KEY_VALUE = /^[0-9a-f]{64}$/;
const KEY_DETECTORS = new Set(['stacks-private-key', 'operator-key']);
const MNEMONIC_VALUE = /^[a-z]+(?: [a-z]+){11,23}$/;

/** True when the value can't be guessed, so a fast hash of it reveals nothing. */
export function isHighEntropySecret(detector: string, canonicalValue: string): boolean {
  if (HIGH_ENTROPY_DETECTORS.has(detector)) return true;
  return detector === 'published-secret' && (KEY_VALUE.test(canonicalValue) || MNEMONIC_VALUE.test(canonicalValue));
}

/**
 * A private key: its key fingerprint (src/stacks/fingerprint.ts keyFingerprint, 8 hex). Otherwise the first 16 hex
 * over `detector NUL canonical value`: SHA-256 for mnemonics, the memoised scrypt for tokens and passwords.
 */
export function secretFingerprint(detector: string, canonicalValue: string): string {
  return fastFingerprint(detector, canonicalValue) ?? slowDigestHex(`${detector}\u0000${canonicalValue}`).slice(0, 16);
}

/** secretFingerprint with the slow KDF on libuv's pool: callers start many and await them together. */
export async function secretFingerprintAsync(
  detector: string,
  canonicalValue: string,
  { background = false } = {},
): Promise<string> {
  return (
    fastFingerprint(detector, canonicalValue) ??
    (await slowDigestHexAsync(`${detector}\u0000${canonicalValue}`, { background })).slice(0, 16)
  );
}

/** The fingerprint of a value nobody can guess (a key, a mnemonic); undefined when it needs the slow KDF. */
function fastFingerprint(detector: string, canonicalValue: string): string | undefined {
  // A private key is named the same everywhere (keygen, key show, keystore, scan, audit): its key fingerprint.
  if (KEY_DETECTORS.has(detector) || (detector === 'published-secret' && KEY_VALUE.test(canonicalValue)))
    return keyFingerprintOfHex(canonicalValue);
  if (!isHighEntropySecret(detector, canonicalValue)) return undefined;
  return bytesToHex(sha256(utf8ToBytes(`${detector}\u0000${canonicalValue}`))).slice(0, 16);
}

/**
 * A detected value held for fingerprinting later, only if it is reported. The value is private to this object: `id`
 * (a fast hash, kept in memory only, never printed: for guessable values only the slow fingerprint may leave the
 * process) tells equal secrets apart for grouping; `fingerprint()` computes the reported form once.
 */
export class SecretValue {
  readonly #detector: string;
  readonly #value: string;
  #fingerprint: Promise<string> | undefined;
  readonly id: string;

  constructor(detector: string, canonicalValue: string) {
    this.#detector = detector;
    this.#value = canonicalValue;
    this.id = bytesToHex(sha256(utf8ToBytes(`${detector}\u0000${canonicalValue}`)));
  }

  fingerprint(): Promise<string> {
    this.#fingerprint ??= secretFingerprintAsync(this.#detector, this.#value);
    return this.#fingerprint;
  }

  /**
   * Starts the fingerprint ahead of need, in the background (one slow one at a time, see slowDigestHexAsync): a
   * later `fingerprint()` of this value, from any SecretValue holding it, shares the work and moves it up the queue.
   * A failure is left for that call to report.
   */
  prefetch(): void {
    if (this.#fingerprint !== undefined) return;
    secretFingerprintAsync(this.#detector, this.#value, { background: true }).catch(() => {});
  }

  /** The fingerprint computed here and now (the slow KDF blocks): for a lone value. */
  fingerprintSync(): string {
    return secretFingerprint(this.#detector, this.#value);
  }

  /** Never the value: a SecretValue that reaches a log or JSON shows only that it is one. */
  toJSON(): string {
    return '[secret value]';
  }

  toString(): string {
    return '[secret value]';
  }
}
