// `Match` lines of sshd_config: parsed like servconf.c match_cfg_line() and evaluated with match.c/addrmatch.c
// semantics (comma pattern lists with `!` negation, `*`/`?` wildcards, CIDR for addresses).

import { type LineCursor, strdelim } from './sshd-config-syntax.js';

/** The connection a Match is evaluated for, as `sshd -T -C user=..,host=..,addr=..[,laddr=..,lport=..,rdomain=..]`. */
export interface SshdConnection {
  user: string;
  host: string;
  addr: string;
  laddr?: string;
  lport?: number;
  rdomain?: string;
  /** Names of the user's groups (primary and supplementary); `Match Group` never matches without them. */
  groups?: string[];
}

export type MatchAttribute = 'user' | 'group' | 'host' | 'address' | 'localaddress' | 'localport' | 'rdomain';

export interface MatchCriterion {
  attribute: MatchAttribute;
  patterns: string;
}

export type MatchCondition = { all: true } | { all: false; criteria: MatchCriterion[] };

const ATTRIBUTES: readonly string[] = ['user', 'group', 'host', 'address', 'localaddress', 'localport', 'rdomain'];

/**
 * Parses the text after `Match`; an error string when sshd would stop with "Bad Match condition". Errors name only
 * attributes we know, never the line's text (an included secret file would be quoted).
 */
export function parseMatchCondition(text: string): MatchCondition | { error: string } {
  const cursor: LineCursor = { rest: text };
  const criteria: MatchCriterion[] = [];
  for (;;) {
    const attribute = strdelim(cursor);
    if (attribute === undefined || attribute === '') break;
    if (attribute.startsWith('#')) break;
    const name = attribute.toLowerCase();
    if (name === 'all') {
      const extra = strdelim(cursor);
      if (criteria.length > 0 || (extra !== undefined && extra !== '' && !extra.startsWith('#'))) {
        return { error: "'all' cannot be combined with other Match attributes" };
      }
      return { all: true };
    }
    const patterns = strdelim(cursor);
    if (patterns === undefined || patterns === '' || patterns.startsWith('#')) {
      return { error: ATTRIBUTES.includes(name) ? `Missing Match criteria for ${name}` : 'Missing Match criteria' };
    }
    if (!ATTRIBUTES.includes(name)) return { error: 'Unsupported Match attribute' };
    const criterion: MatchCriterion = { attribute: name as MatchAttribute, patterns };
    if ((name === 'address' || name === 'localaddress') && addrMatchList(undefined, patterns) !== 0) {
      return { error: `Invalid Match ${name} argument` };
    }
    if (name === 'localport' && parsePort(patterns) === undefined) {
      return { error: 'Invalid LocalPort on Match line' };
    }
    criteria.push(criterion);
  }
  if (criteria.length === 0) return { error: 'One or more attributes required for Match' };
  return { all: false, criteria };
}

/** Outcome of evaluating a Match line for a connection; `missing` names -C fields sshd -T would demand. */
export interface MatchOutcome {
  matched: boolean;
  missing?: string;
}

export function evaluateMatch(condition: MatchCondition, connection: SshdConnection): MatchOutcome {
  if (condition.all) return { matched: true };
  let matched = true;
  for (const { attribute, patterns } of condition.criteria) {
    switch (attribute) {
      case 'user':
        if (matchPatternList(connection.user, patterns, false) !== 1) matched = false;
        break;
      case 'group':
        if (!matchGroups(connection.groups ?? [], patterns)) matched = false;
        break;
      case 'host':
        if (matchPatternList(connection.host.toLowerCase(), patterns, true) !== 1) matched = false;
        break;
      case 'address':
        if (addrMatchList(connection.addr, patterns) !== 1) matched = false;
        break;
      case 'localaddress':
        // sshd -T: an absent laddr makes the criterion false rather than fatal.
        if (connection.laddr === undefined || addrMatchList(connection.laddr, patterns) !== 1) matched = false;
        break;
      case 'localport':
        if (connection.lport === undefined) return { matched: false, missing: 'lport' };
        if (parsePort(patterns) !== connection.lport) matched = false;
        break;
      case 'rdomain':
        if (connection.rdomain === undefined || matchPatternList(connection.rdomain, patterns, false) !== 1) {
          matched = false;
        }
        break;
    }
  }
  return { matched };
}

