// `--key-from CONFIG`: the operator's own signer key, precomputed in every encoding it may have been copied in.
import { parseSignerConfig } from '../parsers/signer-config.js';
import { parsePrivateKeyHexLenient } from '../stacks/keys.js';
import { secretFingerprint } from './fingerprint.js';
import type { OperatorKey } from './types.js';

/** Hex characters of the key's text encoded by the base64 forms: 60 of 64 (240 bits), whole 3-byte groups only. */
const HEX_TEXT_BYTES = 60;

/**
 * Base64 (standard and URL-safe) of the key's hex TEXT, as Kubernetes/Docker secrets and `echo $KEY | base64` hold
 * it, in lower and upper case. Where the hex starts inside the encoded data (offset mod 3: after `0x`, a name, a
 * newline…) changes every character, so each of the three alignments gets its own form: the encoding of whole 3-byte
 * groups starting at the first hex byte that begins a group. Those groups end before the 64th hex character, so the
 * `01` suffix, a trailing newline or anything else after the key leave the form unchanged.
 */
function hexTextBase64Forms(hex64: string): string[] {
  const forms = new Set<string>();
  for (const text of [hex64, hex64.toUpperCase()]) {
    for (let skip = 0; skip < 3; skip++) {
      const groups = Buffer.from(text.slice(skip, skip + HEX_TEXT_BYTES), 'latin1');
      forms.add(groups.toString('base64'));
      forms.add(groups.toString('base64url'));
    }
  }
  return [...forms];
}

/**
 * The key's search forms: its 64 hex (matched case-insensitively, so `0x`, the `01` suffix and any case are covered
 * because they contain it), the first 42 characters of the standard and URL-safe base64 of its bytes, which the
 * 32 raw bytes and the 33 bytes with the 01 suffix share (42 chars = 252 bits: no chance match), and the base64 of
 * its hex text (hexTextBase64Forms).
 */
export function operatorKeyFromHex(hex: string): OperatorKey | undefined {
  const parsed = parsePrivateKeyHexLenient(hex);
  if (!parsed.ok) return undefined;
  const raw = Buffer.from(parsed.bytes);
  const hex64 = raw.toString('hex');
  return {
    fingerprint: secretFingerprint('operator-key', hex64),
    encodings: [
      hex64,
      raw.toString('base64').slice(0, 42),
      raw.toString('base64url').slice(0, 42),
      ...hexTextBase64Forms(hex64),
    ],
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
