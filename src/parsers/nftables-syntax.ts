import type { FirewallProblem } from './firewall/model.js';
import { appendAll } from './lists.js';
import { type LimitExceeded, limitWords, PARSE_LIMITS, ParseLimitError, textOverLimits } from './parse-limits.js';
import { isSpace } from './whitespace.js';

// The lexical layer of the nft language (nft(8) "LEXICAL CONVENTIONS"): words, "strings", braces, `;`, `,`, `=`,
// newlines ending statements, `#` comments and `\` line continuations; `include "file"` spliced in place, so every
// token keeps the file and line it came from.

export interface NftToken {
  kind: 'word' | 'string' | '{' | '}' | ';' | ',' | '=' | 'nl';
  text: string;
  file: string;
  line: number;
}

export interface NftSources {
  /** The text of a file inside the target; undefined when it can't be read. */
  read(path: string): string | undefined;
  /** The files an `include` names, sorted; a relative name is searched in /etc, as nft's default include path. */
  resolve(pattern: string, fromFile: string): string[];
}

const LIMITS = PARSE_LIMITS.nftText;

/** Characters that end a word: whitespace (as `\s`), braces, `;`, `,`, a quote and `#`. */
function endsWord(code: number): boolean {
  if (code > 0x20 && code < 0x7b) return code === 0x22 || code === 0x23 || code === 0x2c || code === 0x3b;
  if (code >= 0x7b && code <= 0x7d) return code !== 0x7c; // { }
  return isSpace(code);
}

/** `=`, `!`, `<`, `>`: a `=` after one of these is part of an operator, not a word's end. */
function isOperatorChar(code: number): boolean {
  return code === 0x3d || code === 0x21 || code === 0x3c || code === 0x3e;
}

/** Told each token; `start` and `end` are its place in the text ([start, end), a string's quotes included). */
type TokenVisitor = (
  kind: NftToken['kind'],
  value: string,
  line: number,
  start: number,
  end: number,
) => boolean | undefined;

/**
 * The lexer: each token in order to `visit`, which stops the scan by returning false. One pass of charCodeAt (a
 * regex test per character of a word, and a token array built before a caller that wanted only the first bad line,
 * made 2 MB of garbage cost ~0.4 s before the parser began; issue #18).
 */
export function scanTokens(text: string, visit: TokenVisitor): void {
  let line = 1;
  let i = 0;
  const length = text.length;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c && text.charCodeAt(i + 1) === 0x0a) {
      i += 2;
      line++;
    } else if (c === 0x0a) {
      if (visit('nl', '\n', line, i, i + 1) === false) return;
      line++;
      i++;
    } else if (c === 0x20 || c === 0x09 || c === 0x0d) {
      i++;
    } else if (c === 0x23) {
      const newline = text.indexOf('\n', i);
      i = newline === -1 ? length : newline;
    } else if (c === 0x22) {
      const end = text.indexOf('"', i + 1);
      const stop = end === -1 ? length : end;
      if (visit('string', text.slice(i + 1, stop), line, i, end === -1 ? length : end + 1) === false) return;
      i = stop + 1;
    } else if (c === 0x7b || c === 0x7d || c === 0x3b || c === 0x2c) {
      const kind = c === 0x7b ? '{' : c === 0x7d ? '}' : c === 0x3b ? ';' : ',';
      if (visit(kind, kind, line, i, i + 1) === false) return;
      i++;
    } else if (c === 0x3d && text.charCodeAt(i + 1) !== 0x3d) {
      if (visit('=', '=', line, i, i + 1) === false) return;
      i++;
    } else {
      let end = i;
      while (end < length) {
        const code = text.charCodeAt(end);
        if (endsWord(code)) break;
        // A lone `=` ends a word (`elements=`); `==`, `!=`, `<=`, `>=` stay operators.
        if (code === 0x3d && end > i && !isOperatorChar(text.charCodeAt(end - 1)) && text.charCodeAt(end + 1) !== 0x3d)
          break;
        end++;
      }
      if (end === i) end++;
      if (visit('word', text.slice(i, end), line, i, end) === false) return;
      i = end;
    }
  }
  visit('nl', '\n', line, length, length);
}

/**
 * `offsets`, when given, receives each token's [start, end) in `text` (two numbers per token): what a caller
 * rewriting the file in place needs, kept out of NftToken so big rulesets don't carry it. Throws a ParseLimitError
 * past PARSE_LIMITS.nftText.maxEntries tokens: a file of `;` would otherwise be one token object per byte.
 */
export function tokenize(text: string, file: string, offsets?: number[]): NftToken[] {
  const tokens: NftToken[] = [];
  scanTokens(text, (kind, value, line, start, end) => {
    if (tokens.length >= LIMITS.maxEntries)
      throw new ParseLimitError(file, { limit: 'maxEntries', max: LIMITS.maxEntries, line }, 'tokens');
    tokens.push({ kind, text: value, file, line });
    if (offsets) offsets.push(start, end);
    return true;
  });
  return tokens;
}

/**
 * The text without its `#` comments, read as tokenize() reads them (not inside a "string"; to the line's end, the
 * newline kept): what nft ignores, so line and column numbers of everything else stay as they were.
 */
export function withoutComments(text: string): string {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      i = end === -1 ? text.length : end + 1;
    } else if (c === '#') {
      out += text.slice(from, i);
      const newline = text.indexOf('\n', i);
      i = newline === -1 ? text.length : newline;
      from = i;
    } else i++;
  }
  return out + text.slice(from);
}

