// Entropy estimate for auth tokens and passwords (control keys/auth-token-strength: ≥ 16 characters, ≥ 64 bits).
//
// Why not "character-class pool × length": it credits `aaaaaaaaaaaaaaaa` or `passwordpassword` with 75+ bits.
// Instead the token is charged the cost of its cheapest description, as zxcvbn does with guesses and as an LZ77
// compressor does with bits: a dynamic programme over positions picks, for each span, the cheapest of
//   - a single character: log2(pool), pool = the character classes the whole token uses (hex-only tokens: 16);
//   - a repeat of an earlier span (≥ 2 chars, may overlap): log2(offset) + log2(length) + 1;
//   - an ascending/descending run (≥ 3, step ±1: abcd, 4321): log2(pool) + 1 + log2(length);
//   - a listed common password or word (case and l33t folded): 7 bits (top list) or 12 bits (word list),
//     + 1 bit per l33t substitution and 1 bit (capitalised/all caps) or 1 per capital (mixed) for case;
//   - a year 1900–2099: 7 bits.
// The result is an upper bound on what an attacker needs, never an overstatement for the patterns above; words
// outside the small built-in lists are still costed per character (a diceware passphrase is overestimated).
// Reasons never quote the token or any part of it.

export const TOKEN_MIN_LENGTH = 16;
export const TOKEN_MIN_BITS = 64;

export interface TokenStrength {
  /** Length in characters (code points). */
  length: number;
  /** Estimated entropy in bits, one decimal. */
  bits: number;
  /** Why the token falls short; empty when it meets both thresholds. */
  reasons: string[];
}

// Passwords and words an attacker of a signer tries first (samples from docs included).
const TOP_WORDS = [
  'password',
  'passwd',
  'pass',
  'secret',
  'letmein',
  'welcome',
  'admin',
  'administrator',
  'root',
  'login',
  'guest',
  'test',
  'testing',
  'hello',
  'love',
  'iloveyou',
  'monkey',
  'dragon',
  'master',
  'changeme',
  'default',
  'trustno',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'shadow',
  'superman',
  'batman',
  'qwerty',
  'qwertyuiop',
  'asdf',
  'asdfgh',
  'asdfghjkl',
  'zxcvbn',
  'zxcvbnm',
  'qazwsx',
  '1qaz2wsx',
  '1q2w3e4r',
  'abc',
  'token',
  'auth',
  'melon',
  'foundation',
  'devnet',
  'helium',
  'stacks',
  'signer',
  'example',
  'sample',
  'your',
  'my',
  'our',
  'the',
];
const COMMON_WORDS = [
  'bitcoin',
  'btc',
  'node',
  'miner',
  'mining',
  'blockchain',
  'chain',
  'block',
  'crypto',
  'wallet',
  'private',
  'public',
  'key',
  'keys',
  'mainnet',
  'testnet',
  'mocknet',
  'regtest',
  'server',
  'local',
  'localhost',
  'prod',
  'production',
  'staging',
  'docker',
  'stacker',
  'stacking',
  'clarity',
  'hiro',
  'sbtc',
  'stx',
  'proposal',
  'network',
  'config',
  'system',
  'service',
  'user',
  'super',
  'access',
  'change',
  'company',
  'summer',
  'winter',
  'spring',
  'autumn',
  'monday',
  'friday',
  'january',
  'december',
  'secure',
  'security',
  'strong',
  'random',
  'token',
  'signing',
  'sign',
  'bearer',
  'api',
  'http',
  'https',
  'web',
  'home',
  'office',
  'money',
  'master',
  'dev',
  'ops',
  'devops',
  'linux',
  'ubuntu',
  'debian',
  'welcome',
  'please',
  'open',
  'sesame',
  'hunter',
  'killer',
  'starwars',
  'pokemon',
  'whatever',
];
const TOP_WORD_BITS = 7;
const COMMON_WORD_BITS = 12;
const YEAR_BITS = 7;
const MAX_ANALYSED = 256;

const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'il',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
};

type Pattern = 'char' | 'repeat' | 'sequence' | 'word' | 'year';

const PATTERN_REASONS: Record<Exclude<Pattern, 'char'>, string> = {
  repeat: 'repeats characters or blocks',
  sequence: 'contains an alphabet, digit or keyboard-order run',
  word: 'contains a word from common-credential lists',
  year: 'contains a year',
};

