import { parseAddress } from '../../parsers/firewall/address-range.js';
import {
  type Action,
  type Family,
  type FirewallChain,
  type FirewallRule,
  type FirewallRuleset,
  type FirewallTable,
  type Match,
  type Origin,
  tableFamilies,
} from '../../parsers/firewall/model.js';
import { runSteps, type Step } from './trampoline.js';
import { countRule, countWaysCopied } from './walk-count.js';
import { appendOrigins, EMPTY_SEQ, join, type Seq, single } from './ways.js';

// Follows a new inbound TCP connection through every base chain of a hook, the way netfilter does: chains by
// priority, `accept` ends one base chain only, `drop`/`reject` anywhere is final, jumps return, gotos don't.
// A match the model can't decide (an unknown expression, the host's own address) is followed both ways; when the
// two ways disagree, the port is "possibly open". Where both ways meet again at the next rule (a `continue`,
// a log, a jump that comes back as it went) only the way that skipped the rule is walked (see rejoins).

export const ROUTED_TO_TARGET = '\u0000routed';

export type Reach = 'open' | 'closed' | 'possibly-open';

export interface Packet {
  family: Family;
  dport: number;
  /** Undefined: an address no rule names. */
  saddr?: bigint;
  /** Undefined: unknown (input: one of the host's own addresses). */
  daddr?: bigint;
  /** Undefined: an interface no rule names (never `lo`: the connection comes from outside). */
  iif?: string;
  /**
   * null: no output interface (input hook); ROUTED_TO_TARGET: the interface towards a DNAT target, taken to be the
   * one the forward rules name (Docker's `-o docker0`); undefined: unknown.
   */
  oif?: string | null;
  /** Conntrack state of the packet; undefined: `new` (the first packet of an inbound connection). */
  ctState?: 'new' | 'established' | 'related';
}

export interface Verdict {
  reach: Reach;
  /** The rules and policies that decided (accepting rules when open, dropping ones when closed). */
  decidedBy: Origin[];
  /** Rules followed both ways because they could not be decided. */
  uncertain: Origin[];
}

export type Outcome = 'accept' | 'drop' | 'unknown' | 'return';
/** One way through a chain (the walker follows an undecided rule both ways). */
export interface Path {
  outcome: Outcome;
  origin?: Origin;
  /** Undecided rules on the way, assumed to match or not. */
  uncertain: Seq;
  /** How many undecided rules this way assumed to match: a way that assumed none is certain for some packet. */
  assumed: number;
}

export const MAX_DEPTH = 32;
const MAX_PATHS = 256;
/** Ways kept while walking: one past MAX_PATHS, so cap still sees that there were too many. */
export const KEPT = MAX_PATHS + 1;

export type Tri = 'yes' | 'no' | 'maybe';

function matchName(pattern: string, name: string | undefined): boolean {
  if (pattern.endsWith('*')) return name === undefined ? pattern === '*' : name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}

export function negated(result: boolean, negate: boolean): Tri {
  return result !== negate ? 'yes' : 'no';
}

export function matchOne(match: Match, packet: Packet): Tri {
  switch (match.kind) {
    case 'family':
      return match.family === packet.family ? 'yes' : 'no';
    case 'protocol':
      return negated(match.protocols.includes('tcp') || match.protocols.includes('6'), match.negate);
    case 'dport': {
      const carriesPort = match.protocols.some((protocol) => ['tcp', '6', 'th'].includes(protocol));
      if (!carriesPort) return 'no';
      const inside = match.ports.some((range) => range.from <= packet.dport && packet.dport <= range.to);
      return negated(inside, match.negate);
    }
    case 'address': {
      if (match.family !== packet.family) return 'no';
      const value = match.field === 'saddr' ? packet.saddr : packet.daddr;
      if (value === undefined && match.field === 'daddr') return 'maybe';
      const inside = value !== undefined && match.ranges.some((range) => range.first <= value && value <= range.last);
      return negated(inside, match.negate);
    }
    case 'interface': {
      const name = match.direction === 'in' ? packet.iif : packet.oif;
      if (name === undefined && match.direction === 'out') return 'maybe';
      if (name === null) return negated(false, match.negate);
      if (name === ROUTED_TO_TARGET) return negated(true, match.negate);
      return negated(
        match.names.some((pattern) => matchName(pattern, name)),
        match.negate,
      );
    }
    case 'ctState':
      return negated(match.states.includes(packet.ctState ?? 'new'), match.negate);
    case 'unknown':
      return 'maybe';
  }
}

