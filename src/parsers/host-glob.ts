// Host-name globs of waivers (`hosts: signer-*`): pure, and free of the YAML parser so a report that applies
// waivers does not load it.

/** Shell-style glob match over a whole host name: `*`, `?` and `[...]` classes; case-insensitive (DNS names are). */
export function hostMatches(glob: string, host: string): boolean {
  let pattern = '';
  for (let index = 0; index < glob.length; index += 1) {
    const char = glob[index]!;
    if (char === '*') pattern += '.*';
    else if (char === '?') pattern += '.';
    else if (char === '[') {
      const end = glob.indexOf(']', index + 2);
      if (end === -1) pattern += '\\[';
      else {
        const body = glob
          .slice(index + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        pattern += `[${body}]`;
        index = end;
      }
    } else pattern += char.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`, 'i').test(host);
}
