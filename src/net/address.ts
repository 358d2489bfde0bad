import { ipVersion } from '../parsers/ip-version.js';

// Classifies the hosts in `host:port` settings. Private ranges follow controls.md: 10/8, 172.16/12, 192.168/16,
// 100.64/10 (CGNAT, used by overlay VPNs), fc00::/7 (ULA), fe80::/10 (link-local).

export type AddressClass = 'loopback' | 'private' | 'wildcard' | 'public' | 'name';

export interface HostPort {
  host: string;
  port?: number;
}

/** Splits `host:port`, `[v6]:port`, a bare host or a bare v6 address. Undefined when the text is not one. */
export function parseHostPort(text: string): HostPort | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value);
  if (bracketed) return withPort(bracketed[1]!, bracketed[2]);
  if (ipVersion(value) === 6) return { host: value };
  const colon = value.lastIndexOf(':');
  if (colon === -1) return { host: value };
  const port = value.slice(colon + 1);
  if (!/^\d{1,5}$/.test(port)) return undefined;
  return withPort(value.slice(0, colon), port);
}

function withPort(host: string, port: string | undefined): HostPort | undefined {
  if (port === undefined) return { host };
  const number = Number(port);
  if (number > 65535) return undefined;
  return { host, port: number };
}

function ipv4Octets(host: string): number[] | undefined {
  if (ipVersion(host) !== 4) return undefined;
  return host.split('.').map(Number);
}

/** Expands an IPv6 address into eight 16-bit groups. */
function ipv6Groups(host: string): number[] | undefined {
  const address = host.replace(/%.*$/, ''); // zone id
  if (ipVersion(address) !== 6) return undefined;
  let text = address;
  const embedded = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (embedded) {
    const octets = embedded[1]!.split('.').map(Number);
    text =
      text.slice(0, -embedded[1]!.length) +
      `${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...(tail !== undefined ? Array(missing).fill('0') : []), ...tailGroups];
  return groups.map((group) => Number.parseInt(group || '0', 16));
}

export function classifyHost(rawHost: string): AddressClass {
  const host = rawHost.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  if (host === '*') return 'wildcard';
  const v4 = ipv4Octets(host);
  if (v4) return classifyV4(v4);
  const v6 = ipv6Groups(host);
  if (v6) {
    if (v6.every((group) => group === 0)) return 'wildcard';
    if (v6.slice(0, 7).every((group) => group === 0) && v6[7] === 1) return 'loopback';
    // IPv4-mapped ::ffff:a.b.c.d takes the IPv4 class.
    if (v6.slice(0, 5).every((group) => group === 0) && v6[5] === 0xffff) {
      return classifyV4([v6[6]! >> 8, v6[6]! & 0xff, v6[7]! >> 8, v6[7]! & 0xff]);
    }
    if ((v6[0]! & 0xfe00) === 0xfc00) return 'private';
    if ((v6[0]! & 0xffc0) === 0xfe80) return 'private';
    return 'public';
  }
  return 'name';
}

function classifyV4([a, b]: number[]): AddressClass {
  if (a === 0) return 'wildcard';
  if (a === 127) return 'loopback';
  if (a === 10) return 'private';
  if (a === 172 && b! >= 16 && b! <= 31) return 'private';
  if (a === 192 && b === 168) return 'private';
  if (a === 100 && b! >= 64 && b! <= 127) return 'private';
  return 'public';
}

/** Loopback or private: reachable only from a trusted network. */
export function isTrustedClass(addressClass: AddressClass): boolean {
  return addressClass === 'loopback' || addressClass === 'private';
}
