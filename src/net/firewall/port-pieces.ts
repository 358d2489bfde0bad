import {
  type Family,
  type FirewallChain,
  type FirewallRule,
  type FirewallRuleset,
  type FirewallTable,
  type PortRange,
  tableFamilies,
} from '../../parsers/firewall/model.js';
import { countExposureWork } from './walk-count.js';

// The port space cut at every boundary a dport match names, found by one sweep over the sorted boundaries. Each
// piece carries what decides it: the dport matches holding it (two pieces held by the same ones are judged once)
// and the rules that can match there at all. A rule with a dport match can only match inside that match's ports,
// so a piece's view of the ruleset is the rules naming no port plus the few naming this one: 8,000 rules each
// naming its own port were 16,000 pieces each specialising all 8,000 rules (43 s, 2.2 GB), and each piece's
// signature was a string with one character per dport match.

export const PORT_MAX = 65535;

export interface PortPiece {
  ports: PortRange;
  /** The dport matches (by occurrence, in rule order) holding the piece, as a key: equal keys, equal judgements. */
  signature: string;
  /** The rules whose (first un-negated) dport match holds the piece, each with its chain and position. */
  rules: PlacedRule[];
}

export interface PlacedRule {
  table: FirewallTable;
  chain: FirewallChain;
  /** Position in the chain. */
  position: number;
  rule: FirewallRule;
}

export interface PortPieces {
  pieces: PortPiece[];
  /** Positions of the rules that name no port (or only negated ones), per chain: in every piece's view. */
  anyPort: Map<FirewallChain, number[]>;
  /** A port no dport match names, to read the effective default policy (65535 when every port is named). */
  unnamed: number;
}

/** Whether the dport match carries a port for TCP at all: one that doesn't never matches (see matchOne). */
function carriesPort(protocols: readonly string[]): boolean {
  return protocols.some((protocol) => ['tcp', '6', 'th'].includes(protocol));
}

export function portPieces(ruleset: FirewallRuleset, family: Family): PortPieces {
  // Boundaries: +id opens match occurrence `id` at a port, -id-1 closes it.
  const events = new Map<number, number[]>();
  const cut = (port: number) => {
    let list = events.get(port);
    if (!list) {
      list = [];
      events.set(port, list);
    }
    return list;
  };
  cut(1);
  cut(PORT_MAX + 1);
  /** The rule a match occurrence keys, when it is its rule's first un-negated dport match. */
  const keyed = new Map<number, PlacedRule>();
  const anyPort = new Map<FirewallChain, number[]>();
  let id = 0;
  for (const table of ruleset.tables) {
    if (!tableFamilies(table.family).includes(family)) continue;
    for (const chain of table.chains) {
      const independent: number[] = [];
      chain.rules.forEach((rule, position) => {
        let key: number | undefined;
        for (const match of rule.matches) {
          if (match.kind !== 'dport') continue;
          const occurrence = id++;
          if (key === undefined && !match.negate) {
            key = occurrence;
            // Matches no TCP port: the rule is in no piece's view (key set, never held).
            if (carriesPort(match.protocols)) keyed.set(occurrence, { table, chain, position, rule });
          }
          for (const range of match.ports) {
            const from = Math.max(1, range.from);
            const end = Math.min(PORT_MAX + 1, range.to + 1);
            // A range that ends before it starts holds no port, but still cuts (as the pieces always did).
            const opens = cut(from);
            const closes = cut(end);
            if (from < end) {
              opens.push(occurrence);
              closes.push(-occurrence - 1);
            }
          }
        }
        if (key === undefined) independent.push(position);
      });
      countExposureWork(chain.rules.length);
      anyPort.set(chain, independent);
    }
  }
  const cuts = [...events.keys()].sort((a, b) => a - b);
  // How many of a match's ranges hold the current piece (a set may list overlapping ranges).
  const holding = new Map<number, number>();
  const pieces: PortPiece[] = [];
  let unnamed: number | undefined;
  for (let index = 0; index + 1 < cuts.length; index++) {
    const from = cuts[index]!;
    for (const event of events.get(from)!) {
      if (event >= 0) holding.set(event, (holding.get(event) ?? 0) + 1);
      else {
        const occurrence = -event - 1;
        const left = holding.get(occurrence)! - 1;
        if (left > 0) holding.set(occurrence, left);
        else holding.delete(occurrence);
      }
    }
    const held = [...holding.keys()].sort((a, b) => a - b);
    countExposureWork(held.length + 1);
    if (held.length === 0) unnamed ??= from;
    const rules: PlacedRule[] = [];
    for (const occurrence of held) {
      const placed = keyed.get(occurrence);
      if (placed) rules.push(placed);
    }
    pieces.push({ ports: { from, to: cuts[index + 1]! - 1 }, signature: held.join(','), rules });
  }
  return { pieces, anyPort, unnamed: unnamed ?? PORT_MAX };
}
