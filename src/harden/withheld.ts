// A backup must not become a copy of the signer key (keys/key-copies-on-host would rightly flag it, and a backup
// outlives the config it came from). So the key's bytes are cut out of every byte copy and replaced by a marker
// naming its fingerprint; rollback puts them back from the config that still holds the key, and restores only when
// the result hashes to exactly what was there before.
import type { AuditContext } from '../engine/context.js';
import { parseSignerConfig } from '../parsers/signer-config.js';
import { fingerprint } from '../stacks/fingerprint.js';
import type { HardenLayout } from './types.js';

/** A secret kept out of backups, and the in-target files that will still hold it after the apply. */
export interface WithheldSecret {
  value: string;
  fingerprint: string;
  sources: string[];
}

/** What a manifest entry records of a secret cut out of its byte copy (never the value). */
export interface WithheldRecord {
  fingerprint: string;
  sources: string[];
}

const MARKER_PREFIX = '\u0000signer-opsec:withheld:';

function marker(fingerprintHex: string): Buffer {
  return Buffer.from(`${MARKER_PREFIX}${fingerprintHex}\u0000`, 'utf8');
}

export function withheldSecret(value: string, sources: readonly string[]): WithheldSecret {
  return { value, fingerprint: fingerprint(value), sources: [...new Set(sources)] };
}

/** Every occurrence of `needle` in `bytes` replaced by `replacement`. */
function replaceAll(bytes: Buffer, needle: Buffer, replacement: Buffer): Buffer {
  const pieces: Buffer[] = [];
  let from = 0;
  for (let at = bytes.indexOf(needle, from); at >= 0; at = bytes.indexOf(needle, from)) {
    pieces.push(bytes.subarray(from, at), replacement);
    from = at + needle.length;
  }
  if (from === 0) return bytes;
  pieces.push(bytes.subarray(from));
  return Buffer.concat(pieces);
}

/** The bytes to store, with each secret cut out, and what was cut. */
export function cutSecrets(
  bytes: Buffer,
  secrets: readonly WithheldSecret[],
): { stored: Buffer; withheld: WithheldRecord[] } {
  let stored = bytes;
  const withheld: WithheldRecord[] = [];
  for (const secret of secrets) {
    const next = replaceAll(stored, Buffer.from(secret.value, 'utf8'), marker(secret.fingerprint));
    if (next === stored) continue;
    stored = next;
    withheld.push({ fingerprint: secret.fingerprint, sources: secret.sources });
  }
  return { stored, withheld };
}

/**
 * The original bytes: each marker filled with the signer key read from the first source that still holds a key of
 * that fingerprint. Throws (naming paths, never values) when no source holds it.
 */
export function fillSecrets(
  stored: Buffer,
  withheld: readonly WithheldRecord[],
  readSource: (path: string) => string | undefined,
): Buffer {
  let bytes = stored;
  for (const record of withheld) {
    const value = record.sources
      .map((path) => signerKeyIn(readSource(path)))
      .find((key) => key !== undefined && fingerprint(key) === record.fingerprint);
    if (value === undefined) {
      throw new Error(
        `the signer key (fingerprint ${record.fingerprint}) was kept out of the backup and is no longer in ${record.sources.join(' or ')}`,
      );
    }
    bytes = replaceAll(bytes, marker(record.fingerprint), Buffer.from(value, 'utf8'));
  }
  return bytes;
}

function signerKeyIn(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const parsed = parseSignerConfig(text);
  return parsed.ok ? parsed.config.stacksPrivateKey : undefined;
}

/** The signer key discovery read, to be kept out of backups; it stays in the config (where it is and where it goes). */
export async function secretsToWithhold(ctx: AuditContext, layout: HardenLayout): Promise<WithheldSecret[]> {
  const { signer } = await ctx.discovery();
  if (signer?.config.status !== 'ok') return [];
  const key = signer.config.parsed.config.stacksPrivateKey;
  if (!key) return [];
  const sources = [layout.signer?.configTarget, layout.signer?.configPath, signer.config.path].filter(
    (path): path is string => path !== undefined,
  );
  return [withheldSecret(key, sources)];
}
