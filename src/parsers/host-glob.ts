// Host-name globs of waivers (`hosts: signer-*`): pure, and free of the YAML parser so a report that applies
// waivers does not load it.

/** Longer than any host name (DNS: 253) or glob a waiver needs: such an input matches nothing, in bounded time. */
const MAX_LENGTH = 1024;

type Token =
  | { kind: 'star' }
  | { kind: 'one' }
  | { kind: 'class'; negate: boolean; body: string }
  | { kind: 'char'; char: string };

function tokens(glob: string): Token[] {
  const out: Token[] = [];
  for (let index = 0; index < glob.length; index += 1) {
    const char = glob[index]!;
    if (char === '*') {
      // `**` is `*`: collapsing them keeps the match linear in the number of stars.
      if (out.at(-1)?.kind !== 'star') out.push({ kind: 'star' });
    } else if (char === '?') out.push({ kind: 'one' });
    else if (char === '[' && glob.indexOf(']', index + 2) !== -1) {
      const end = glob.indexOf(']', index + 2);
      const body = glob.slice(index + 1, end);
      out.push({ kind: 'class', negate: body.startsWith('!'), body: body.replace(/^!/, '') });
      index = end;
    } else out.push({ kind: 'char', char: char.toLowerCase() });
  }
  return out;
}

function inClass(body: string, char: string): boolean {
  for (let index = 0; index < body.length; index += 1) {
    const low = body[index]!.toLowerCase();
    if (body[index + 1] === '-' && index + 2 < body.length) {
      const high = body[index + 2]!.toLowerCase();
      if (char >= low && char <= high) return true;
      index += 2;
    } else if (char === low) return true;
  }
  return false;
}

function matchesOne(token: Token, char: string): boolean {
  if (token.kind === 'one') return true;
  if (token.kind === 'char') return token.char === char;
  if (token.kind === 'class') return inClass(token.body, char) !== token.negate;
  return false;
}

/**
 * Shell-style glob match over a whole host name: `*`, `?` and `[...]` classes (`[!...]` negated, `a-z` ranges);
 * case-insensitive (DNS names are). No regular expression: `*a*a*a…` against a long name made one backtrack
 * exponentially. This walk retries only from the last `*`, so it takes at most glob × host steps.
 */
export function hostMatches(glob: string, host: string): boolean {
  if (glob.length > MAX_LENGTH || host.length > MAX_LENGTH) return false;
  const pattern = tokens(glob);
  const name = host.toLowerCase();
  let p = 0;
  let h = 0;
  let star = -1;
  let resume = 0;
  while (h < name.length) {
    const token = pattern[p];
    if (token?.kind === 'star') {
      star = p++;
      resume = h;
    } else if (token && matchesOne(token, name[h]!)) {
      p++;
      h++;
    } else if (star !== -1) {
      p = star + 1;
      h = ++resume;
    } else return false;
  }
  while (pattern[p]?.kind === 'star') p++;
  return p === pattern.length;
}
