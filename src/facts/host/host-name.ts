// The audited host's name, which a waiver's `hosts` glob is matched against.
import { hostname } from 'node:os';
import type { Target } from '../../target/types.js';

/**
 * This machine's name for the local live host; otherwise the target's own /etc/hostname (first word): an image or
 * a remote host names itself there. Undefined when it has none, so a `hosts` waiver never applies by accident.
 */
export async function targetHostName(target: Target): Promise<string | undefined> {
  if (target.kind === 'live') return hostname();
  try {
    const name = (await target.readText('/etc/hostname', { maxBytes: 4096 })).trim().split(/\s+/)[0];
    return name || undefined;
  } catch {
    return undefined;
  }
}