export interface NftInclude {
  /** The name as written between the quotes. */
  pattern: string;
  line: number;
  /** Where the quoted name (quotes included) sits in the file's text. */
  start: number;
  end: number;
}

/** Is token `i` the start of a statement: first in the file, or after a newline, `;` or `{`? */
function atStatementStart(tokens: readonly NftToken[], i: number): boolean {
  const before = tokens[i - 1]?.kind;
  return i === 0 || before === 'nl' || before === ';' || before === '{';
}

/**
 * The `include "…"` statements of a file as nft reads them: at any statement start, so also after a `;` or `{` on
 * the same line. The one list both the loader (what to fetch) and harden (what to rewrite) use.
 */
export function includeStatements(text: string, file = ''): NftInclude[] {
  const offsets: number[] = [];
  const tokens = tokenize(text, file, offsets);
  const found: NftInclude[] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const token = tokens[i]!;
    const name = tokens[i + 1]!;
    if (token.kind === 'word' && token.text === 'include' && atStatementStart(tokens, i) && name.kind === 'string') {
      found.push({
        pattern: name.text,
        line: token.line,
        start: offsets[2 * (i + 1)]!,
        end: offsets[2 * (i + 1) + 1]!,
      });
    }
  }
  return found;
}

export function resolveIncludePath(pattern: string): string {
  return pattern.startsWith('/') ? pattern : `/etc/${pattern}`;
}

const MAX_INCLUDE_DEPTH = 16;
/**
 * The most tokens a ruleset may expand to, includes spliced in. An include is spliced at every place it is named,
 * so two includes of one file per level double at each of 16 levels; a big real ruleset is well under a million.
 */
export const MAX_EXPANDED_TOKENS = 2_000_000;

interface Expansion {
  sources: NftSources;
  problems: FirewallProblem[];
  /** Each file's own tokens and its expansion, computed once per parse. */
  expanded: Map<string, NftToken[]>;
  /** The include sites being expanded, outermost first: a file met again on it is a cycle. */
  chain: { file: string; line: number }[];
  /** Tokens spliced so far in this parse. */
  total: number;
}

/** Tokens of `path` with every include replaced by the tokens of the files it names. */
export function tokenizeWithIncludes(path: string, sources: NftSources, problems: FirewallProblem[]): NftToken[] {
  return expandFile({ sources, problems, expanded: new Map(), chain: [], total: 0 }, path);
}

/**
 * The file's tokens, or none and a `rejects` problem when it is over a parse limit: judging the rest of the ruleset
 * without it could pass a firewall whose rules were never read.
 */
function tokensWithinLimits(text: string, path: string, problems: FirewallProblem[]): NftToken[] {
  const refuse = (exceeded: LimitExceeded): NftToken[] => {
    const message = `${limitWords(exceeded, 'tokens')}; not read`;
    const line = exceeded.line ? { line: exceeded.line } : {};
    problems.push({ file: path, ...line, message, rejects: true, limit: true });
    return [];
  };
  const overLimit = textOverLimits(text, LIMITS);
  if (overLimit) return refuse(overLimit);
  let tokens: NftToken[];
  try {
    tokens = tokenize(text, path);
  } catch (error) {
    if (error instanceof ParseLimitError) return refuse(error.exceeded);
    throw error;
  }
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === '{' && ++depth > LIMITS.maxDepth)
      return refuse({ limit: 'maxDepth', max: LIMITS.maxDepth, line: token.line });
    if (token.kind === '}') depth--;
  }
  return tokens;
}

function expandFile(state: Expansion, path: string): NftToken[] {
  const known = state.expanded.get(path);
  if (known) return known;
  const { sources, problems } = state;
  const text = sources.read(path);
  if (text === undefined) return [];
  const tokens = tokensWithinLimits(text, path, problems);
  // The file's own tokens until its first include: a file without one is returned as it is, not copied.
  let out: NftToken[] | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const name = tokens[i + 1];
    if (token.kind === 'word' && token.text === 'include' && atStatementStart(tokens, i) && name?.kind === 'string') {
      out ??= tokens.slice(0, i);
      i++;
      const reject = (message: string) => problems.push({ file: path, line: token.line, message, rejects: true });
      if (state.chain.length >= MAX_INCLUDE_DEPTH) {
        // The name between the quotes is the file's text: the place says which include it is.
        reject('include nested too deeply');
        continue;
      }
      const files = sources.resolve(name.text, path);
      if (files.length === 0 && !/[*?[]/.test(name.text)) reject('include names a file that is not found');
      const site = { file: path, line: token.line };
      for (const file of files) {
        if (file === path || state.chain.some((outer) => outer.file === file)) {
          const chain = [...state.chain, site].map((at) => `${at.file}:${at.line}`);
          reject(`include cycle: ${[...chain, file].join(' -> ')}`);
          continue;
        }
        state.chain.push(site);
        let included: NftToken[];
        try {
          included = expandFile(state, file);
        } finally {
          state.chain.pop();
        }
        if (state.total + included.length > MAX_EXPANDED_TOKENS) {
          reject(`includes expand to more than ${MAX_EXPANDED_TOKENS} tokens; ${file} left out`);
          continue;
        }
        state.total += included.length;
        appendAll(out, included);
      }
      continue;
    }
    out?.push(token);
  }
  state.expanded.set(path, out ?? tokens);
  return out ?? tokens;
}
