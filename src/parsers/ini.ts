// INI files as Python's configparser and libdnf read them: `[section]`, `key = value` or `key: value`, `#`/`;` comment
// lines, keys case-insensitive. Enough for /etc/dnf/automatic.conf.

export interface IniEntry {
  section: string;
  key: string;
  value: string;
  line: number;
}

export function parseIni(text: string): IniEntry[] {
  const entries: IniEntry[] = [];
  let section = '';
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    const header = /^\[([^\]]+)\]$/.exec(trimmed);
    if (header) {
      section = header[1]!.trim();
      return;
    }
    // The blanks around `=` are cut outside the regex: `([^=:]+?)\s*[=:]` retried the blank run at each step of the
    // lazy key, quadratic (the long run's 350 kB line of blanks took 24 s; issue #18). Read as before: the key up to
    // the first `=` or `:`, the value after its blanks, holding no line terminator.
    const equals = trimmed.search(/[=:]/);
    if (equals < 1) return;
    const value = trimmed.slice(equals + 1).trimStart();
    if (/[\n\r\u2028\u2029]/.test(value)) return;
    entries.push({ section, key: trimmed.slice(0, equals).trimEnd().toLowerCase(), value, line: index + 1 });
  });
  return entries;
}

/** The last value of a key in a section (later assignments win). */
export function iniValue(entries: readonly IniEntry[], section: string, key: string): IniEntry | undefined {
  return entries.filter((entry) => entry.section === section && entry.key === key.toLowerCase()).at(-1);
}

/** configparser's booleans. */
export function iniBoolean(value: string): boolean | undefined {
  const lower = value.trim().toLowerCase();
  if (['1', 'yes', 'true', 'on'].includes(lower)) return true;
  if (['0', 'no', 'false', 'off'].includes(lower)) return false;
  return undefined;
}