/** groupaccess.c ga_match_pattern_list(): any group matching positively, unless one matches a negation. */
function matchGroups(groups: string[], patterns: string): boolean {
  let found = false;
  for (const group of groups) {
    const result = matchPatternList(group, patterns, false);
    if (result === -1) return false;
    if (result === 1) found = true;
  }
  return found;
}

/** match.c match_pattern(): `*` and `?` wildcards only. */
export function matchPattern(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** match.c match_pattern_list(): 1 on a positive match, -1 when a `!` pattern matches, 0 otherwise. */
export function matchPatternList(text: string, list: string, lowercasePatterns: boolean): -1 | 0 | 1 {
  let positive = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    let pattern = negated ? raw.slice(1) : raw;
    if (lowercasePatterns) pattern = pattern.toLowerCase();
    if (matchPattern(text, pattern)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

/** misc.c a2port() for numbers (0 is rejected by callers); service names other than "ssh" are not known here. */
export function parsePort(text: string): number | undefined {
  if (text === 'ssh') return 22;
  if (!/^[ \t]*\+?\d+$/.test(text)) return undefined;
  const port = Number(text.trim());
  return port >= 0 && port <= 65535 ? port : undefined;
}

interface ParsedAddress {
  family: 4 | 6;
  bytes: number[];
}

/** addrmatch.c addr_match_list(): 1 match, 0 no match, -1 negated match, -2 malformed list. */
export function addrMatchList(addr: string | undefined, list: string): -2 | -1 | 0 | 1 {
  let tryAddr: ParsedAddress | undefined;
  if (addr !== undefined) {
    tryAddr = parseAddress(addr);
    if (tryAddr === undefined) return 0;
  }
  let result: -1 | 0 | 1 = 0;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const entry = negated ? raw.slice(1) : raw;
    if (entry === '') return -2;
    const cidr = parseCidr(entry);
    if (cidr === 'inconsistent') return -2;
    let found = false;
    if (cidr !== undefined) {
      found = tryAddr !== undefined && netMatch(tryAddr, cidr.address, cidr.maskLength);
    } else if (addr !== undefined) {
      found = matchPattern(addr, entry);
    }
    if (found) {
      if (negated) return -1;
      result = 1;
    }
  }
  return result;
}

function parseCidr(text: string): { address: ParsedAddress; maskLength: number } | 'inconsistent' | undefined {
  const slash = text.indexOf('/');
  const address = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (address === undefined) return undefined;
  const max = address.family === 4 ? 32 : 128;
  let maskLength = max;
  if (slash >= 0) {
    const maskText = text.slice(slash + 1);
    if (!/^\d+$/.test(maskText)) return undefined;
    maskLength = Number(maskText);
    if (maskLength > max) return undefined;
  }
  // addr_pton_cidr() rejects a network whose host bits are set ("inconsistent mask length").
  if (!netMatch(address, { family: address.family, bytes: maskBytes(address, maskLength) }, max)) {
    return 'inconsistent';
  }
  return { address, maskLength };
}

function maskBytes(address: ParsedAddress, maskLength: number): number[] {
  return address.bytes.map((byte, i) => {
    const bits = Math.max(0, Math.min(8, maskLength - i * 8));
    return byte & ((0xff << (8 - bits)) & 0xff);
  });
}

function netMatch(host: ParsedAddress, network: ParsedAddress, maskLength: number): boolean {
  if (host.family !== network.family) return false;
  const masked = maskBytes(host, maskLength);
  const net = maskBytes(network, maskLength);
  return masked.every((byte, i) => byte === net[i]);
}

/** Numeric IPv4 (dotted quad) or IPv6 address, as getaddrinfo(AI_NUMERICHOST) accepts them in practice. */
export function parseAddress(text: string): ParsedAddress | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, bytes: v4 };
  if (!text.includes(':')) return undefined;
  // The zone (`fe80::1%eth0`) is cut at the first `%` by index: `replace(/%.*$/)` retried from every `%` of a line
  // of them when a newline followed, quadratic in the line (issue #18).
  const zone = text.indexOf('%');
  const v6 = parseIPv6(zone < 0 ? text : text.slice(0, zone));
  return v6 === undefined ? undefined : { family: 6, bytes: v6 };
}

function parseIPv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return undefined;
  return parts.map(Number);
}

function parseIPv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIPv4(part);
        if (v4 === undefined) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        out.push(Number.parseInt(part, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || (halves.length === 2 && fill < 1)) return undefined;
  const words = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  return words.flatMap((word) => [word >> 8, word & 0xff]);
}
