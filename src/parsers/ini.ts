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
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (pair) entries.push({ section, key: pair[1]!.toLowerCase(), value: pair[2]!, line: index + 1 });
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
