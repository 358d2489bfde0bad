// Names a secret without revealing it: evidence and messages carry this instead of the value.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * First 8 hex characters of SHA-256 over the secret (a string is hashed as UTF-8).
 * For a private key pass its 32 key bytes (`parsePrivateKeyHex(...).bytes`), so that every encoding of the same key
 * (64/66 hex, `0x`, upper case) gets the same fingerprint.
 */
export function fingerprint(secret: string | Uint8Array): string {
  const bytes = typeof secret === 'string' ? utf8ToBytes(secret) : secret;
  return bytesToHex(sha256(bytes)).slice(0, 8);
}
