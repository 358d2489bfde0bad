// The audited host's name, which a waiver's `hosts` glob is matched against.
import { hostname } from 'node:os';
import type { Target } from '../../target/types.js';

/**
 * A host name as RFC 1123 allows it: dot-separated labels of letters, digits and inner hyphens, each at most 63
 * characters, 253 in all. Anything else in /etc/hostname is not a name but pasted text (a 64-hex signer key is one
 * label too long; `PASSWORD=…` has an `=`), and the report prints the host name.
 */
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function isValidHostName(name: string): boolean {
  return name.length <= 253 && name.split('.').every((label) => LABEL.test(label));
}

/**
 * This machine's name for the local live host; otherwise the target's own /etc/hostname (first word): an image or
 * a remote host names itself there. Undefined when it has none or that is no host name, so a `hosts` waiver never
 * applies by accident and nothing else in the file reaches the report.
 */
export async function targetHostName(target: Target): Promise<string | undefined> {
  if (target.kind === 'live') return hostname();
  try {
    const name = (await target.readText('/etc/hostname', { maxBytes: 4096 })).trim().split(/\s+/)[0] ?? '';
    return isValidHostName(name) ? name : undefined;
  } catch {
    return undefined;
  }
}
