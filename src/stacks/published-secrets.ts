// Secrets published in Stacks docs, sample configs and devnet defaults (data/published-secrets.json).
// A signer or node using one of them must be treated as compromised.
import { readFileSync } from 'node:fs';
import { looksLikePlaceholder } from './keys.js';

export interface PublishedPrivateKey {
  hex: string;
  source: string;
  address?: string;
}

export interface PublishedSecrets {
  privateKeys: PublishedPrivateKey[];
  mnemonics: { words: string; source: string }[];
  weakAuthTokens: string[];
  keyPlaceholders: string[];
  weakBitcoindCredentials: [string, string][];
}

// Compiled to dist/src/stacks/, three levels below the package root that holds data/.
const DATA_URL = new URL('../../../data/published-secrets.json', import.meta.url);

let cached: PublishedSecrets | undefined;

export function loadPublishedSecrets(): PublishedSecrets {
  if (!cached) cached = JSON.parse(readFileSync(DATA_URL, 'utf8')) as PublishedSecrets;
  return cached;
}

/**
 * The source that published this key, or undefined. Compares the first 64 hex characters in lower case, so the
 * 66-hex form, upper case and a `0x` prefix all match.
 */
export function isPublishedPrivateKey(hex: string): string | undefined {
  const normalized = hex.trim().replace(/^0x/i, '').slice(0, 64).toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(normalized)) return undefined;
  return loadPublishedSecrets().privateKeys.find((key) => key.hex.toLowerCase() === normalized)?.source;
}

/** The source of a published BIP-39 mnemonic (whitespace and case normalised), or undefined. */
export function isPublishedMnemonic(words: string): string | undefined {
  const normalized = words.trim().toLowerCase().split(/\s+/).join(' ');
  return loadPublishedSecrets().mnemonics.find((mnemonic) => mnemonic.words === normalized)?.source;
}

/** Empty, a published sample token (case-insensitive, surrounding whitespace ignored), or a template placeholder. */
export function isWeakAuthToken(value: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (normalized === '') return true;
  if (loadPublishedSecrets().weakAuthTokens.some((token) => token.toLowerCase() === normalized)) return true;
  return looksLikePlaceholder(value);
}

/** A published key placeholder (`<YOUR_SIGNER_PRIVATE_KEY_HEX>`, `$your_stacks_private_key`) or any `<...>`/`$VAR` template. */
export function isKeyPlaceholder(value: string): boolean {
  const normalized = value.trim();
  if (loadPublishedSecrets().keyPlaceholders.includes(normalized)) return true;
  return looksLikePlaceholder(normalized);
}

/** A bitcoind RPC username/password pair from public samples (stacks/foundation, devnet/devnet, ...). */
export function isWeakBitcoindCredential(username: string, password: string): boolean {
  return loadPublishedSecrets().weakBitcoindCredentials.some(([user, pass]) => user === username && pass === password);
}

/** A password that appears in a published bitcoind credential pair, whatever the user name. */
export function isPublishedBitcoindPassword(password: string): boolean {
  return loadPublishedSecrets().weakBitcoindCredentials.some(([, pass]) => pass === password);
}
