// /var/lib/dpkg/status (deb-control(5) stanzas): which packages are installed.

export interface DpkgPackage {
  name: string;
  /** "want flag status", e.g. "install ok installed" or "deinstall ok config-files". */
  status: string;
  /** 1-based line of the stanza's Package: field. */
  line: number;
}

export function parseDpkgStatus(text: string): DpkgPackage[] {
  const packages: DpkgPackage[] = [];
  let current: { name?: string; status?: string; line: number } | undefined;
  const flush = () => {
    if (current?.name) packages.push({ name: current.name, status: current.status ?? '', line: current.line });
    current = undefined;
  };
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      flush();
      return;
    }
    // An indented line continues a multi-line field.
    const field = /^\s/.test(line) ? null : /^([A-Za-z0-9][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
    if (!field) return;
    current ??= { line: index + 1 };
    const name = field[1]!.toLowerCase();
    if (name === 'package') {
      current.name = field[2]!.trim();
      current.line = index + 1;
    } else if (name === 'status') {
      current.status = field[2]!.trim();
    }
  });
  flush();
  return packages;
}

/** The stanza of an installed package (`Status: install ok installed`, or `hold ok installed`); undefined otherwise. */
export function installedPackage(packages: readonly DpkgPackage[], name: string): DpkgPackage | undefined {
  return packages.find((entry) => entry.name === name && / installed$/.test(entry.status) && / ok /.test(entry.status));
}
