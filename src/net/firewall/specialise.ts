import type {
  FirewallChain,
  FirewallRule,
  FirewallRuleset,
  FirewallTable,
  Match,
} from '../../parsers/firewall/model.js';
import { type BaseChain, baseChains, chainNamed, matchOne, type Packet } from './evaluate.js';

// Exposure asks the same question for many sources at one port and input interface. For that port and interface,
// most rules can't match whoever connects (another port, another interface): they are dropped, and the matches
// whose answer doesn't depend on the source are dropped too, so the walk over sources (source-walk.ts) only
// compares addresses.
// Dropping a rule that can't match and a match that always says yes changes no walk: the walker skips the first
// and the second never decides anything.

/** A packet with everything but its source address fixed. */
export type FixedPacket = Omit<Packet, 'saddr'>;

export interface SourceView {
  /** The input base chains as the fixed packet sees them: rules that may match, matches that may differ. */
  chains: BaseChain[];
  /**
   * Sorted, distinct boundaries (first, last + 1) of the source ranges of rules the walk can reach: two sources
   * between the same two boundaries take the same way through the ruleset.
   */
  cuts: bigint[];
}

function dependsOnSource(match: Match, packet: FixedPacket): boolean {
  return match.kind === 'address' && match.field === 'saddr' && match.family === packet.family;
}

/** The rule as it stands for `packet`, or undefined when it can't match whatever the source. */
function specialiseRule(rule: FirewallRule, packet: FixedPacket): FirewallRule | undefined {
  const kept: Match[] = [];
  for (const match of rule.matches) {
    if (dependsOnSource(match, packet)) {
      kept.push(match);
      continue;
    }
    const result = matchOne(match, packet);
    if (result === 'no') return undefined;
    if (result === 'maybe') kept.push(match);
  }
  return kept.length === rule.matches.length ? rule : { ...rule, matches: kept };
}

function specialiseChain(chain: FirewallChain, packet: FixedPacket): FirewallChain {
  const rules: FirewallRule[] = [];
  for (const rule of chain.rules) {
    const specialised = specialiseRule(rule, packet);
    if (specialised) rules.push(specialised);
  }
  return { ...chain, rules };
}

function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The ruleset as `packet`'s family, port and interfaces see it, whatever its source. Only chains the input base
 * chains can reach are kept (a jump finds its target by name, as the walker does, and the first chain of a name is
 * always among them), so NAT and forward chains cost nothing.
 */
export function sourceView(ruleset: FirewallRuleset, packet: FixedPacket): SourceView {
  const cuts = new Set<bigint>();
  const specialised = new Map<FirewallChain, FirewallChain>();
  const queue = baseChains(ruleset, packet.family, 'input');
  for (let index = 0; index < queue.length; index++) {
    const { table, chain } = queue[index]!;
    if (specialised.has(chain)) continue;
    const view = specialiseChain(chain, packet);
    specialised.set(chain, view);
    for (const rule of view.rules) {
      for (const match of rule.matches) {
        if (match.kind !== 'address' || !dependsOnSource(match, packet)) continue;
        for (const range of match.ranges) cuts.add(range.first).add(range.last + 1n);
      }
      const action = rule.action;
      if (action.kind !== 'jump' && action.kind !== 'goto') continue;
      const target = chainNamed(table, action.chain);
      if (target && !specialised.has(target)) queue.push({ table, chain: target });
    }
  }
  const tables: FirewallTable[] = ruleset.tables.map((table) => ({
    ...table,
    chains: table.chains.flatMap((chain) => {
      const view = specialised.get(chain);
      return view ? [view] : [];
    }),
  }));
  return {
    chains: baseChains({ tables, problems: ruleset.problems }, packet.family, 'input'),
    cuts: [...cuts].sort(compareBigints),
  };
}
