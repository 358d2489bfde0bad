// Auth tokens and bitcoind RPC passwords in signer/node config shapes (stacks-facts.md §1-2):
// signer `auth_password`, node `[connection_options] auth_token` (`block_proposal_token` before 3.0),
// node `[burnchain] password`, bitcoin.conf `rpcpassword=` / `-rpcpassword=`.
import { looksLikePlaceholder } from '../../stacks/keys.js';
import { isPublishedBitcoindPassword, isWeakAuthToken, loadPublishedSecrets } from '../../stacks/published-secrets.js';
import { normaliseName, sectionAbove } from './context.js';
import type { DetectInput, Hit } from './types.js';

// A name ending in one of the keywords, then `=`/`:` (or a space after a flag), then the value.
const ASSIGNMENT =
  /(?<![\w.-])(-{0,2}(?:[A-Za-z_][\w.-]*?)?(?:auth[_-]?token|auth[_-]?password|block[_-]?proposal[_-]?token|rpc[_-]?password|password))(["']?)[ \t]*([:=]|[ \t])[ \t]*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s"'#,;}\]]+))/gi;

// A bare value that is code, a type or a null rather than a secret: `self.auth_token`, `auth_token: String`.
const NOT_A_VALUE = /^(?:none|null|nil|undefined|true|false|string|str|bytes|option|optional|required|secret)$/i;
// `self.auth_token`: identifiers joined by dots, every dot followed by an identifier's first character. Checked in
// three flat regexes: as one `(?:\.[A-Za-z_$][\w$]*)+`, a 9 MB value of `.a` overflowed the regex stack.
const DOTTED_NAME_CHARS = /^[A-Za-z_$][\w$.]*$/;
const DOT_NOT_BEFORE_NAME = /\.(?![A-Za-z_$])/;
const CODE_PUNCTUATION = /[()[\]{}<>]/;

function isCodeReference(value: string): boolean {
  if (CODE_PUNCTUATION.test(value)) return true;
  return DOTTED_NAME_CHARS.test(value) && value.includes('.') && !DOT_NOT_BEFORE_NAME.test(value);
}

type Kind = 'auth-token' | 'bitcoind-password';

function kindOf(normalisedName: string, input: DetectInput, index: number): Kind | undefined {
  if (/(?:authtoken|authpassword|blockproposaltoken)$/.test(normalisedName)) return 'auth-token';
  if (/rpcpassword$/.test(normalisedName)) return 'bitcoind-password';
  // A plain `password` is a bitcoind credential only in the node config's [burnchain] section.
  if (normalisedName !== 'password') return undefined;
  const whole = input.fullText ? input.fullText() : input.text;
  return sectionAbove(whole, (input.offset ?? 0) + index) === 'burnchain' ? 'bitcoind-password' : undefined;
}

function isRealValue(value: string, quoted: boolean): boolean {
  if (value.trim() === '' || looksLikePlaceholder(value)) return false;
  if (loadPublishedSecrets().keyPlaceholders.includes(value.trim())) return false;
  if (!quoted && (NOT_A_VALUE.test(value) || isCodeReference(value))) return false;
  return true;
}

/**
 * Whether only blanks and a comment follow `after` on its line (`[ \t]*(#.*)?\r?$`). Decided from the next
 * non-blank character alone, so a long line of assignments is not read to its end once per assignment.
 */
function endsItsLine(text: string, after: number): boolean {
  let at = after;
  while (text[at] === ' ' || text[at] === '\t') at++;
  if (at >= text.length) return true;
  const next = text[at];
  if (next === '#' || next === '\n') return true;
  return next === '\r' && (at + 1 === text.length || text[at + 1] === '\n');
}

export function detectConfigSecrets(input: DetectInput): Hit[] {
  const { text } = input;
  const hits: Hit[] = [];
  for (const match of text.matchAll(ASSIGNMENT)) {
    const [, name = '', closingQuote, glue, doubleQuoted, singleQuoted, bare] = match;
    // A space between name and value is a CLI flag only (`--auth-token VALUE`); in prose it means nothing.
    if ((glue === ' ' || glue === '\t') && !name.startsWith('-')) continue;
    if (closingQuote && name.startsWith('-')) continue;
    const value = doubleQuoted ?? singleQuoted ?? bare ?? '';
    const quoted = bare === undefined;
    const kind = kindOf(normaliseName(name), input, match.index);
    if (kind === undefined || !isRealValue(value, quoted)) continue;
    // A bare value must end its line (env files, bitcoin.conf, YAML): anything after it means code, not config.
    if (!quoted && !name.startsWith('-') && !endsItsLine(text, match.index + match[0].length)) continue;
    const valueIndex = match.index + match[0].length - value.length - (quoted ? 1 : 0);
    const published = kind === 'auth-token' ? isWeakAuthToken(value) : isPublishedBitcoindPassword(value);
    hits.push(
      published
        ? {
            detector: 'published-secret',
            index: valueIndex,
            canonicalValue: value,
            severity: 'critical',
            message: `A published sample ${kind === 'auth-token' ? 'auth token' : 'bitcoind RPC password'} assigned to "${name}": published, treat as compromised.`,
          }
        : {
            detector: kind,
            index: valueIndex,
            canonicalValue: value,
            severity: 'high',
            message: `A ${kind === 'auth-token' ? 'node/signer auth token' : 'bitcoind RPC password'} assigned to "${name}".`,
          },
    );
  }
  return hits;
}
