// https://www.freedesktop.org/software/systemd/man/latest/systemd.unit.html — "drop-in files … are sorted by their
// file name regardless of which of the directories they reside in": the last one sorted wins for single-value
// settings, so harden's drop-in must sort after every other drop-in of the unit.

import { compareBytes } from '../../parsers/glob.js';

export const DROP_IN_SUFFIX = '-signer-opsec.conf';

/**
 * "99" sorts after the usual numbered drop-ins (10-…, 50-…); `systemctl edit` writes "override.conf", and letters
 * sort after digits, so when such a file exists the prefix becomes "zz", then longer runs of "z". Compared as
 * bytes, as systemd's strcmp() does.
 */
const PREFIXES = ['99', 'zz', 'zzzz', 'zzzzzzzz'] as const;

/** Whether a drop-in file name is one harden writes (under any prefix). */
export function isOwnDropIn(fileName: string): boolean {
  return fileName.endsWith(DROP_IN_SUFFIX);
}

/**
 * The file name for harden's drop-in, given the file names of the unit's other drop-ins (harden's own are
 * ignored: they are replaced). Undefined when no candidate sorts after all of them.
 */
export function chooseDropInName(existing: readonly string[]): string | undefined {
  const others = existing.filter((name) => !isOwnDropIn(name));
  for (const prefix of PREFIXES) {
    const name = `${prefix}${DROP_IN_SUFFIX}`;
    if (others.every((other) => compareBytes(other, name) < 0)) return name;
  }
  return undefined;
}