function matchRule(rule: FirewallRule, packet: Packet): Tri {
  let result: Tri = 'yes';
  for (const match of rule.matches) {
    const one = matchOne(match, packet);
    if (one === 'no') return 'no';
    if (one === 'maybe') result = 'maybe';
  }
  return result;
}

export type Way = Pick<Path, 'uncertain' | 'assumed'>;

export const NO_WAY: Way = { uncertain: EMPTY_SEQ, assumed: 0 };

/** The way on past an undecided rule, assumed to match. */
export function undecided(way: Way, origin: Origin): Way {
  return { uncertain: join(way.uncertain, single(origin)), assumed: way.assumed + 1 };
}

/** The way on past an undecided rule, assumed not to match. */
export function skipped(way: Way, origin: Origin): Way {
  return { uncertain: join(way.uncertain, single(origin)), assumed: way.assumed };
}

/** `first` then `second`. */
export function thenWay(first: Way, second: Way): Way {
  if (first.uncertain.size === 0 && first.assumed === 0) return second;
  return { uncertain: join(first.uncertain, second.uncertain), assumed: first.assumed + second.assumed };
}

/**
 * Ways walked from some rule on, each put after `way`. Walks are done relative to where they start (no way
 * behind them), so one walk of a chain's rest serves every way that reaches it.
 */
export function after(way: Way, paths: readonly Path[]): Path[] {
  if (way.uncertain.size === 0 && way.assumed === 0) return paths as Path[];
  // Put after a list that was itself put after a way: the two ways are joined once and every path hangs off that
  // one join, instead of each path getting a join of its own at every level. n undecided jumps to a chain that
  // comes back two ways kept 257 ways of n distinct joins each (257 x 20k nodes, 2.2 GB, and as many to read back).
  const made = madeAfter.get(paths);
  const prefix = made ? thenWay(way, made.prefix) : way;
  const base = made ? made.base : paths;
  const out = base.length >= KEPT ? lazyAfter(prefix, base) : putAfter(prefix, base);
  madeAfter.set(out, { prefix, base });
  return out;
}

/**
 * A full list put after `prefix`, made only when a way in it is read: a full list is mostly only put after another
 * way (the caller's rule, the rest of its chain) and passed up, and making its 257 ways at each of n rules was
 * 257 x n. Reading any element or method makes the whole list once; its length is known without.
 */
function lazyAfter(prefix: Way, base: readonly Path[]): Path[] {
  let made: Path[] | undefined;
  const make = () => {
    made ??= putAfter(prefix, base);
    return made;
  };
  return new Proxy([] as Path[], {
    get: (_target, key) => (key === 'length' ? base.length : Reflect.get(make(), key)),
    has: (_target, key) => Reflect.has(make(), key),
    ownKeys: () => Reflect.ownKeys(make()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(make(), key);
      return descriptor && key !== 'length' ? { ...descriptor, configurable: true } : descriptor;
    },
    set: () => false,
  });
}

function putAfter(prefix: Way, base: readonly Path[]): Path[] {
  countWaysCopied(base.length);
  return base.map((path) => ({ ...path, ...thenWay(prefix, path) }));
}

/** Lists `after` made: the way they were put after, and the list that way was put before. */
const madeAfter = new WeakMap<readonly Path[], { prefix: Way; base: readonly Path[] }>();

/** Appends `more` to `paths` up to KEPT: past that many, later ways are never looked at (cap keeps the first). */
export function keepAppending(paths: Path[], more: readonly Path[]): void {
  for (const path of more) {
    if (paths.length >= KEPT) return;
    paths.push(path);
  }
}

/**
 * `paths` then `more`, up to KEPT, as a new list: `more` itself when `paths` is empty and `more` is full (and
 * `paths` when it is full), so a full list `after` made is not copied and stays one join per way (see after).
 */
