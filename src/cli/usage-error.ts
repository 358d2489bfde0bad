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

/** Random-looking: hex only, or digits with both letter cases (a path or a word list is neither). */
function looksRandom(run: string): boolean {
  return /^[0-9a-fA-F_-]+$/.test(run) || (/[0-9]/.test(run) && /[a-z]/.test(run) && /[A-Z]/.test(run));
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
