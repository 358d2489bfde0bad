// The common firewall model every reader (nftables text, `nft -j`, iptables-save, ufw) produces: tables of chains of
// rules, each rule a list of matches and one action. Only what decides a new inbound TCP connection is modelled;
// anything else a reader meets becomes an `unknown` match, never a silent accept or drop.

export type Family = 'ipv4' | 'ipv6';
export const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];

/** nftables table families; iptables tables are `ip` (iptables) or `ip6` (ip6tables). */
export type TableFamily = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';
export type Backend = 'nftables' | 'iptables' | 'ufw';

/** Where a rule, chain or policy was written (a file and line), or what produced it. */
export interface Origin {
  file?: string;
  line?: number;
  text: string;
}

export interface PortRange {
  from: number;
  to: number;
}

/** A contiguous block of addresses (a CIDR, a single address or an `a-b` range), as written. */
export interface AddressRange {
  family: Family;
  first: bigint;
  last: bigint;
  text: string;
}

export type Match =
  /** The rule applies to one family only (`meta nfproto ipv4`, `ip saddr ...` in an inet table). */
  | { kind: 'family'; family: Family }
  /** Layer-4 protocol (`meta l4proto`, `ip protocol`, `-p`); `icmp type ...` is a protocol match too. */
  | { kind: 'protocol'; negate: boolean; protocols: string[] }
  /** Destination port; implies one of `protocols` (`th` = any transport header). */
  | { kind: 'dport'; negate: boolean; protocols: string[]; ports: PortRange[] }
  | { kind: 'address'; field: 'saddr' | 'daddr'; family: Family; negate: boolean; ranges: AddressRange[] }
  /** Interface names; a trailing `*` (nft) or `+` (iptables) is a prefix wildcard, kept as `*`. */
  | { kind: 'interface'; direction: 'in' | 'out'; negate: boolean; names: string[] }
  | { kind: 'ctState'; negate: boolean; states: string[] }
  /** Anything not understood: it may or may not match. */
  | { kind: 'unknown'; text: string };

export type Action =
  | { kind: 'accept' | 'drop' | 'reject' | 'return' | 'continue' }
  | { kind: 'jump' | 'goto'; chain: string }
  /** Destination NAT: the packet is forwarded to `address`(:`port`), through the forward hook, not input. */
  | { kind: 'dnat'; address?: string; port?: number }
  /** Other NAT statements (snat, masquerade, redirect): they filter nothing. */
  | { kind: 'nat' }
  /** A verdict not understood (queue, vmap, ...). */
  | { kind: 'unknown'; text: string };

export interface FirewallRule {
  matches: Match[];
  action: Action;
  origin: Origin;
}

export interface FirewallChain {
  name: string;
  /** Base chains only: the netfilter hook (`input`, `forward`, `prerouting`, ...). */
  hook?: string;
  /** `filter`, `nat`, `route`; iptables' mangle/raw chains are `other`. */
  type: string;
  priority: number;
  /** What a base chain does with a packet no rule decided. */
  policy: 'accept' | 'drop';
  rules: FirewallRule[];
  origin?: Origin;
}

export interface FirewallTable {
  backend: Backend;
  family: TableFamily;
  name: string;
  chains: FirewallChain[];
}

export interface FirewallProblem {
  file?: string;
  line?: number;
  message: string;
  /** The loader itself would refuse this (`nft -f` is atomic): none of the file's ruleset takes effect. */
  rejects?: boolean;
  /** A file over a parse limit (PARSE_LIMITS.nftText), not read: the ruleset cannot be judged. */
  limit?: true;
}

export interface FirewallRuleset {
  tables: FirewallTable[];
  /** Statements a reader could not understand (the verdict is then conservative). */
  problems: FirewallProblem[];
}

/** The families a table's chains see: `inet` both, `ip` IPv4, `ip6` IPv6, others none (not IP filtering). */
export function tableFamilies(family: TableFamily): Family[] {
  if (family === 'inet') return ['ipv4', 'ipv6'];
  if (family === 'ip') return ['ipv4'];
  if (family === 'ip6') return ['ipv6'];
  return [];
}

export function formatPorts(range: PortRange): string {
  return range.from === range.to ? String(range.from) : `${range.from}-${range.to}`;
}

/** Rulesets loaded side by side (nftables and ufw's iptables-nft tables): every base chain of a hook must accept. */
export function mergeRulesets(rulesets: readonly FirewallRuleset[]): FirewallRuleset {
  return {
    tables: rulesets.flatMap((ruleset) => ruleset.tables),
    problems: rulesets.flatMap((ruleset) => ruleset.problems),
  };
}
