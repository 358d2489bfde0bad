// glob(3) as sshd uses it for `Include`: `*`, `?`, `[...]` (with `!`/`^` negation and ranges) and `\` escapes,
// matched one path component at a time; a leading `.` must be matched literally; results sorted bytewise.

/** Does this pattern contain glob metacharacters (so it needs a directory listing rather than a lookup)? */
export function hasGlobMagic(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** Matches one path component (no `/`) against a glob(3) pattern component. */
export function matchGlob(pattern: string, name: string): boolean {
  // A leading dot is never matched by a wildcard or a bracket expression.
  if (name.startsWith('.') && !pattern.startsWith('.') && !pattern.startsWith('\\.')) return false;
  return matchFrom(pattern, 0, name, 0);
}

function matchFrom(pattern: string, p: number, name: string, n: number): boolean {
  while (p < pattern.length) {
    const c = pattern[p]!;
    if (c === '*') {
      while (pattern[p] === '*') p++;
      if (p === pattern.length) return true;
      for (let k = n; k <= name.length; k++) if (matchFrom(pattern, p, name, k)) return true;
      return false;
    }
    if (n >= name.length) return false;
    if (c === '?') {
      p++;
      n++;
      continue;
    }
    if (c === '[') {
      const bracket = matchBracket(pattern, p, name[n]!);
      if (bracket === undefined) {
        // An unterminated `[` is an ordinary character.
        if (name[n] !== '[') return false;
        p++;
        n++;
        continue;
      }
      if (!bracket.matched) return false;
      p = bracket.next;
      n++;
      continue;
    }
    if (c === '\\' && p + 1 < pattern.length) {
      if (pattern[p + 1] !== name[n]) return false;
      p += 2;
      n++;
      continue;
    }
    if (c !== name[n]) return false;
    p++;
    n++;
  }
  return n === name.length;
}

/** Evaluates `[...]` at pattern[start]; undefined when the bracket is not closed. */
function matchBracket(pattern: string, start: number, ch: string): { matched: boolean; next: number } | undefined {
  let p = start + 1;
  const negated = pattern[p] === '!' || pattern[p] === '^';
  if (negated) p++;
  let matched = false;
  let first = true;
  while (p < pattern.length && (first || pattern[p] !== ']')) {
    first = false;
    let lo = pattern[p]!;
    if (lo === '\\' && p + 1 < pattern.length) lo = pattern[++p]!;
    p++;
    if (pattern[p] === '-' && p + 1 < pattern.length && pattern[p + 1] !== ']') {
      let hi = pattern[p + 1]!;
      p += 2;
      if (hi === '\\' && p < pattern.length) hi = pattern[p++]!;
      if (lo <= ch && ch <= hi) matched = true;
    } else if (lo === ch) {
      matched = true;
    }
  }
  if (p >= pattern.length) return undefined;
  return { matched: matched !== negated, next: p + 1 };
}

/** What expandGlob needs from a filesystem: directory entries (undefined when not a directory) and existence. */
export interface GlobFileSystem {
  readDir(path: string): Promise<string[] | undefined>;
  exists(path: string): Promise<boolean>;
}

/**
 * Expands an absolute glob pattern the way glob(3) does with no flags: sorted matches, nothing when none
 * (GLOB_NOMATCH is not an error for sshd). Components without magic are taken literally.
 */
export async function expandGlob(pattern: string, fs: GlobFileSystem): Promise<string[]> {
  if (!pattern.startsWith('/')) throw new Error(`expandGlob needs an absolute pattern: ${pattern}`);
  const components = pattern.split('/').filter((part) => part !== '');
  let prefixes = ['/'];
  for (const component of components) {
    const next: string[] = [];
    for (const prefix of prefixes) {
      const base = prefix === '/' ? '' : prefix;
      if (!hasGlobMagic(component)) {
        next.push(`${base}/${component.replace(/\\(.)/g, '$1')}`);
        continue;
      }
      const entries = await fs.readDir(prefix);
      for (const entry of entries ?? []) if (matchGlob(component, entry)) next.push(`${base}/${entry}`);
    }
    prefixes = next;
    if (prefixes.length === 0) return [];
  }
  const existing: string[] = [];
  for (const path of prefixes) if (await fs.exists(path)) existing.push(path);
  return existing.sort(compareBytes);
}

/**
 * strcmp() order of the UTF-8 bytes: glob(3) in the C locale, systemd's drop-in order, APT's parts, Python's sorted()
 * (Ansible's group order). Never localeCompare, whose order follows the user's locale. UTF-16 code units sort like
 * UTF-8 bytes except that a surrogate (a code point above U+FFFF) must sort after U+E000..U+FFFF.
 */
export function compareBytes(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