export function appended(paths: readonly Path[], more: readonly Path[]): Path[] {
  if (paths.length >= KEPT || more.length === 0) return paths as Path[];
  if (paths.length === 0 && more.length >= KEPT) return more as Path[];
  const out = [...paths];
  keepAppending(out, more);
  return out;
}

/** Whether an undecided rule with this action lets the way go on to the next rule whether it matches or not. */
export function passesOn(action: Action): boolean {
  return action.kind === 'continue' || action.kind === 'nat' || action.kind === 'dnat';
}

/**
 * Whether the way that took an undecided jump and came back by `returned`, the target's last way, is the way that
 * skipped the rule over again: back at the next rule with no other undecided rule on it. Then, like the matched
 * way of an undecided `continue` rule, it reaches the same ends as the skipped way, right before it, differing only
 * in having assumed a match: the verdict never tells such a way from its twin (it adds no accepting or dropping
 * rule, no uncertain rule, and no certain way), so it is not walked. Walking both made n such rules 2^n ways.
 */
export function rejoins(returned: Path | undefined): boolean {
  return returned?.outcome === 'return' && returned.uncertain.size === 0 && returned.assumed === 0;
}

const chainsByName = new WeakMap<FirewallTable, Map<string, FirewallChain>>();

/**
 * The chain a jump or goto names: the first of that name, as Array.find gave. Indexed once per table, so a ruleset
 * of 100k jumps to 100k chains is not a 100k x 100k scan.
 */
export function chainNamed(table: FirewallTable, name: string): FirewallChain | undefined {
  let byName = chainsByName.get(table);
  if (!byName) {
    byName = new Map();
    for (const chain of table.chains) if (!byName.has(chain.name)) byName.set(chain.name, chain);
    chainsByName.set(table, byName);
  }
  return byName.get(name);
}

/** The way a chain ends when no rule decided: back to its caller (a base chain: its policy). */
export function fallOff(chain: FirewallChain): Path {
  return { outcome: 'return', ...(chain.origin ? { origin: chain.origin } : {}), ...NO_WAY };
}

// The walk, in the order netfilter would try the ways. An undecided rule whose action goes on to the next rule
// (`continue`, a counter, a log, NAT) is not a branch: matched or not, the packet is at the next rule, and the
// matched way, which only assumed more, is the unmatched one over again (see rejoins). Such a rule is only added to
// the way's undecided rules. Other undecided rules split the way in two: matched first, then unmatched. Every walk
// is relative to the rule it starts at, so the rest of a chain is walked once for every way that reaches it (a jump
// whose target comes back three ways used to walk the caller's rest three times, and n such jumps 3^n times), and
// a chain is entered once per depth, however many rules jump to it.
class Walker {
  private readonly entered = new Map<FirewallChain, Path[][]>();

  constructor(
    private readonly table: FirewallTable,
    private readonly packet: Packet,
  ) {}

  chain(chain: FirewallChain): Path[] {
    return cap(runSteps(this.enter(chain, 0)));
  }

  private *enter(chain: FirewallChain, depth: number): Step<Path[]> {
    let byDepth = this.entered.get(chain);
    if (!byDepth) {
      byDepth = [];
      this.entered.set(chain, byDepth);
    }
    const known = byDepth[depth];
    if (known) return known;
    const walked = yield this.from(chain, 0, depth);
    byDepth[depth] = walked;
    return walked;
  }

  // from and act recurse once per undecided rule that splits the way and per jump: steps run by runSteps.
  private *from(chain: FirewallChain, index: number, depth: number): Step<Path[]> {
    let way = NO_WAY;
    for (let i = index; i < chain.rules.length; i++) {
      const rule = chain.rules[i]!;
      countRule();
      const matched = matchRule(rule, this.packet);
      if (matched === 'no') continue;
      if (passesOn(rule.action)) {
        if (matched === 'maybe') way = skipped(way, rule.origin);
        continue;
      }
      const rest = new Rest(this, chain, i + 1, depth);
      if (matched === 'yes') return after(way, yield this.act(rule, rest, depth, false));
      const taken = after(undecided(NO_WAY, rule.origin), yield this.act(rule, rest, depth, true));
      // Full already: the way that skipped the rule is never looked at (cap keeps the first ways).
      if (taken.length >= KEPT) return after(way, taken);
      return after(way, appended(taken, after(skipped(NO_WAY, rule.origin), yield rest.walk())));
    }
    return after(way, [fallOff(chain)]);
  }

