// IPAddressAllow=/IPAddressDeny= as systemd 252 parses them (config_parse_in_addr_prefixes() in
// src/shared/in-addr-prefix-util.c) and as the offline security check reads them (get_security_info()).
import { ipVersion } from '../../parsers/ip-version.js';
import type { UnitAssignment } from '../../parsers/systemd-unit.js';

export interface IpAccess {
  /** Both 0.0.0.0/0 and ::/0 are denied. */
  denyAll: boolean;
  /** The allow list names a loopback prefix. */
  allowLocalhost: boolean;
  /** The allow list names anything else. */
  allowOther: boolean;
}

interface Prefix {
  family: 4 | 6;
  /** IPv4 first octet, to recognise 127/8; undefined for IPv6. */
  firstOctet?: number;
  /** IPv6 loopback (::1). */
  loopback6?: boolean;
  length: number;
}

/** The keywords in_addr_prefixes_from_string() accepts, as the prefixes they stand for. */
const KEYWORDS: Record<string, Prefix[]> = {
  any: [
    { family: 4, firstOctet: 0, length: 0 },
    { family: 6, length: 0 },
  ],
  localhost: [
    { family: 4, firstOctet: 127, length: 8 },
    { family: 6, loopback6: true, length: 128 },
  ],
  'link-local': [
    { family: 4, firstOctet: 169, length: 16 },
    { family: 6, length: 64 },
  ],
  multicast: [
    { family: 4, firstOctet: 224, length: 4 },
    { family: 6, length: 8 },
  ],
};

/** One word: a keyword or ADDRESS[/LENGTH]; undefined when systemd would log it as invalid and skip it. */
export function parsePrefixes(word: string): Prefix[] | undefined {
  const keyword = KEYWORDS[word];
  if (keyword) return keyword;
  const slash = word.indexOf('/');
  const address = slash < 0 ? word : word.slice(0, slash);
  const lengthText = slash < 0 ? undefined : word.slice(slash + 1);
  const family = ipVersion(address) || undefined;
  if (!family) return undefined;
  const max = family === 4 ? 32 : 128;
  if (lengthText !== undefined && !/^\d{1,3}$/.test(lengthText)) return undefined;
  const length = lengthText === undefined ? max : Number(lengthText);
  if (length > max) return undefined;
  if (family === 4) return [{ family, firstOctet: Number(address.split('.')[0]), length }];
  return [{ family, loopback6: isIpv6Loopback(address), length }];
}

function isIpv6Loopback(address: string): boolean {
  // ::1 in any spelling: all groups zero but the last, which is 1.
  const [head = '', tail] = address.split('::');
  const groups = tail === undefined ? head.split(':') : [...head.split(':'), '0', ...tail.split(':')];
  const values = groups.filter((group) => group !== '').map((group) => Number.parseInt(group, 16));
  return values.at(-1) === 1 && values.slice(0, -1).every((value) => value === 0);
}

/**
 * in_addr_is_localhost() on the stored (masked) prefix: 127/8 or longer for IPv4, exactly ::1/128 for IPv6
 * (a shorter mask would clear the bits that make it loopback).
 */
function isLocalhost(prefix: Prefix): boolean {
  return prefix.family === 4
    ? prefix.firstOctet === 127 && prefix.length >= 8
    : prefix.loopback6 === true && prefix.length === 128;
}

function prefixesOf(list: readonly UnitAssignment[]): Prefix[] {
  return list.flatMap(({ value }) =>
    value
      .split(/\s+/)
      .filter((word) => word !== '')
      .flatMap((word) => parsePrefixes(word) ?? []),
  );
}

/** The lists after their last reset (an empty assignment), as EffectiveUnit.list() gives them. */
export function applyAddressAccess(allow: readonly UnitAssignment[], deny: readonly UnitAssignment[]): IpAccess {
  const denied = prefixesOf(deny);
  const allowed = prefixesOf(allow);
  return {
    denyAll: [4, 6].every((family) => denied.some((prefix) => prefix.family === family && prefix.length === 0)),
    allowLocalhost: allowed.some(isLocalhost),
    allowOther: allowed.some((prefix) => !isLocalhost(prefix)),
  };
}
