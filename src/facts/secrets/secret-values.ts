// Recognises secrets outside the configs (environment, command lines) without keeping or printing them: by the
// variable's name, by equality with a secret the configs hold, by the shape of a private key, or as a BIP-39
// mnemonic with a valid checksum.
import type { Discovery } from '../../discovery/types.js';
import { detectMnemonics } from '../../secrets/detectors/bip39-mnemonic.js';
import { fingerprint } from '../../stacks/fingerprint.js';
import { looksLikePlaceholder, parsePrivateKeyHexLenient } from '../../stacks/keys.js';

/**
 * The words that mark a name as holding a secret, one list for every place that judges names: environment
 * variables, flags (`--auth-token X`), and `key = value` lines a plan shows.
 */
const SECRET_WORDS = 'private[_-]?key|auth|token|password|passwd|passphrase|seed|mnemonic|secret';
const SECRET_NAME = new RegExp(SECRET_WORDS, 'i');

/** Whether a variable, flag or key name says it holds a secret (`STACKS_AUTH_TOKEN`, `auth_password`). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}
/** `AUTH_TOKEN_FILE=/run/secrets/token` names where a secret is, not the secret. */
const REFERENCE_NAME = /_(FILE|PATH|DIR)$/i;
const FLAG_VALUE = /^(true|false|yes|no|on|off|[01])$/i;
const KEY_SHAPED = /^(0x)?[0-9a-fA-F]{64}(01)?$/;
/** Known secrets shorter than this are not searched inside longer text (they would match by chance). */
const MIN_EMBEDDED_LENGTH = 8;

export interface KnownSecret {
  /** "the signer stacks_private_key", "the node [connection_options] auth_token", ... */
  label: string;
  value: string;
}

/** Every secret the discovered configs hold, with where it comes from. */
export function knownSecrets(discovery: Discovery): KnownSecret[] {
  const secrets: KnownSecret[] = [];
  const add = (label: string, value: unknown) => {
    if (typeof value === 'string' && value.trim() !== '') secrets.push({ label, value: value.trim() });
  };
  if (discovery.signer?.config.status === 'ok') {
    const { config } = discovery.signer.config.parsed;
    add('the signer stacks_private_key', config.stacksPrivateKey);
    add('the signer auth_password', config.authPassword);
  }
  if (discovery.node?.config.status === 'ok') {
    const { config } = discovery.node.config.parsed;
    add('the node [node] seed', config.node.seed);
    add('the node [node] local_peer_seed', config.node.localPeerSeed);
    add('the node [miner] mining_key', config.miner.miningKey);
    add('the node [connection_options] auth_token', config.connectionOptions.authToken);
    add('the node [connection_options] block_proposal_token', config.connectionOptions.blockProposalToken);
    add('the node [burnchain] password', config.burnchain.password);
  }
  return secrets;
}

/** 32 key bytes in hex when the text is any encoding of a private key (64/66 hex, 0x, any case). */
function keyHex(text: string): string | undefined {
  const trimmed = text.trim();
  if (!KEY_SHAPED.test(trimmed)) return undefined;
  return trimmed.replace(/^0x/i, '').slice(0, 64).toLowerCase();
}

/** Which known secret the text is, comparing keys in any encoding. */
function matchKnown(text: string, secrets: readonly KnownSecret[]): KnownSecret | undefined {
  const trimmed = text.trim();
  const asKey = keyHex(trimmed);
  return secrets.find((secret) => secret.value === trimmed || (asKey !== undefined && keyHex(secret.value) === asKey));
}

export interface SecretFinding {
  /** Why it counts as a secret; never contains the value. */
  why: string;
  /** Fingerprint, given only for keys and mnemonics (128+ bits: the fingerprint can't help guess them). */
  fingerprint?: string;
}

function keyFingerprint(text: string): string | undefined {
  const key = parsePrivateKeyHexLenient(text);
  return key.ok ? fingerprint(key.bytes) : undefined;
}

