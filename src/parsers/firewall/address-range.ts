import { ipVersion } from '../ip-version.js';
import type { AddressRange, Family } from './model.js';

// Addresses as integers, so CIDRs, single addresses and `a-b` ranges all become [first, last] intervals.

export function familyBits(family: Family): number {
  return family === 'ipv4' ? 32 : 128;
}

export function parseAddress(text: string): { family: Family; value: bigint } | undefined {
  const host = text.replace(/^\[|\]$/g, '');
  const version = ipVersion(host);
  if (version === 4) {
    return { family: 'ipv4', value: host.split('.').reduce((sum, octet) => (sum << 8n) | BigInt(octet), 0n) };
  }
  if (version !== 6) return undefined;
  let address = host.replace(/%.*$/, '');
  const embedded = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (embedded) {
    const v4 = parseAddress(embedded[1]!)!.value;
    address = `${address.slice(0, -embedded[1]!.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = [...headGroups, ...zeros, ...tailGroups];
  return { family: 'ipv6', value: groups.reduce((sum, group) => (sum << 16n) | BigInt(`0x${group || '0'}`), 0n) };
}

/** `10.0.0.0/8`, `10.0.0.5`, `10.0.0.1-10.0.0.9`, `2001:db8::/32`; undefined when not one of these. */
export function parseAddressRange(text: string): AddressRange | undefined {
  const dash = text.indexOf('-');
  if (dash > 0) {
    const first = parseAddress(text.slice(0, dash));
    const last = parseAddress(text.slice(dash + 1));
    if (!first || !last || first.family !== last.family || first.value > last.value) return undefined;
    return { family: first.family, first: first.value, last: last.value, text };
  }
  const [host = '', prefixText] = text.split('/');
  const address = parseAddress(host);
  if (!address) return undefined;
  const bits = familyBits(address.family);
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits || !/^\d*$/.test(prefixText ?? '')) return undefined;
  const hostBits = BigInt(bits - prefix);
  const first = (address.value >> hostBits) << hostBits;
  return { family: address.family, first, last: first + (1n << hostBits) - 1n, text };
}

export function formatAddress(family: Family, value: bigint): string {
  if (family === 'ipv4') return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 does.
  let best = { start: -1, length: 0 };
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === '0') length++;
    if (length > best.length && length > 1) best = { start, length };
  }
  if (best.start === -1) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

export function rangeContains(range: AddressRange, family: Family, value: bigint): boolean {
  return range.family === family && range.first <= value && value <= range.last;
}
