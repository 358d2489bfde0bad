// apt.conf(5) syntax, enough to find scalar settings: `A::B "v";`, nested `A { B "v"; };`, `#clear A::B;`, and the
// three comment styles (`//`, `/* */`, `#`). Keys are case-insensitive in APT, so they are compared lower-cased.

export type AptStatement =
  | { kind: 'set'; key: string; written: string; value: string; line: number }
  | { kind: 'clear'; key: string; written: string; line: number };

export interface AptConfigFile {
  statements: AptStatement[];
  problems: { line: number; message: string }[];
}

interface Token {
  kind: 'word' | 'string' | '{' | '}' | ';';
  text: string;
  line: number;
}

interface Tokenised {
  tokens: Token[];
  /** `#clear` and `#include` lines, which are directives rather than comments. */
  directives: { name: string; argument: string; line: number }[];
  problems: AptConfigFile['problems'];
}

function tokenise(text: string): Tokenised {
  const tokens: Token[] = [];
  const directives: Tokenised['directives'] = [];
  const problems: AptConfigFile['problems'] = [];
  let line = 1;
  let index = 0;
  const skipToLineEnd = () => {
    while (index < text.length && text[index] !== '\n') index += 1;
  };
  while (index < text.length) {
    const char = text[index]!;
    if (char === '\n') {
      line += 1;
      index += 1;
    } else if (/\s/.test(char)) {
      index += 1;
    } else if (text.startsWith('//', index)) {
      skipToLineEnd();
    } else if (text.startsWith('/*', index)) {
      const end = text.indexOf('*/', index + 2);
      const stop = end === -1 ? text.length : end + 2;
      if (end === -1) problems.push({ line, message: 'unterminated /* comment' });
      for (let at = index; at < stop; at += 1) if (text[at] === '\n') line += 1;
      index = stop;
    } else if (char === '#') {
      const lineEnd = text.indexOf('\n', index);
      const directive = /^#(clear|include)\s+([^;]*)/.exec(text.slice(index, lineEnd === -1 ? text.length : lineEnd));
      if (directive) directives.push({ name: directive[1]!, argument: directive[2]!.trim(), line });
      skipToLineEnd();
    } else if (char === '"') {
      const end = text.indexOf('"', index + 1);
      if (end === -1) {
        problems.push({ line, message: 'unterminated string' });
        index = text.length;
        continue;
      }
      const value = text.slice(index + 1, end);
      tokens.push({ kind: 'string', text: value, line });
      line += value.split('\n').length - 1;
      index = end + 1;
    } else if (char === '{' || char === '}' || char === ';') {
      tokens.push({ kind: char, text: char, line });
      index += 1;
    } else {
      const match = /^[^\s{};"]+/.exec(text.slice(index, index + 4096))!;
      // `//` may follow a word without a space ("A::B "1";// note"), so a word never swallows it.
      const word = match[0].split('//')[0]!;
      tokens.push({ kind: 'word', text: word, line });
      index += word.length;
    }
  }
  return { tokens, directives, problems };
}

function joinKey(prefix: readonly string[], key: string): string {
  return [...prefix, key].filter(Boolean).join('::');
}

/**
 * The longest key the block names may build. Every statement's key repeats its blocks' names, so unclosed blocks made
 * the keys, and the memory, grow with blocks times statements: the long run's 1.5 MB case filled a 4 GB heap and
 * aborted the process (issue #18). Real keys are a few names of a few words; past this the file is refused from there.
 */
export const MAX_APT_KEY = 256;

export function parseAptConfig(text: string): AptConfigFile {
  const { tokens, directives, problems } = tokenise(text);
  const statements: (AptStatement & { order: number })[] = [];
  const prefix: string[] = [];
  let prefixLength = 0;
  let pending: Token[] = [];
  for (const token of tokens) {
    if (token.kind === '{') {
      const key = pending[0];
      if (!key) problems.push({ line: token.line, message: 'block without a name' });
      const name = key?.text.replace(/::$/, '') ?? '';
      if (prefixLength + name.length + 2 > MAX_APT_KEY) {
        problems.push({ line: token.line, message: `blocks nest to a key longer than ${MAX_APT_KEY} characters` });
        break;
      }
      prefix.push(name);
      prefixLength += name.length + 2;
      pending = [];
    } else if (token.kind === '}') {
      if (prefix.length === 0) problems.push({ line: token.line, message: 'unbalanced }' });
      const name = prefix.pop();
      if (name !== undefined) prefixLength -= name.length + 2;
      pending = [];
    } else if (token.kind === ';') {
      const [key, value] = pending;
      // A lone value is a list item ("APT::NeverAutoRemove { "a"; };"): not a scalar setting.
      if (key && value && key.kind === 'word') {
        const written = joinKey(prefix, key.text);
        statements.push({
          kind: 'set',
          key: written.toLowerCase(),
          written,
          value: value.text,
          line: key.line,
          order: key.line,
        });
      }
      pending = [];
    } else {
      pending.push(token);
    }
  }
  if (prefix.length > 0) problems.push({ line: tokens.at(-1)?.line ?? 1, message: 'unclosed {' });
  for (const directive of directives) {
    if (directive.name === 'clear') {
      for (const written of directive.argument.split(/\s+/).filter(Boolean)) {
        statements.push({
          kind: 'clear',
          key: written.toLowerCase(),
          written,
          line: directive.line,
          order: directive.line,
        });
      }
    } else {
      problems.push({ line: directive.line, message: '#include is not followed' });
    }
  }
  // Directives were collected apart from tokens; restore file order (stable for statements on one line).
  statements.sort((a, b) => a.order - b.order);
  return { statements: statements.map(({ order: _order, ...statement }) => statement as AptStatement), problems };
}

/**
 * APT's rule for files in a parts directory (apt.conf.d): only names of letters, digits, `_`, `-`, `:` and `.`,
 * without an extension or with `.conf`; read in byte order. Others ("x.dpkg-old", "x.bak", "x.ucf-dist") are ignored.
 */
export function isAptPartName(name: string): boolean {
  if (!/^[A-Za-z0-9_:.-]+$/.test(name)) return false;
  return !name.includes('.') || name.endsWith('.conf');
}

export interface AptSetting {
  value: string;
  file: string;
  line: number;
}

/** The effective value of a key across files read in order: the last assignment wins; `#clear` removes it. */
export function effectiveAptSetting(
  files: readonly { path: string; config: AptConfigFile }[],
  key: string,
): AptSetting | undefined {
  const wanted = key.toLowerCase();
  let current: AptSetting | undefined;
  for (const { path, config } of files) {
    for (const statement of config.statements) {
      if (statement.kind === 'clear' && (wanted === statement.key || wanted.startsWith(`${statement.key}::`)))
        current = undefined;
      else if (statement.kind === 'set' && statement.key === wanted)
        current = { value: statement.value, file: path, line: statement.line };
    }
  }
  return current;
}
