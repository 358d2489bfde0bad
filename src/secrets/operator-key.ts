// `--key-from CONFIG`: the operator's own signer key, precomputed in every encoding it may have been copied in.
import { parseSignerConfig } from '../parsers/signer-config.js';
import { parsePrivateKeyHexLenient } from '../stacks/keys.js';
import { secretFingerprint } from './fingerprint.js';
import type { OperatorKey } from './types.js';

/**
 * The key's search forms: its 64 hex (matched case-insensitively, so `0x`, the `01` suffix and any case are covered
 * because they contain it) and the first 42 characters of its standard and URL-safe base64, which the base64 of the
 * 32 raw bytes and of the 33 bytes with the 01 suffix share (42 chars = 252 bits: no chance match).
 */
export function operatorKeyFromHex(hex: string): OperatorKey | undefined {
  const parsed = parsePrivateKeyHexLenient(hex);
  if (!parsed.ok) return undefined;
  const raw = Buffer.from(parsed.bytes);
  const hex64 = raw.toString('hex');
  return {
    fingerprint: secretFingerprint('operator-key', hex64),
    encodings: [hex64, raw.toString('base64').slice(0, 42), raw.toString('base64url').slice(0, 42)],
  };
}

export type OperatorKeyFromConfig = { ok: true; key: OperatorKey } | { ok: false; reason: string };

/** The key of a signer config's `stacks_private_key`; the reason never contains the value. */
export function operatorKeyFromSignerConfig(text: string): OperatorKeyFromConfig {
  const parsed = parseSignerConfig(text);
  if (!parsed.ok) {
    // Only smol-toml's one-line reason and the position: never the offending line, which may be the key's.
    const { line, column, message } = parsed.error;
    const at = line !== undefined ? `line ${line}${column !== undefined ? `:${column}` : ''}: ` : '';
    return { ok: false, reason: `${at}not valid TOML (${message})` };
  }
  const value = parsed.config.stacksPrivateKey;
  if (value === undefined) return { ok: false, reason: 'it has no stacks_private_key' };
  const result = parsePrivateKeyHexLenient(value);
  if (!result.ok) return { ok: false, reason: `its stacks_private_key is not usable: ${result.message}` };
  const key = operatorKeyFromHex(value);
  return key ? { ok: true, key } : { ok: false, reason: 'its stacks_private_key is not a valid key' };
}
