// Stacks private keys: 64 hex, or 66 hex ending 01 (stacks-facts.md §1; stacks-core stacks-common StacksPrivateKey).
import { parsePrivateKeyHex } from '../../stacks/keys.js';
import { loadPublishedSecrets } from '../../stacks/published-secrets.js';
import { assignedName, lineAt, normaliseName } from './context.js';
import type { DetectInput, Hit } from './types.js';

// Exactly 64 or 66 hex characters (optional 0x), not part of a longer word: a 40/128-hex id or a hash run never matches.
const CANDIDATE = /(?<![0-9A-Za-z_])(?:0[xX])?([0-9a-fA-F]{64}(?:01)?)(?![0-9A-Za-z_])/g;

// Names that say "private key" (after normaliseName): stacks_private_key, PRIVATE_KEY, mining_key, seed, --private-key...
const KEY_NAME = /privatekey|privkey|secretkey|miningkey|signerkey|signingkey|stackskey|seed/;
// ...unless they say it is about something derived from the key or a digest: private_key_hash, seed_fingerprint.
const NOT_KEY_NAME = /hash|digest|checksum|sum$|fingerprint|public|pubkey|address|addr|txid|id$/;
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

/** Why this candidate is a key, or undefined when nothing around it says so. */
function keyContext(text: string, start: number, token: string, hex: string): string | undefined {
  const name = assignedName(text, start);
  if (name !== undefined) {
    const normalised = normaliseName(name);
    if (KEY_NAME.test(normalised) && !NOT_KEY_NAME.test(normalised)) return `assigned to "${name}"`;
  }
  // Bare, only the compressed form standing alone on its line (a key file, a pasted key): hashes are never 66 hex.
  if (
    hex.length === 66 &&
    lineAt(text, start)
      .trim()
      .replace(/^["']|["']$/g, '') === token
  ) {
    return 'standing alone on its line';
  }
  return undefined;
}

export function detectStacksPrivateKeys({ text, file }: DetectInput): Hit[] {
  if (isTestVectorFile(file)) return [];
  const hits: Hit[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const token = match[0];
    const hex = match[1] as string;
    const start = match.index;
    // `<33-byte public key>@host:port` is a node's bootstrap address, never a private key.
    if (text.charCodeAt(start + token.length) === 0x40) continue;
    const why = keyContext(text, start, token, hex);
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
