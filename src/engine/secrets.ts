import { guessableFingerprint, keyFingerprintOfHex } from '../stacks/fingerprint.js';

const HEX_KEY = /^(0x)?[0-9a-fA-F]{64}(01)?$/;

/**
 * The mask's fingerprint: a key keeps the fast SHA-256 form (256 bits, nothing to guess); a token or password gets the
 * slow form, so `[secret xxxx]` in a shared report is not a cheap dictionary oracle for a weak value.
 */
function maskFingerprint(value: string): string {
  return HEX_KEY.test(value) ? keyFingerprintOfHex(value) : guessableFingerprint(value);
}

/** Below this length a value can't be masked safely (it would mangle ports and numbers); checks never print it anyway. */
const MIN_MASKED_LENGTH = 6;

/**
 * Every secret value a check has read (keys, tokens, passwords). Before any formatter runs, the report is
 * walked and each occurrence is replaced by its fingerprint: a formatter can't print what it never receives.
 */
export class SecretRegistry {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    if (value === undefined) return;
    const trimmed = value.trim();
    if (trimmed.length < MIN_MASKED_LENGTH) return;
    this.values.add(trimmed);
    // Hex keys are equally secret in either case and with or without the compressed-key suffix.
    if (HEX_KEY.test(trimmed)) {
      const hex = trimmed.replace(/^0x/, '').slice(0, 64);
      this.values.add(hex.toLowerCase());
      this.values.add(hex.toUpperCase());
    }
  }

  get size(): number {
    return this.values.size;
  }

  mask(text: string): string {
    let masked = text;
    // Longest first, so a key is replaced whole before its 64-hex prefix is.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) {
      if (masked.includes(value)) masked = masked.split(value).join(`[secret ${maskFingerprint(value)}]`);
    }
    return masked;
  }

  /** A deep copy of a JSON-like value with every string masked. */
  maskDeep<T>(value: T): T {
    if (this.values.size === 0) return value;
    return JSON.parse(JSON.stringify(value), (_key, item) => (typeof item === 'string' ? this.mask(item) : item)) as T;
  }
}
