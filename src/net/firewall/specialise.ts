import type {
  FirewallChain,
  FirewallRule,
  FirewallRuleset,
  FirewallTable,
  Match,
} from '../../parsers/firewall/model.js';
import { type BaseChain, baseChains, chainNamed, matchOne, type Packet } from './evaluate.js';
import { countExposureWork } from './walk-count.js';

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

function specialiseChain(
  chain: FirewallChain,
  candidates: readonly FirewallRule[],
  packet: FixedPacket,
): FirewallChain {
  countExposureWork(candidates.length + 1);
  const rules: FirewallRule[] = [];
  for (const rule of candidates) {
    const specialised = specialiseRule(rule, packet);
    if (specialised) rules.push(specialised);
  }
  return { ...chain, rules };
}

/** Where a view looks: the base chains, and the rules of a chain that may match at all. */
export interface ViewScope {
  /** The family's input base chains, as baseChains gives them. */
  bases: readonly BaseChain[];
  /** The rules of `chain` that may match the fixed packet, in chain order; leaving out ones that can't is all. */
  rulesOf(chain: FirewallChain): readonly FirewallRule[];
}

const chainOrders = new WeakMap<FirewallTable, Map<FirewallChain, number>>();

/** Each chain's position in its table, indexed once per table. */
function chainOrder(table: FirewallTable): Map<FirewallChain, number> {
  let order = chainOrders.get(table);
  if (!order) {
    order = new Map(table.chains.map((chain, index) => [chain, index]));
    chainOrders.set(table, order);
  }
  return order;
}

function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The ruleset as `packet`'s family, port and interfaces see it, whatever its source. Only chains the input base
 * chains can reach are kept (a jump finds its target by name, as the walker does, and the first chain of a name is
 * always among them), so NAT and forward chains cost nothing.
 */
export function sourceView(ruleset: FirewallRuleset, packet: FixedPacket, scope?: ViewScope): SourceView {
  const bases = scope?.bases ?? baseChains(ruleset, packet.family, 'input');
  const rulesOf = scope?.rulesOf ?? ((chain: FirewallChain) => chain.rules);
  const cuts = new Set<bigint>();
  const specialised = new Map<FirewallChain, FirewallChain>();
  const reached = new Map<FirewallTable, FirewallChain[]>();
  const queue = [...bases];
  for (let index = 0; index < queue.length; index++) {
    const { table, chain } = queue[index]!;
    if (specialised.has(chain)) continue;
    const view = specialiseChain(chain, rulesOf(chain), packet);
    specialised.set(chain, view);
    const inTable = reached.get(table);
    if (inTable) inTable.push(chain);
    else reached.set(table, [chain]);
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
  // Each table as the walk sees it: the chains reached, in the table's order (a jump takes the first of a name).
  // Built from the chains reached only, so a view of a few rules costs no pass over every chain of the ruleset.
  const tables = new Map<FirewallTable, FirewallTable>();
  for (const [table, chains] of reached) {
    const order = chainOrder(table);
    chains.sort((a, b) => order.get(a)! - order.get(b)!);
    tables.set(table, { ...table, chains: chains.map((chain) => specialised.get(chain)!) });
  }
  return {
    chains: bases.map(({ table, chain }) => ({ table: tables.get(table)!, chain: specialised.get(chain)! })),
    cuts: [...cuts].sort(compareBigints),
  };
}