/** Is `NAME=value` a secret? Undefined when not (or when the value is empty, a flag, a reference or a placeholder). */
export function classifyVariable(
  name: string,
  value: string,
  secrets: readonly KnownSecret[],
): SecretFinding | undefined {
  const trimmed = value.trim();
  if (trimmed === '' || looksLikePlaceholder(trimmed)) return undefined;
  const known = matchKnown(trimmed, secrets);
  const print = keyFingerprint(trimmed);
  const withPrint = (why: string): SecretFinding => (print ? { why, fingerprint: print } : { why });
  if (known) return withPrint(`its value is ${known.label}`);
  if (print) return withPrint('its value has the shape of a private key');
  const mnemonic = mnemonicFinding(trimmed, 'its value is');
  if (mnemonic) return mnemonic;
  if (SECRET_NAME.test(name) && !FLAG_VALUE.test(trimmed) && !(REFERENCE_NAME.test(name) && trimmed.startsWith('/'))) {
    return { why: 'its name says it holds a secret' };
  }
  return undefined;
}

/**
 * Is a secret in a command-line argument? Arguments are split at "=" (`--key=...`); known secrets of at least
 * 8 characters also match inside longer arguments. `keyShapes` also counts any key-shaped word (only for the
 * signer's and node's own commands: other programs pass 64-hex digests and container ids).
 */
export function findInArgv(
  argv: readonly string[],
  secrets: readonly KnownSecret[],
  keyShapes: boolean,
): SecretFinding | undefined {
  for (const argument of argv) {
    for (const word of [argument, ...argument.split('=').slice(1)]) {
      const known = matchKnown(word, secrets);
      if (known)
        return {
          why: `${known.label} is an argument`,
          ...(keyFingerprint(word) ? { fingerprint: keyFingerprint(word)! } : {}),
        };
      const print = keyFingerprint(word);
      if (keyShapes && print) return { why: 'an argument has the shape of a private key', fingerprint: print };
    }
    const embedded = secrets.find(
      (secret) => secret.value.length >= MIN_EMBEDDED_LENGTH && argument.includes(secret.value),
    );
    if (embedded) return { why: `${embedded.label} is inside an argument` };
  }
  // Joined, because a mnemonic is as often one quoted argument as 12–24 separate ones.
  return mnemonicFinding(argv.slice(1).join(' '), 'an argument is');
}

function mnemonicFinding(text: string, subject: string): SecretFinding | undefined {
  const hit = detectMnemonics({ text, file: '' })[0];
  if (!hit) return undefined;
  const words = hit.canonicalValue.split(' ').length;
  return { why: `${subject} a ${words}-word BIP-39 mnemonic`, fingerprint: fingerprint(hit.canonicalValue) };
}

const KEY_RUN = /(?<![0-9A-Za-z])(0x)?[0-9a-fA-F]{64}(01)?(?![0-9A-Za-z])/g;
/** `--password X`, `--auth-token=X`: the value after a secret-named flag (not `--password-file`). */
const SECRET_FLAG = new RegExp(
  `(?<![\\w-])(--?[\\w-]*(?:${SECRET_WORDS})(?![\\w-]*[_-](?:file|path|dir)\\b)[\\w-]*)(=|[ \\t]+)("[^"]*"|'[^']*'|[^\\s"']+)`,
  'gi',
);
const WORD = /[A-Za-z]+/g;

const masked = (print: string) => `[secret ${print}]`;

/**
 * The text with every secret replaced by `[secret <fingerprint>]`: key-shaped hex, BIP-39 mnemonics, known secrets
 * of the configs and values of secret-named flags. For evidence that has to quote a setting.
 */
export function maskSecrets(text: string, secrets: readonly KnownSecret[] = []): string {
  let result = text;
  for (const hit of detectMnemonics({ text: result, file: '' }).reverse()) {
    const count = hit.canonicalValue.split(' ').length;
    WORD.lastIndex = hit.index;
    let end = hit.index;
    for (let i = 0; i < count; i++) {
      const word = WORD.exec(result);
      if (!word) break;
      end = word.index + word[0].length;
    }
    result = `${result.slice(0, hit.index)}${masked(fingerprint(hit.canonicalValue))}${result.slice(end)}`;
  }
  result = result.replace(KEY_RUN, (run) => masked(keyFingerprint(run) ?? fingerprint(run)));
  for (const secret of secrets) {
    if (secret.value.length >= MIN_EMBEDDED_LENGTH)
      result = result.split(secret.value).join(masked(fingerprint(secret.value)));
  }
  return result.replace(SECRET_FLAG, (whole, flag: string, separator: string, value: string) =>
    value.startsWith('[secret') ? whole : `${flag}${separator}${masked(fingerprint(value))}`,
  );
}