  /** The rest of `chain` after `index`, walked once. */
  restFrom(chain: FirewallChain, index: number, depth: number): Step<Path[]> {
    return this.from(chain, index, depth);
  }

  /** `rule` matched; `undecidedMatch`: it may not have, and the caller walks the rest for that way. */
  private *act(rule: FirewallRule, rest: Rest, depth: number, undecidedMatch: boolean): Step<Path[]> {
    const action = rule.action;
    switch (action.kind) {
      case 'accept':
        return [{ outcome: 'accept', origin: rule.origin, ...NO_WAY }];
      case 'drop':
      case 'reject':
        return [{ outcome: 'drop', origin: rule.origin, ...NO_WAY }];
      case 'return':
        return [{ outcome: 'return', origin: rule.origin, ...NO_WAY }];
      case 'continue':
      case 'nat':
      case 'dnat':
        return yield rest.walk();
      case 'unknown':
        return [{ outcome: 'unknown', origin: rule.origin, ...undecided(NO_WAY, rule.origin) }];
      case 'jump':
      case 'goto': {
        const target = chainNamed(this.table, action.chain);
        if (!target || depth >= MAX_DEPTH) {
          return [{ outcome: 'unknown', origin: rule.origin, ...undecided(NO_WAY, rule.origin) }];
        }
        const inTarget = yield this.enter(target, depth + 1);
        const last = inTarget.length - 1;
        let paths: Path[] = [];
        for (const [at, path] of inTarget.entries()) {
          if (paths.length >= KEPT) break;
          if (path.outcome !== 'return') paths = appended(paths, [path]);
          else if (action.kind === 'goto') paths = appended(paths, [{ ...path, origin: rule.origin }]);
          else if (!(undecidedMatch && at === last && rejoins(path)))
            paths = appended(paths, after(path, yield rest.walk()));
        }
        return paths;
      }
    }
  }
}

/** The rest of a chain after a rule: walked the first time a way needs it, then shared. */
class Rest {
  private walked: Path[] | undefined;

  constructor(
    private readonly walker: Walker,
    private readonly chain: FirewallChain,
    private readonly index: number,
    private readonly depth: number,
  ) {}

  *walk(): Step<Path[]> {
    if (!this.walked) this.walked = yield this.walker.restFrom(this.chain, this.index, this.depth);
    return this.walked;
  }
}

/** Past this many ways through a ruleset, the rest is summarised as one undecided way. */
export function cap(paths: Path[]): Path[] {
  if (paths.length <= MAX_PATHS) return paths;
  const tooMany = { text: 'too many undecided rules' };
  return [...paths.slice(0, MAX_PATHS), { outcome: 'unknown', uncertain: single(tooMany), assumed: 1 }];
}

/** Base chains of `hook` that filter `family`, by priority (netfilter runs lower numbers first). */
export interface BaseChain {
  table: FirewallTable;
  chain: FirewallChain;
}

export function baseChains(ruleset: FirewallRuleset, family: Family, hook: string): BaseChain[] {
  const found: BaseChain[] = [];
  for (const table of ruleset.tables) {
    if (!tableFamilies(table.family).includes(family)) continue;
    for (const chain of table.chains) {
      if (chain.hook === hook && chain.type === 'filter') found.push({ table, chain });
    }
  }
  return found.sort((a, b) => a.chain.priority - b.chain.priority);
}

/** Evaluates one packet at one hook (`input` for the host, `forward` for DNATed traffic). */
export function evaluatePacket(ruleset: FirewallRuleset, packet: Packet, hook = 'input'): Verdict {
  return evaluateBaseChains(baseChains(ruleset, packet.family, hook), packet, hook);
}

