// https://wiki.nftables.org/wiki-nftables/index.php/Verdict_Maps_(vmaps) — `KEY vmap { value : verdict, ... }`.
// A verdict map becomes one rule per element, `KEY == value` then the element's verdict. Elements of one map hold
// distinct keys, so at most one of those rules matches a packet, and a packet whose key is in no element goes on to
// the next rule, as nft does. A key the model does not read becomes an unknown match, so each element is followed
// both ways; a map whose elements can't be read (a named map) is one undecided rule, taken or not.
import type { Action, Family, FirewallRule, Match, Origin } from './firewall/model.js';
import { normaliseProtocol, parseAddressValues, parsePortValues } from './firewall/values.js';

/** What a verdict map looks up, in the model's terms. */
export type VmapKey =
  | { kind: 'ctState' }
  /** `meta protocol` (ip, ip6) or `meta nfproto` (ipv4, ipv6). */
  | { kind: 'family' }
  /** `meta l4proto`. */
  | { kind: 'protocol' }
  | { kind: 'dport'; protocol: string }
  | { kind: 'interface'; direction: 'in' | 'out' }
  | { kind: 'address'; field: 'saddr' | 'daddr'; family: Family };

export interface VmapElement {
  key: string;
  /** Undefined: a verdict the model does not know (queue, ...). */
  verdict?: Action;
}

const FAMILY_NAMES: Record<string, Family> = { ip: 'ipv4', ipv4: 'ipv4', ip6: 'ipv6', ipv6: 'ipv6' };

/** The selector words of a map key (`ct state`, `meta l4proto`, `tcp dport`, `iifname`, `ip saddr`), if modelled. */
export function vmapKeyOf(words: readonly string[]): VmapKey | undefined {
  const [first = '', second = ''] = words[0] === 'meta' ? words.slice(1) : words;
  if (first === 'ct' && second === 'state') return { kind: 'ctState' };
  if (first === 'protocol' || first === 'nfproto') return { kind: 'family' };
  if (first === 'l4proto') return { kind: 'protocol' };
  if (['iif', 'iifname', 'oif', 'oifname'].includes(first)) {
    return { kind: 'interface', direction: first.startsWith('i') ? 'in' : 'out' };
  }
  if (['tcp', 'udp', 'th', 'sctp', 'dccp', 'udplite'].includes(first) && second === 'dport') {
    return { kind: 'dport', protocol: first };
  }
  if ((first === 'ip' || first === 'ip6') && (second === 'saddr' || second === 'daddr')) {
    return { kind: 'address', field: second, family: first === 'ip' ? 'ipv4' : 'ipv6' };
  }
  return undefined;
}

/** `KEY == value` as matches; undefined when the value is not understood. */
function keyMatches(key: VmapKey, value: string): Match[] | undefined {
  switch (key.kind) {
    case 'ctState':
      return [{ kind: 'ctState', negate: false, states: [value.toLowerCase()] }];
    case 'family': {
      const family = FAMILY_NAMES[value];
      return family ? [{ kind: 'family', family }] : undefined;
    }
    case 'protocol':
      return [{ kind: 'protocol', negate: false, protocols: [normaliseProtocol(value)] }];
    case 'dport': {
      const ports = parsePortValues([value]);
      return ports ? [{ kind: 'dport', negate: false, protocols: [key.protocol], ports }] : undefined;
    }
    case 'interface':
      // `iif` may name an interface index; only names can be compared.
      return /^\d+$/.test(value)
        ? undefined
        : [{ kind: 'interface', direction: key.direction, negate: false, names: [value] }];
    case 'address': {
      const ranges = parseAddressValues([value]);
      return ranges ? [{ kind: 'address', field: key.field, family: key.family, negate: false, ranges }] : undefined;
    }
  }
}

/** `accept`, `drop`, `continue`, `return`, `jump NAME`, `goto NAME`; undefined for any other verdict. */
export function verdictAction(words: readonly string[]): Action | undefined {
  const [verb, chain] = words;
  if (words.length === 1 && (verb === 'accept' || verb === 'drop' || verb === 'continue' || verb === 'return')) {
    return { kind: verb };
  }
  if (words.length === 2 && (verb === 'jump' || verb === 'goto') && chain) return { kind: verb, chain };
  return undefined;
}

/**
 * The rules a verdict map stands for, after the rule's other matches (`prefix`). `key` undefined: not modelled;
 * `elements` undefined: not readable. `keyText` names the key in unknown matches.
 */
export function vmapRules(
  prefix: readonly Match[],
  key: VmapKey | undefined,
  keyText: string,
  elements: readonly VmapElement[] | undefined,
  origin: Origin,
): FirewallRule[] {
  const unknownVerdict: Action = { kind: 'unknown', text: `${keyText} vmap` };
  if (!elements) {
    return [{ matches: [...prefix, { kind: 'unknown', text: `${keyText} vmap` }], action: unknownVerdict, origin }];
  }
  return elements.map((element) => ({
    matches: [
      ...prefix,
      ...((key && keyMatches(key, element.key)) ?? [{ kind: 'unknown' as const, text: `${keyText} ${element.key}` }]),
    ],
    action: element.verdict ?? unknownVerdict,
    origin,
  }));
}
