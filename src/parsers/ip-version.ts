// node:net's isIP, without reaching its IPv6 expression for a text that cannot be IPv6: that expression takes ~6 ms to
// compile at its first use, a noticeable part of a whole audit of a tar (issue #15), and most texts are not IPv6.
import { isIP, isIPv4 } from 'node:net';

/**
 * isIP(text): 4, 6 or 0. Every IPv6 text holds two colons at least (`::1`, `fe80::`, eight groups have seven), before
 * any zone, so a text with fewer (a name, `127.0.0.1`, `127.0.0.1:20443`) is IPv4 or nothing.
 */
export function ipVersion(text: string): 0 | 4 | 6 {
  const colon = text.indexOf(':');
  if (colon === -1 || text.indexOf(':', colon + 1) === -1) return isIPv4(text) ? 4 : 0;
  return isIP(text) as 0 | 4 | 6;
}