/** What the base chains before this one left: the accepting origins, the undecided ones, whether any was unsure. */
export interface ChainFold {
  accepted: Origin[];
  uncertain: Origin[];
  undecided: boolean;
}

export function noChainVerdict(family: Family, hook: string): Verdict {
  return { reach: 'open', decidedBy: [{ text: `no ${family} ${hook} chain: nothing filters it` }], uncertain: [] };
}

/**
 * Folds one base chain's ways into what the earlier chains left: a closed verdict when every way drops (final),
 * else the state the next chain starts from. `fold` is not changed.
 */
export function foldChain(fold: ChainFold, chain: FirewallChain, walked: readonly Path[]): Verdict | ChainFold {
  const paths = walked.map((path) =>
    path.outcome === 'return'
      ? { ...path, outcome: chain.policy as Outcome, origin: chain.origin ?? { text: `${chain.name} policy` } }
      : path,
  );
  if (paths.every((path) => path.outcome === 'drop')) {
    return { reach: 'closed', decidedBy: unique(paths.map((path) => path.origin)), uncertain: [] };
  }
  // An accepting way that assumed no undecided rule matched is certain for some packet: an undecided drop
  // (say on TCP flags) does not close the port for an ordinary SYN.
  const certain = paths.filter((path) => path.outcome === 'accept' && path.assumed === 0);
  if (certain.length > 0 || paths.every((path) => path.outcome === 'accept')) {
    const deciding = certain.length > 0 ? certain : paths;
    const origins = deciding.map((path) => path.origin).filter((origin): origin is Origin => !!origin);
    return { ...fold, accepted: [...fold.accepted, ...origins] };
  }
  const uncertain = [...fold.uncertain];
  const seen = new Set<Seq>();
  for (const path of paths) appendOrigins(path.uncertain, uncertain, seen);
  return {
    accepted: [...fold.accepted, ...paths.filter((path) => path.outcome === 'accept').map((path) => path.origin!)],
    uncertain,
    undecided: true,
  };
}

export function isVerdict(value: Verdict | ChainFold): value is Verdict {
  return 'reach' in value;
}

/** The verdict once every base chain let the packet through. */
export function foldVerdict(fold: ChainFold): Verdict {
  return {
    reach: fold.undecided ? 'possibly-open' : 'open',
    decidedBy: unique(fold.accepted),
    uncertain: unique(fold.uncertain),
  };
}

export const EMPTY_FOLD: ChainFold = { accepted: [], uncertain: [], undecided: false };

/** evaluatePacket with the hook's base chains already found. */
export function evaluateBaseChains(chains: readonly BaseChain[], packet: Packet, hook = 'input'): Verdict {
  if (chains.length === 0) return noChainVerdict(packet.family, hook);
  let fold = EMPTY_FOLD;
  for (const { table, chain } of chains) {
    const next = foldChain(fold, chain, new Walker(table, packet).chain(chain));
    if (isVerdict(next)) return next;
    fold = next;
  }
  return foldVerdict(fold);
}

function unique(origins: (Origin | undefined)[]): Origin[] {
  const seen = new Map<string, Origin>();
  for (const origin of origins) {
    if (origin) seen.set(`${origin.file ?? ''}:${origin.line ?? ''}:${origin.text}`, origin);
  }
  return [...seen.values()];
}

export interface InboundQuery {
  family: Family;
  port: number;
  /** The connecting address; omitted: an address no rule names ("anyone"). */
  source?: string;
  /** The interface it arrives on; omitted: one no rule names. */
  interface?: string;
}

/** Would a new inbound TCP connection to `port` from `source` be let in? */
export function evaluateInbound(ruleset: FirewallRuleset, query: InboundQuery): Verdict {
  const source = query.source === undefined ? undefined : parseAddress(query.source);
  if (query.source !== undefined && (!source || source.family !== query.family)) {
    throw new Error(`source "${query.source}" is not an ${query.family} address`);
  }
  return evaluatePacket(ruleset, {
    family: query.family,
    dport: query.port,
    ...(source ? { saddr: source.value } : {}),
    ...(query.interface !== undefined ? { iif: query.interface } : {}),
    oif: null,
  });
}
