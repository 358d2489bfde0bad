// Names a finding's secret without revealing it; equal secrets (any encoding) get equal fingerprints, which is what
// a baseline file stores.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** First 16 hex characters of SHA-256 over `detector NUL canonical value`. */
export function secretFingerprint(detector: string, canonicalValue: string): string {
  return bytesToHex(sha256(utf8ToBytes(`${detector}\u0000${canonicalValue}`))).slice(0, 16);
}