function poolSize(chars: string[]): number {
  const text = chars.join('');
  if (text.length > 0 && (/^[0-9a-f]+$/.test(text) || /^[0-9A-F]+$/.test(text)) && !/^[0-9]+$/.test(text)) return 16;
  let pool = 0;
  if (/[a-z]/.test(text)) pool += 26;
  if (/[A-Z]/.test(text)) pool += 26;
  if (/[0-9]/.test(text)) pool += 10;
  if (/[\x20-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/.test(text)) pool += 33;
  if (/[^\x20-\x7e]/.test(text)) pool += 100;
  return Math.max(pool, 2);
}

/**
 * The word lists by first letter. At each position only the words wordCost could match there are tried: trying all
 * ~140 at each character took ~7 ms for one 64-character token (issue #15). The relaxations skipped all return
 * undefined, and the order of the rest does not matter (each is a 'word' step from the same position).
 */
const WORDS_BY_FIRST_LETTER = new Map<string, [word: string, bits: number][]>();
for (const [words, bits] of [
  [TOP_WORDS, TOP_WORD_BITS],
  [COMMON_WORDS, COMMON_WORD_BITS],
] as const) {
  for (const word of words) {
    const list = WORDS_BY_FIRST_LETTER.get(word[0]!) ?? [];
    list.push([word, bits]);
    WORDS_BY_FIRST_LETTER.set(word[0]!, list);
  }
}

/** Every letter a word matched at `char` can start with: the character in lower case, or one it stands for (LEET). */
function firstLetters(char: string): string {
  const lower = char.toLowerCase();
  return Object.hasOwn(LEET, lower) ? `${lower}${LEET[lower]}` : lower;
}

/** Cost of matching `word` at `start`, or undefined. */
function wordCost(chars: string[], start: number, word: string, baseBits: number): number | undefined {
  if (start + word.length > chars.length) return undefined;
  let extra = 0;
  let uppercase = 0;
  for (let t = 0; t < word.length; t++) {
    const original = chars[start + t]!;
    const lower = original.toLowerCase();
    if (original !== lower) uppercase++;
    if (lower === word[t]) continue;
    if (LEET[lower]?.includes(word[t]!)) extra++;
    else return undefined;
  }
  if (uppercase > 0) {
    const firstOnly = uppercase === 1 && chars[start] !== chars[start]!.toLowerCase();
    extra += firstOnly || uppercase === word.length ? 1 : uppercase;
  }
  return baseBits + extra;
}

function longestEarlierMatch(chars: string[], start: number, end: number): number {
  let best = 0;
  for (let from = 0; from < start; from++) {
    let length = 0;
    while (start + length < end && chars[from + length] === chars[start + length]) length++;
    if (length > best) best = length;
  }
  return best;
}

function runLength(chars: string[], start: number, end: number): number {
  if (start + 1 >= end) return 1;
  const step = chars[start + 1]!.codePointAt(0)! - chars[start]!.codePointAt(0)!;
  if (step !== 1 && step !== -1) return 1;
  let length = 2;
  while (
    start + length < end &&
    chars[start + length]!.codePointAt(0)! - chars[start + length - 1]!.codePointAt(0)! === step
  ) {
    length++;
  }
  return length;
}

/** Cheapest description of `chars` in bits, and the patterns that description uses. */
function describe(chars: string[], charBits: number): { bits: number; patterns: Set<Pattern> } {
  const n = chars.length;
  const cost = new Array<number>(n + 1).fill(Number.POSITIVE_INFINITY);
  const step = new Array<{ from: number; pattern: Pattern } | undefined>(n + 1).fill(undefined);
  cost[0] = 0;
  const relax = (from: number, to: number, bits: number, pattern: Pattern) => {
    const total = cost[from]! + bits;
    if (total < cost[to]!) {
      cost[to] = total;
      step[to] = { from, pattern };
    }
  };
  for (let i = 0; i < n; i++) {
    relax(i, i + 1, charBits, 'char');
    const repeat = longestEarlierMatch(chars, i, n);
    for (let length = 2; length <= repeat; length++)
      relax(i, i + length, Math.log2(i) + Math.log2(length) + 1, 'repeat');
    const run = runLength(chars, i, n);
    for (let length = 3; length <= run; length++) relax(i, i + length, charBits + 1 + Math.log2(length), 'sequence');
    for (const letter of firstLetters(chars[i]!)) {
      for (const [word, bits] of WORDS_BY_FIRST_LETTER.get(letter) ?? []) {
        const bitsForWord = wordCost(chars, i, word, bits);
        if (bitsForWord !== undefined) relax(i, i + word.length, bitsForWord, 'word');
      }
    }
    if (i + 4 <= n && /^(19|20)\d\d$/.test(chars.slice(i, i + 4).join(''))) relax(i, i + 4, YEAR_BITS, 'year');
  }
  const patterns = new Set<Pattern>();
  for (let at = n; at > 0; at = step[at]!.from) patterns.add(step[at]!.pattern);
  return { bits: cost[n]!, patterns };
}

export function estimateTokenStrength(token: string): TokenStrength {
  const chars = Array.from(token);
  const charBits = Math.log2(poolSize(chars));
  // The search is cubic in the worst case: long tokens are costed in independent windows (repeats across windows
  // are then charged again, which only overstates by a window's worth).
  let bits = 0;
  const patterns = new Set<Pattern>();
  for (let start = 0; start < chars.length; start += MAX_ANALYSED) {
    const window = describe(chars.slice(start, start + MAX_ANALYSED), charBits);
    bits += window.bits;
    for (const pattern of window.patterns) patterns.add(pattern);
  }

  const reasons: string[] = [];
  if (chars.length < TOKEN_MIN_LENGTH) reasons.push(`shorter than ${TOKEN_MIN_LENGTH} characters (${chars.length})`);
  if (bits < TOKEN_MIN_BITS) {
    reasons.push(`estimated entropy ${bits.toFixed(1)} bits is below ${TOKEN_MIN_BITS}`);
    for (const pattern of patterns) if (pattern !== 'char') reasons.push(PATTERN_REASONS[pattern]);
    if (/^[0-9]+$/.test(token)) reasons.push('uses digits only');
  }
  return { length: chars.length, bits: Math.round(bits * 10) / 10, reasons };
}

export function isStrongToken(token: string): boolean {
  return estimateTokenStrength(token).reasons.length === 0;
}
