// `--key-from`: only the operator's own key, in every encoding, so every hit is a real copy (zero false positives).
import type { OperatorKey } from '../types.js';
import type { DetectInput, Hit } from './types.js';

interface CompiledKey {
  /** The 64 lower-case hex: the canonical value, so the finding's fingerprint equals key.fingerprint. */
  canonical: string;
  hex: RegExp[];
  base64: string[];
}

const compiled = new WeakMap<OperatorKey, CompiledKey>();

function compile(key: OperatorKey): CompiledKey {
  let result = compiled.get(key);
  if (!result) {
    const hexForms = key.encodings.filter((encoding) => /^[0-9a-f]{64}$/.test(encoding));
    result = {
      canonical: hexForms[0] ?? '',
      // Case-insensitive, no boundaries: upper/mixed case, `0x`, the `01` suffix and keys embedded in longer text all match.
      hex: hexForms.map((hex) => new RegExp(hex, 'gi')),
      base64: key.encodings.filter((encoding) => !hexForms.includes(encoding)),
    };
    compiled.set(key, result);
  }
  return result;
}

export function detectOperatorKey(input: DetectInput, key: OperatorKey): Hit[] {
  const { canonical, hex, base64 } = compile(key);
  const hits: Hit[] = [];
  const hit = (index: number, encoding: string): Hit => ({
    detector: 'operator-key',
    index,
    canonicalValue: canonical,
    severity: 'critical',
    message: `The signer's own private key (${encoding}, fingerprint ${key.fingerprint}).`,
  });
  for (const pattern of hex) {
    for (const match of input.text.matchAll(pattern)) hits.push(hit(match.index, 'hex'));
  }
  for (const prefix of base64) {
    for (let at = input.text.indexOf(prefix); at !== -1; at = input.text.indexOf(prefix, at + prefix.length)) {
      hits.push(hit(at, 'base64'));
    }
  }
  return hits;
}
