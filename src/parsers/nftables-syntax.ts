import type { FirewallProblem } from './firewall/model.js';

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

const PUNCTUATION = new Set(['{', '}', ';', ',']);

export function tokenize(text: string, file: string): NftToken[] {
  const tokens: NftToken[] = [];
  let line = 1;
  let i = 0;
  const push = (kind: NftToken['kind'], value: string) => tokens.push({ kind, text: value, file, line });
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
      line++;
    } else if (c === '\n') {
      push('nl', '\n');
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      const stop = end === -1 ? text.length : end;
      push('string', text.slice(i + 1, stop));
      i = stop + 1;
    } else if (PUNCTUATION.has(c)) {
      push(c as NftToken['kind'], c);
      i++;
    } else if (c === '=' && text[i + 1] !== '=') {
      push('=', '=');
      i++;
    } else {
      let end = i;
      while (end < text.length && !/[\s{};,"#]/.test(text[end]!)) {
        // A lone `=` ends a word (`elements=`); `==`, `!=`, `<=`, `>=` stay operators.
        if (text[end] === '=' && end > i && !/[=!<>]/.test(text[end - 1]!) && text[end + 1] !== '=') break;
        end++;
      }
      if (end === i) end++;
      push('word', text.slice(i, end));
      i = end;
    }
  }
  push('nl', '\n');
  return tokens;
}

/** The `include` targets a file names, for a caller that must fetch them before parsing. */
export function findIncludes(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/^\s*include\s+"([^"]*)"/gm)) names.push(match[1]!);
  return names;
}

export function resolveIncludePath(pattern: string): string {
  return pattern.startsWith('/') ? pattern : `/etc/${pattern}`;
}

const MAX_INCLUDE_DEPTH = 16;

/** Tokens of `path` with every include replaced by the tokens of the files it names. */
export function tokenizeWithIncludes(
  path: string,
  sources: NftSources,
  problems: FirewallProblem[],
  depth = 0,
): NftToken[] {
  const text = sources.read(path);
  if (text === undefined) return [];
  const tokens = tokenize(text, path);
  const out: NftToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const atStatementStart = i === 0 || ['nl', ';', '{'].includes(tokens[i - 1]!.kind);
    const name = tokens[i + 1];
    if (token.kind === 'word' && token.text === 'include' && atStatementStart && name?.kind === 'string') {
      i++;
      if (depth >= MAX_INCLUDE_DEPTH) {
        problems.push({
          file: path,
          line: token.line,
          message: `include "${name.text}" nested too deeply`,
          rejects: true,
        });
        continue;
      }
      const files = sources.resolve(name.text, path);
      if (files.length === 0 && !/[*?[]/.test(name.text)) {
        problems.push({
          file: path,
          line: token.line,
          message: `include "${name.text}": file not found`,
          rejects: true,
        });
      }
      for (const file of files) out.push(...tokenizeWithIncludes(file, sources, problems, depth + 1));
      continue;
    }
    out.push(token);
  }
  return out;
}
