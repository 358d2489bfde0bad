// os-release(5): shell-style KEY=value lines, values optionally quoted.

export type OsFamily = 'debian' | 'rhel';

export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const match = /^\s*([A-Z0-9_]+)=(.*?)\s*$/.exec(raw);
    if (!match) continue;
    let value = match[2]!;
    const quoted = /^(["'])(.*)\1$/.exec(value);
    if (quoted) value = quoted[1] === '"' ? quoted[2]!.replace(/\\(["\\$`])/g, '$1') : quoted[2]!;
    fields[match[1]!] = value;
  }
  return fields;
}

const FAMILY_IDS: Record<OsFamily, readonly string[]> = {
  debian: ['debian', 'ubuntu'],
  rhel: ['rhel', 'fedora', 'centos', 'rocky', 'almalinux', 'ol', 'amzn'],
};

/** The package family from ID and ID_LIKE; undefined for any other distribution. */
export function osFamily(fields: Record<string, string>): OsFamily | undefined {
  const ids = [fields.ID ?? '', ...(fields.ID_LIKE ?? '').split(/\s+/)].map((id) => id.toLowerCase()).filter(Boolean);
  for (const family of ['debian', 'rhel'] as const) {
    if (ids.some((id) => FAMILY_IDS[family].includes(id))) return family;
  }
  return undefined;
}
