// etc/hosts: "address name [aliases...]", comments with #.

export interface HostsEntry {
  address: string;
  names: string[];
  line: number;
}

export function parseHosts(text: string): HostsEntry[] {
  return text.split('\n').flatMap((raw, index) => {
    const fields = raw.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (fields.length < 2) return [];
    return [{ address: fields[0]!, names: fields.slice(1).map((name) => name.toLowerCase()), line: index + 1 }];
  });
}

/** Addresses a name maps to, in file order. */
export function lookupHost(entries: readonly HostsEntry[], name: string): HostsEntry[] {
  const wanted = name.toLowerCase();
  return entries.filter((entry) => entry.names.includes(wanted));
}
