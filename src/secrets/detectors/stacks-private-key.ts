// Stacks private keys: 64 hex, or 66 hex ending 01 (stacks-facts.md §1; stacks-core stacks-common StacksPrivateKey).
import { parsePrivateKeyHex } from '../../stacks/keys.js';
import { loadPublishedSecrets } from '../../stacks/published-secrets.js';
import { normalisePublicKey } from '../../stacks/signer-set.js';
import { assignedName, lineAt, listHeaderName, normaliseName } from './context.js';
import type { DetectInput, Hit } from './types.js';

// Exactly 64 or 66 hex characters (optional 0x), not part of a longer word: a 40/128-hex id or a hash run never matches.
const CANDIDATE = /(?<![0-9A-Za-z_])(?:0[xX])?([0-9a-fA-F]{64}(?:01)?)(?![0-9A-Za-z_])/g;

// Names that say "private key" (after normaliseName): stacks_private_key, PRIVATE_KEY, mining_key, seed, --private-key,
// SIGNER_KEY / signer_key (how operators name the signer's key in env files). Not `signing_key`: that is the stacker
// set's PUBLIC key field; a public key under `signer_key` (stack-stx `--signer-key`) is caught by the on-curve guard.
const KEY_NAME = /privatekey|privkey|secretkey|miningkey|stackskey|signerkey|seed/;
// A bare `key` name is too common (lockfile checksums, cache keys) to trust alone: only the 66-hex form ending 01.
const BARE_KEY_NAME = 'key';
// ...unless they say it is about something derived from the key or a digest: private_key_hash, private_key_sha256.
// `sha` only as a digest name (sha, sha256, shasum), so `shared_secret_key` still counts.
const NOT_KEY_NAME = /hash|digest|checksum|sum$|sha(?:\d+|sum|$)|md5|fingerprint|public|pubkey|address|addr|txid|id$/;
// A name that itself says the value is private: a public-key-shaped value under it is still taken as a key.
const EXPLICITLY_PRIVATE = /priv|secret/;
// Files of published test vectors: their keys are examples by definition (the published-key list covers known ones).
const TEST_VECTOR_FILE = /(?:^|[/\\])[^/\\]*test[-_ ]?vectors?[^/\\]*$|(?:^|[/\\])vectors?\.(?:json|txt|toml|ya?ml)$/i;

let published: Map<string, string> | undefined;

function publishedKeys(): Map<string, string> {
  published ??= new Map(loadPublishedSecrets().privateKeys.map((key) => [key.hex.toLowerCase(), key.source]));
  return published;
}

export function isTestVectorFile(file: string): boolean {
  return TEST_VECTOR_FILE.test(file);
}

/** `  - "<hex>"`: a YAML list item holding only the value. */
const LIST_ITEM = /^[ \t]*-[ \t]+/;

function isKeyName(name: string): boolean {
  const normalised = normaliseName(name);
  return KEY_NAME.test(normalised) && !NOT_KEY_NAME.test(normalised);
}

/**
 * A compressed public key is 66 hex too, and ends in 01 once in 256: 02/03 followed by an x on the curve is a public
 * key unless the name says private. (A real key has this shape with odds about 1 in 256; naming it private keeps it.)
 */
function isPublicKeyShaped(hex: string): boolean {
  return hex.length === 66 && normalisePublicKey(hex) !== undefined;
}

/** Why this candidate is a key, or undefined when nothing around it says so. */
function keyContext(input: DetectInput, start: number, token: string, hex: string, line: Line): string | undefined {
  const { text } = input;
  const valueOnly = line.valueOnly;
  let name = assignedName(text, start);
  // A list item names its value by the `name:` header of its block: `private_keys:\n  - "<hex>"`.
  if (name === undefined && valueOnly === token && LIST_ITEM.test(line.text)) {
    const whole = input.fullText ? input.fullText() : text;
    name = listHeaderName(whole, (input.offset ?? 0) + start);
  }
  let why: string | undefined;
  if (name !== undefined && isKeyName(name)) why = `assigned to "${name}"`;
  else if (name !== undefined && hex.length === 66 && normaliseName(name) === BARE_KEY_NAME)
    why = `assigned to "${name}"`;
  // Bare, only the compressed form standing alone on its line (a key file, a pasted key): hashes are never 66 hex.
  else if (hex.length === 66 && valueOnly === token) why = 'standing alone on its line';
  if (why === undefined) return undefined;
  const explicitlyPrivate = name !== undefined && EXPLICITLY_PRIVATE.test(normaliseName(name));
  return !explicitlyPrivate && isPublicKeyShaped(hex) ? undefined : why;
}

/** The line holding a candidate, and what it holds without indentation, list dash and quotes. */
interface Line {
  end: number;
  text: string;
  valueOnly: string;
}

function lineOf(text: string, index: number): Line {
  const end = text.indexOf('\n', index);
  const line = lineAt(text, index);
  const valueOnly = line
    .trim()
    .replace(LIST_ITEM, '')
    .replace(/^["']|["']$/g, '');
  return { end: end === -1 ? text.length : end, text: line, valueOnly };
}

export function detectStacksPrivateKeys(input: DetectInput): Hit[] {
  const { text, file } = input;
  if (isTestVectorFile(file)) return [];
  const hits: Hit[] = [];
  // The candidate's line, read once for all the candidates on it: a long line of 64-hex values was read whole once
  // per value (quadratic).
  let line: Line | undefined;
  for (const match of text.matchAll(CANDIDATE)) {
    const token = match[0];
    const hex = match[1] as string;
    const start = match.index;
    // `<33-byte public key>@host:port` is a node's bootstrap address, never a private key.
    if (text.charCodeAt(start + token.length) === 0x40) continue;
    if (line === undefined || start > line.end) line = lineOf(text, start);
    const why = keyContext(input, start, token, hex, line);
    if (why === undefined) continue;
    // Validate the scalar on the full 32 bytes (1 ≤ k < n; leading zero bytes are valid).
    const parsed = parsePrivateKeyHex(hex);
    if (!parsed.ok) continue;
    const canonicalValue = hex.slice(0, 64).toLowerCase();
    const source = publishedKeys().get(canonicalValue);
    hits.push(
      source === undefined
        ? {
            detector: 'stacks-private-key',
            index: start,
            canonicalValue,
            severity: 'critical',
            message: `A Stacks private key (${hex.length} hex) ${why}.`,
          }
        : {
            detector: 'published-secret',
            index: start,
            canonicalValue,
            severity: 'critical',
            message: `A published sample private key (${source}) ${why}: published, treat as compromised.`,
          },
    );
  }
  return hits;
}
