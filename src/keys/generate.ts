// A fresh signer key from the OS CSPRNG, encoded the way stacks-signer's own sample configs carry it.
import { randomBytes } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';

/** secp256k1 group order n. */
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * 32 bytes from randomBytes (getrandom(2)), drawn again until 1 ≤ k < n. Rejection sampling, not `mod n`, keeps the
 * distribution uniform; a redraw happens with probability ~2^-128, so in practice once.
 */
export function generatePrivateKey(random: (size: number) => Uint8Array = randomBytes): Uint8Array {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const candidate = Uint8Array.from(random(32));
    let scalar = 0n;
    for (const byte of candidate) scalar = (scalar << 8n) | BigInt(byte);
    if (scalar !== 0n && scalar < CURVE_ORDER) return candidate;
    candidate.fill(0);
  }
  // Only a broken random source gets here.
  throw new Error('the random source returned no valid secp256k1 scalar in 1000 draws');
}

/**
 * The config form: 64 hex + `01`. stacks-signer accepts 64 or 66 hex and always uses the compressed public key; the
 * `01` suffix (the compressed marker) makes generic Stacks tooling derive the same address the signer uses, and is the
 * form of stacks-core's sample signer configs and of `stacks-cli generate-keychain`.
 */
export function signerKeyHex(privateKey: Uint8Array): string {
  if (privateKey.length !== 32) throw new RangeError('a private key is 32 bytes');
  return `${bytesToHex(privateKey)}01`;
}
