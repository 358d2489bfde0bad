// Crockford base-32 "c32check" as used by Stacks addresses (stacks-facts.md §8).
import { sha256 } from '@noble/hashes/sha2.js';

export const C32_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Big-endian base-32 of the bytes, one leading '0' per leading zero byte (the c32check library's convention). */
export function c32encode(bytes: Uint8Array): string {
  let leadingZeroBytes = 0;
  while (leadingZeroBytes < bytes.length && bytes[leadingZeroBytes] === 0) leadingZeroBytes++;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let digits = '';
  while (value > 0n) {
    digits = C32_ALPHABET[Number(value & 31n)] + digits;
    value >>= 5n;
  }
  return '0'.repeat(leadingZeroBytes) + digits;
}

/** Inverse of c32encode; undefined when a character is outside the alphabet. Accepts O/o→0 and I/L→1 as Crockford does. */
export function c32decode(text: string): Uint8Array | undefined {
  const normalized = text.toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  let leadingZeroChars = 0;
  while (leadingZeroChars < normalized.length && normalized[leadingZeroChars] === '0') leadingZeroChars++;
  let value = 0n;
  for (const char of normalized) {
    const digit = C32_ALPHABET.indexOf(char);
    if (digit < 0) return undefined;
    value = (value << 5n) | BigInt(digit);
  }
  const body: number[] = [];
  while (value > 0n) {
    body.unshift(Number(value & 255n));
    value >>= 8n;
  }
  return Uint8Array.from([...new Array<number>(leadingZeroChars).fill(0), ...body]);
}

function checksum(version: number, data: Uint8Array): Uint8Array {
  return sha256(sha256(Uint8Array.from([version, ...data]))).slice(0, 4);
}

/** Version character followed by c32(data || checksum). */
export function c32checkEncode(version: number, data: Uint8Array): string {
  if (!Number.isInteger(version) || version < 0 || version >= 32)
    throw new RangeError('c32check version must be 0..31');
  const payload = new Uint8Array(data.length + 4);
  payload.set(data);
  payload.set(checksum(version, data), data.length);
  return C32_ALPHABET[version] + c32encode(payload);
}

export type C32DecodeResult = { ok: true; version: number; data: Uint8Array } | { ok: false; reason: string };

/** Decodes "version char + c32(data || checksum)" and verifies the checksum. */
export function c32checkDecode(text: string): C32DecodeResult {
  if (text.length < 2) return { ok: false, reason: 'too short' };
  const version = C32_ALPHABET.indexOf(text[0]!.toUpperCase());
  if (version < 0) return { ok: false, reason: 'invalid version character' };
  const payload = c32decode(text.slice(1));
  if (!payload) return { ok: false, reason: 'invalid c32 character' };
  if (payload.length < 4) return { ok: false, reason: 'too short' };
  const data = payload.slice(0, payload.length - 4);
  const expected = checksum(version, data);
  const actual = payload.slice(payload.length - 4);
  if (!expected.every((byte, i) => byte === actual[i])) return { ok: false, reason: 'checksum mismatch' };
  return { ok: true, version, data };
}

/** A Stacks address: 'S' + c32check(version, hash160). */
export function c32address(version: number, hash160: Uint8Array): string {
  if (hash160.length !== 20) throw new RangeError('hash160 must be 20 bytes');
  return 'S' + c32checkEncode(version, hash160);
}

export type C32AddressResult = { ok: true; version: number; hash160: Uint8Array } | { ok: false; reason: string };

export function c32addressDecode(address: string): C32AddressResult {
  if (!address.startsWith('S')) return { ok: false, reason: 'a Stacks address starts with S' };
  const decoded = c32checkDecode(address.slice(1));
  if (!decoded.ok) return decoded;
  if (decoded.data.length !== 20) return { ok: false, reason: 'payload is not 20 bytes' };
  return { ok: true, version: decoded.version, hash160: decoded.data };
}
