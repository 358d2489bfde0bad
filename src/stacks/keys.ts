// Signer key arithmetic: parse the key as stacks-signer does, derive the compressed public key and the STX address.
import { createECDH } from 'node:crypto';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { c32address } from './c32.js';

export { c32address, c32addressDecode, c32checkDecode, c32checkEncode } from './c32.js';

/** secp256k1 group order n. */
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export type StacksNetwork = 'mainnet' | 'testnet' | 'mocknet';

/** c32 address versions of single-sig P2PKH addresses. */
export const ADDRESS_VERSION = { mainnet: 22, testnet: 26 } as const;

export type PrivateKeyProblem =
  | 'empty'
  | 'placeholder'
  | 'not-hex'
  | 'bad-length'
  | 'bad-suffix'
  | 'zero'
  | 'out-of-range';

export type ParsedPrivateKey =
  | { ok: true; bytes: Uint8Array; compressedSuffix: boolean }
  | { ok: false; reason: PrivateKeyProblem; message: string };

// Messages describe the problem only: they never contain the text that was parsed.
const PROBLEM_MESSAGES: Record<PrivateKeyProblem, string> = {
  empty: 'the key is empty',
  placeholder: 'the key is a placeholder, not a key',
  'not-hex': 'the key contains characters that are not hexadecimal',
  'bad-length': 'the key is neither 64 hex characters nor 66 ending in 01',
  'bad-suffix': 'the key has 66 hex characters but does not end in 01',
  zero: 'the key is zero, not a valid secp256k1 private key',
  'out-of-range': 'the key is not below the secp256k1 group order',
};

function problem(reason: PrivateKeyProblem): ParsedPrivateKey {
  return { ok: false, reason, message: PROBLEM_MESSAGES[reason] };
}

/** `<YOUR_KEY>`, `$VAR`, `${VAR}`, `{{ var }}`: template text left in place of a value. */
export function looksLikePlaceholder(text: string): boolean {
  const value = text.trim();
  return /^<.*>$/s.test(value) || /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(value) || /^\{\{.*\}\}$/s.test(value);
}

/**
 * Parses `stacks_private_key` exactly as stacks-signer accepts it: 64 hex, or 66 hex ending in `01` (either case),
 * no `0x`, no surrounding whitespace. The scalar must satisfy 1 ≤ k < n (leading zero bytes are fine).
 */
export function parsePrivateKeyHex(text: string): ParsedPrivateKey {
  if (text.length === 0) return problem('empty');
  if (looksLikePlaceholder(text)) return problem('placeholder');
  if (!/^[0-9a-fA-F]*$/.test(text)) return problem('not-hex');
  let compressedSuffix = false;
  if (text.length === 66) {
    if (text.slice(64) !== '01') return problem('bad-suffix');
    compressedSuffix = true;
  } else if (text.length !== 64) {
    return problem('bad-length');
  }
  const scalar = BigInt('0x' + text.slice(0, 64));
  if (scalar === 0n) return problem('zero');
  if (scalar >= CURVE_ORDER) return problem('out-of-range');
  return { ok: true, bytes: hexToBytes(text.slice(0, 64).toLowerCase()), compressedSuffix };
}

/**
 * For key material found outside the signer config (history, .env, scripts): also accepts a `0x` prefix and
 * surrounding whitespace. The signer itself rejects both, so use parsePrivateKeyHex for its config.
 */
export function parsePrivateKeyHexLenient(text: string): ParsedPrivateKey {
  const trimmed = text.trim();
  return parsePrivateKeyHex(/^0x/i.test(trimmed) ? trimmed.slice(2) : trimmed);
}

/** 33-byte compressed public key. The signer always compresses, also for a 64-hex key. */
export function compressedPublicKey(privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== 32) throw new RangeError('a private key is 32 bytes');
  // OpenSSL's secp256k1 (node:crypto) needs no precomputed tables, so a one-shot derivation costs microseconds
  // instead of the tens of milliseconds a pure-JS curve spends warming up; tests cross-check it with @noble/curves.
  const ecdh = createECDH('secp256k1');
  ecdh.setPrivateKey(privateKey);
  return new Uint8Array(ecdh.getPublicKey(null, 'compressed'));
}

export function hash160(bytes: Uint8Array): Uint8Array {
  return ripemd160(sha256(bytes));
}

/** The signer's STX address: version 22 (SP) on mainnet, 26 (ST) on testnet and mocknet. */
export function signerAddress(publicKey: Uint8Array, network: StacksNetwork): string {
  if (publicKey.length !== 33) throw new RangeError('expected a 33-byte compressed public key');
  const version = network === 'mainnet' ? ADDRESS_VERSION.mainnet : ADDRESS_VERSION.testnet;
  return c32address(version, hash160(publicKey));
}

export interface SignerIdentity {
  publicKeyHex: string;
  address: string;
}

/** Public key and address of a parsed key: safe to put into evidence. */
export function signerIdentity(privateKey: Uint8Array, network: StacksNetwork): SignerIdentity {
  const publicKey = compressedPublicKey(privateKey);
  return { publicKeyHex: bytesToHex(publicKey), address: signerAddress(publicKey, network) };
}
