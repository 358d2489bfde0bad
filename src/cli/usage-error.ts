import { fingerprint } from '../stacks/fingerprint.js';
import { parsePrivateKeyHexLenient } from '../stacks/keys.js';

// A wrong value on the command line is often a secret pasted into the wrong flag: error messages quote values, so
// anything secret-shaped in them is replaced by a fingerprint before the message exists.
// "public key 03…" is one the tool derived and labels itself (keygen's "already holds a key"): not masked.
const KEY_RUN = /(?<![0-9A-Za-z]|public key )(?:0x)?(?:[0-9a-fA-F]{66}|[0-9a-fA-F]{64})(?![0-9A-Za-z])/g;
const BASE64_RUN = /(?<![A-Za-z0-9+/_]|public key )(?:[A-Za-z0-9+/]{40,}={0,2}|[A-Za-z0-9_-]{40,})(?![A-Za-z0-9+/_-])/g;
// Words apart (a quoted mnemonic) or hyphen-joined; never starting inside a flag name such as --max-file-size.
// regex-ok: it reads error messages: argv values (Linux caps each at 128 KB) and the tool's own one-line errors.
const WORD_RUN = /(?<![A-Za-z]|[A-Za-z]-)[a-z]{3,8}(?:(?:[\s,;]+[a-z]{3,8}){11,}|(?:-[a-z]{3,8}){11,})(?![A-Za-z])/g;
const KEY_WARNING = 'that looks like a private key; never pass a private key on a command line';

/**
 * Random-looking: hex only, or both letter cases with digits, or letters that switch case often (a path or a word
 * list is none of these). One random 33-byte token in about 2,200 has no digit: the case switches still find it.
 */
function looksRandom(run: string): boolean {
  if (/^[0-9a-fA-F_-]+$/.test(run)) return true;
  if (!/[a-z]/.test(run) || !/[A-Z]/.test(run)) return false;
  return /[0-9]/.test(run) || caseSwitches(run) >= 12;
}

/** How often adjacent letters change case: ~20 in 44 random base64 characters, two per word of a CamelCase path. */
function caseSwitches(run: string): number {
  let switches = 0;
  for (let i = 1; i < run.length; i++) {
    const a = run.charCodeAt(i - 1);
    const b = run.charCodeAt(i);
    const upperA = a >= 65 && a <= 90;
    const lowerA = a >= 97 && a <= 122;
    const upperB = b >= 65 && b <= 90;
    const lowerB = b >= 97 && b <= 122;
    if ((upperA && lowerB) || (lowerA && upperB)) switches += 1;
  }
  return switches;
}

/** The message with keys, base64 secrets and word runs (mnemonics) replaced by `[secret <fingerprint>]`. */
export function redactSecrets(message: string): string {
  let keyShaped = false;
  const redacted = message
    .replace(KEY_RUN, (run) => {
      keyShaped = true;
      const key = parsePrivateKeyHexLenient(run);
      return `[secret ${key.ok ? fingerprint(key.bytes) : fingerprint(run)}]`;
    })
    .replace(BASE64_RUN, (run) => (looksRandom(run) ? `[secret ${fingerprint(run)}]` : run))
    .replace(WORD_RUN, (run) => `[secret ${fingerprint(run.split(/[\s,;-]+/).join(' '))}]`);
  return keyShaped && !redacted.includes(KEY_WARNING) ? `${redacted} (${KEY_WARNING})` : redacted;
}

/** A mistake in how the tool was called: one clear line, exit code 2. Secret-shaped values in it are masked. */
export class UsageError extends Error {
  constructor(message: string) {
    super(redactSecrets(message));
    this.name = 'UsageError';
  }
}
