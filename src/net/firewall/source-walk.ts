import type { FirewallChain, FirewallRule, FirewallTable } from '../../parsers/firewall/model.js';
import {
  after,
  appended,
  type BaseChain,
  type ChainFold,
  cap,
  chainNamed,
  EMPTY_FOLD,
  fallOff,
  foldChain,
  foldVerdict,
  isVerdict,
  KEPT,
  MAX_DEPTH,
  NO_WAY,
  noChainVerdict,
  type Path,
  passesOn,
  rejoins,
  skipped,
  thenWay,
  undecided,
  type Verdict,
  type Way,
} from './evaluate.js';
import type { FixedPacket } from './specialise.js';
import { runSteps, type Step } from './trampoline.js';
import { countRule } from './walk-count.js';

// The evaluate.ts walk, done once for many sources at a time. The sources differ only in address (sourceView fixed
// everything else) and are named by their gap between the view's cuts. The sources of a walk go down the rules
// together: each one's way so far (the undecided rules on it, the ways that already ended) is a tag in a segment
// tree over the sources, so a rule naming some addresses changes those sources in log time, and a rule that lets
// every way go on (a counter, a log) costs nothing. 20k rules naming 20k addresses are 20k tree updates, not 20k
// walks of the rest of the chain (69 s). Each source ends with exactly the ways, and the verdict, the one-packet
// walk gives it.

/** A source address as the gap between the view's cuts that holds it; -1 is an address no rule names. */
export type Gap = number;

interface Group {
  gaps: Gap[];
  paths: Path[];
}

/** Gap intervals [from, to), sorted and disjoint. */
type Intervals = [number, number][];

/** A rule's source matches, as the gap intervals where all of them hold, and whether another match is undecided. */
interface SourceRule {
  /** Undefined: no source match, every source. */
  matching: Intervals | undefined;
  maybe: boolean;
}

/** The gap that holds `value`: how many cuts are at or below it. */
export function gapOf(cuts: readonly bigint[], value: bigint): Gap {
  let low = 0;
  let high = cuts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (cuts[middle]! <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** First index in ascending `values` at or above `value` (gaps here; source addresses in exposure.ts). */
export function lowerBound<T extends number | bigint>(values: readonly T[], value: T): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Whether one of `intervals` holds `gap`, by binary search. */
function holds(intervals: Intervals, gap: Gap): boolean {
  let low = 0;
  let high = intervals.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (intervals[middle]![0] <= gap) low = middle + 1;
    else high = middle;
  }
  return low > 0 && gap < intervals[low - 1]![1];
}

/** Sorted and merged. */
function mergeIntervals(intervals: Intervals): Intervals {
  const merged: Intervals = [];
  for (const [from, to] of [...intervals].sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else if (from < to) merged.push([from, to]);
  }
  return merged;
}

/** Every gap (from -1, an address no rule names) outside `intervals`. */
function complement(intervals: Intervals): Intervals {
  const out: Intervals = [];
  let from = -1;
  for (const [start, end] of intervals) {
    if (from < start) out.push([from, start]);
    from = Math.max(from, end);
  }
  out.push([from, Number.MAX_SAFE_INTEGER]);
  return out;
}

function intersect(a: Intervals, b: Intervals): Intervals {
  const out: Intervals = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const from = Math.max(a[i]![0], b[j]![0]);
    const to = Math.min(a[i]![1], b[j]![1]);
    if (from < to) out.push([from, to]);
    if (a[i]![1] < b[j]![1]) i++;
    else j++;
  }
  return out;
}

/** What happened to a source so far in a walk: the way it is on, after the ways that already ended. */
interface Tag {
  /** Ways that ended, in walk order, relative to the walk's start (at most KEPT: later ones are never seen). */
  emitted: Path[];
  /** The way on from here, after every emitted one. */
  way: Way;
}

/** `first`, then `second`. Undefined is nothing happened. */
function compose(first: Tag | undefined, second: Tag | undefined): Tag | undefined {
  if (!first) return second;
  if (!second) return first;
  let emitted = first.emitted;
  if (second.emitted.length > 0 && emitted.length < KEPT) {
    emitted = appended(emitted, after(first.way, second.emitted));
  }
  return { emitted, way: thenWay(first.way, second.way) };
}

/**
 * Tags of positions 0..count-1, changed a range at a time: a segment tree whose nodes hold the tag applied to all
 * their positions, newer ones nearer the root (an update pushes a node's tag to its children before going past it).
 */
class Tags {
  private readonly size: number;
  private readonly tags: (Tag | undefined)[];
  /** A node's tag composed with its ancestors', as of version `seenAt`: the sources of a range share it. */
  private readonly composed: (Tag | undefined)[];
  private readonly seenAt: Int32Array;
  private version = 0;

  constructor(count: number) {
    let size = 1;
    while (size < count) size *= 2;
    this.size = size;
    this.tags = new Array(2 * size);
    this.composed = new Array(2 * size);
    this.seenAt = new Int32Array(2 * size).fill(-1);
  }

  apply(from: number, to: number, tag: Tag): void {
    if (from >= to) return;
    this.version++;
    this.update(1, 0, this.size, from, to, tag);
  }

  private update(node: number, low: number, high: number, from: number, to: number, tag: Tag): void {
    if (to <= low || high <= from) return;
    if (from <= low && high <= to) {
      this.tags[node] = compose(this.tags[node], tag);
      return;
    }
    const own = this.tags[node];
    if (own) {
      this.tags[2 * node] = compose(this.tags[2 * node], own);
      this.tags[2 * node + 1] = compose(this.tags[2 * node + 1], own);
      this.tags[node] = undefined;
    }
    const middle = (low + high) >>> 1;
    this.update(2 * node, low, middle, from, to, tag);
    this.update(2 * node + 1, middle, high, from, to, tag);
  }

  /** The tag of `position`: its own, then its ancestors' (newer). */
  at(position: number): Tag | undefined {
    let node = this.size + position;
    // Most sources have no tag of their own: their parent's, composed once, is theirs.
    if (!this.tags[node] && this.seenAt[node >>> 1] === this.version) return this.composed[node >>> 1];
    const climbed: number[] = [];
    while (node >= 1 && this.seenAt[node] !== this.version) {
      climbed.push(node);
      node >>>= 1;
    }
    let above = node >= 1 ? this.composed[node] : undefined;
    for (let index = climbed.length - 1; index >= 0; index--) {
      const at = climbed[index]!;
      above = compose(this.tags[at], above);
      this.composed[at] = above;
      this.seenAt[at] = this.version;
    }
    return above;
  }
}

/** The positions still walking: the next one at or after a position, in near-constant time (path halving). */
class Alive {
  private readonly next: Int32Array;
  count: number;

  constructor(count: number) {
    this.count = count;
    this.next = new Int32Array(count + 1);
    for (let index = 0; index <= count; index++) this.next[index] = index;
  }

  /** The first live position at or after `position`; the count when none. */
  find(position: number): number {
    const next = this.next;
    let at = position;
    while (next[at] !== at) {
      next[at] = next[next[at]!]!;
      at = next[at]!;
    }
    return at;
  }

  kill(position: number): void {
    this.next[position] = position + 1;
    this.count--;
  }
}

/** The sources that ended, grouped by the very same list of ways (so their verdict is folded once). */
class Ended {
  private readonly finals = new Map<Tag | undefined, Map<readonly Path[], Path[]>>();
  private readonly groups = new Map<Path[], Gap[]>();
  private last: { tag: Tag | undefined; relative: readonly Path[]; gaps: Gap[] } | undefined;

  add(gap: Gap, tag: Tag | undefined, relative: readonly Path[]): void {
    // Sources of a range end one after the other with the same tag and ways.
    if (this.last && this.last.tag === tag && this.last.relative === relative) {
      this.last.gaps.push(gap);
      return;
    }
    let byPaths = this.finals.get(tag);
    if (!byPaths) {
      byPaths = new Map();
      this.finals.set(tag, byPaths);
    }
    let paths = byPaths.get(relative);
    if (!paths) {
      // Never changed once made: a full list is shared, not copied (see after).
      paths = tag ? appended(tag.emitted, after(tag.way, relative)) : appended([], relative);
      byPaths.set(relative, paths);
    }
    let gaps = this.groups.get(paths);
    if (gaps) gaps.push(gap);
    else {
      gaps = [gap];
      this.groups.set(paths, gaps);
    }
    this.last = { tag, relative, gaps };
  }

  result(): Group[] {
    return [...this.groups].map(([paths, gaps]) => ({ gaps, paths }));
  }
}

/** How a jump's target came back for some of the sources: ended, back on one way, or in need of the rest. */
type Back = { ended: Path[] } | { tag: Tag } | { rest: true };

class SourceWalker {
  private readonly compiled = new Map<FirewallRule, SourceRule>();
  /**
   * Each chain's walks, by depth and sources: many rules jumping to one chain with the same sources walk it once,
   * and a chain jumping to itself (up to MAX_DEPTH) is not walked again for every way into it (2^32).
   */
  private readonly entered = new Map<FirewallChain, Map<string, Group[]>>();
  private readonly keys = new WeakMap<Gap[], string>();

  constructor(
    private readonly packet: FixedPacket,
    private readonly cuts: readonly bigint[],
  ) {}

  chain(table: FirewallTable, chain: FirewallChain, gaps: Gap[]): Group[] {
    return runSteps(this.enter(table, chain, gaps, 0)).map((group) => ({ gaps: group.gaps, paths: cap(group.paths) }));
  }

  private compile(rule: FirewallRule): SourceRule {
    let compiled = this.compiled.get(rule);
    if (compiled) return compiled;
    let matching: Intervals | undefined;
    let maybe = false;
    for (const match of rule.matches) {
      // sourceView kept only source matches of this family and matches undecided whatever the source.
      if (match.kind === 'address' && match.field === 'saddr' && match.family === this.packet.family) {
        const inside = mergeIntervals(
          match.ranges.map((range): [number, number] => [
            gapOf(this.cuts, range.first),
            gapOf(this.cuts, range.last + 1n),
          ]),
        );
        const test = match.negate ? complement(inside) : inside;
        matching = matching ? intersect(matching, test) : test;
      } else {
        maybe = true;
      }
    }
    compiled = { matching, maybe };
    this.compiled.set(rule, compiled);
    return compiled;
  }

  /** The positions in `gaps` of the sources `rule`'s source matches hold, as sorted ranges [from, to). */
  private spans(rule: FirewallRule, gaps: readonly Gap[]): [number, number][] {
    const { matching } = this.compile(rule);
    if (!matching) return [[0, gaps.length]];
    const spans: [number, number][] = [];
    if (matching.length <= gaps.length) {
      for (const [from, to] of matching) {
        const start = lowerBound(gaps, from);
        const end = lowerBound(gaps, to);
        if (start < end) spans.push([start, end]);
      }
      return spans;
    }
    // A set of 100k addresses against a few sources: look the sources up in it instead.
    for (const [position, gap] of gaps.entries()) {
      if (!holds(matching, gap)) continue;
      const last = spans[spans.length - 1];
      if (last && last[1] === position) last[1] = position + 1;
      else spans.push([position, position + 1]);
    }
    return spans;
  }

  private *enter(table: FirewallTable, chain: FirewallChain, gaps: Gap[], depth: number): Step<Group[]> {
    let walks = this.entered.get(chain);
    if (!walks) {
      walks = new Map();
      this.entered.set(chain, walks);
    }
    let key = this.keys.get(gaps);
    if (key === undefined) {
      key = gaps.join(',');
      this.keys.set(gaps, key);
    }
    key = `${depth}:${key}`;
    const known = walks.get(key);
    if (known) return known;
    const groups = yield this.from(table, chain, 0, gaps, depth);
    walks.set(key, groups);
    return groups;
  }

  /** The way a rule ends a source on when it matches, or undefined for a jump the walk follows. */
  private ending(table: FirewallTable, rule: FirewallRule, depth: number): Path | undefined {
    const action = rule.action;
    switch (action.kind) {
      case 'accept':
        return { outcome: 'accept', origin: rule.origin, ...NO_WAY };
      case 'drop':
      case 'reject':
        return { outcome: 'drop', origin: rule.origin, ...NO_WAY };
      case 'return':
        return { outcome: 'return', origin: rule.origin, ...NO_WAY };
      case 'jump':
      case 'goto':
        if (chainNamed(table, action.chain) && depth < MAX_DEPTH) return undefined;
        return { outcome: 'unknown', origin: rule.origin, ...undecided(NO_WAY, rule.origin) };
      default:
        return { outcome: 'unknown', origin: rule.origin, ...undecided(NO_WAY, rule.origin) };
    }
  }

  // from recurses per jump (into the target, and into the chain's rest for sources a target sent back more than
  // one way): steps run by runSteps. Everything else is a loop over the rules.
  private *from(table: FirewallTable, chain: FirewallChain, index: number, gaps: Gap[], depth: number): Step<Group[]> {
    const tags = new Tags(gaps.length);
    const alive = new Alive(gaps.length);
    const ended = new Ended();
    const live = (spans: [number, number][]) => {
      const positions: number[] = [];
      for (const [from, to] of spans) {
        for (let at = alive.find(from); at < to; at = alive.find(at + 1)) positions.push(at);
      }
      return positions;
    };
    const end = (position: number, relative: readonly Path[]) => {
      ended.add(gaps[position]!, tags.at(position), relative);
      alive.kill(position);
    };
    for (let i = index; i < chain.rules.length && alive.count > 0; i++) {
      const rule = chain.rules[i]!;
      countRule();
      const { maybe } = this.compile(rule);
      if (passesOn(rule.action)) {
        // Matched or not, every way is at the next rule: an undecided match only joins the way's uncertain rules.
        if (maybe) {
          const tag: Tag = { emitted: [], way: skipped(NO_WAY, rule.origin) };
          for (const [from, to] of this.spans(rule, gaps)) tags.apply(from, to, tag);
        }
        continue;
      }
      const spans = this.spans(rule, gaps);
      const ending = this.ending(table, rule, depth);
      if (ending) {
        if (!maybe) {
          const relative = [ending];
          for (const position of live(spans)) end(position, relative);
        } else {
          const tag: Tag = {
            emitted: after(undecided(NO_WAY, rule.origin), [ending]),
            way: skipped(NO_WAY, rule.origin),
          };
          for (const [from, to] of spans) tags.apply(from, to, tag);
        }
        continue;
      }
      // A jump naming no source takes every source this walk has: its target is walked for all of them (dead ones
      // too), so 4k such jumps to one chain are one walk of it and 4k tag updates, not 4k lists of every source.
      const everySource = !this.compile(rule).matching;
      const positions = everySource ? undefined : live(spans);
      if (positions?.length === 0) continue;
      const action = rule.action as { kind: 'jump' | 'goto'; chain: string };
      const target = chainNamed(table, action.chain)!;
      const inTarget = yield this.enter(
        table,
        target,
        positions ? positions.map((position) => gaps[position]!) : gaps,
        depth + 1,
      );
      const needRest: { position: number; paths: Path[] }[] = [];
      for (const group of inTarget) {
        const back = this.back(rule, group.paths, maybe);
        if (inTarget.length === 1 && 'tag' in back) {
          for (const [from, to] of spans) tags.apply(from, to, back.tag);
          continue;
        }
        const groupPositions =
          inTarget.length === 1
            ? (positions ?? live(spans))
            : group.gaps.map((gap) => lowerBound(gaps, gap)).filter((position) => alive.find(position) === position);
        if ('ended' in back) {
          for (const position of groupPositions) end(position, back.ended);
        } else if ('tag' in back) {
          for (const position of groupPositions) tags.apply(position, position + 1, back.tag);
        } else {
          for (const position of groupPositions) needRest.push({ position, paths: group.paths });
        }
      }
      if (needRest.length === 0) continue;
      // Sources the target sent back more than one way: the rest of the chain, walked once for all of them.
      needRest.sort((a, b) => a.position - b.position);
      const restGaps = needRest.map((entry) => gaps[entry.position]!);
      const rest = new Map<Gap, Path[]>();
      for (const group of yield this.from(table, chain, i + 1, restGaps, depth))
        for (const gap of group.gaps) rest.set(gap, group.paths);
      const combined = new Map<Path[], Map<Path[], Path[]>>();
      for (const { position, paths } of needRest) {
        const restPaths = rest.get(gaps[position]!)!;
        let byRest = combined.get(paths);
        if (!byRest) {
          byRest = new Map();
          combined.set(paths, byRest);
        }
        let relative = byRest.get(restPaths);
        if (!relative) {
          relative = this.join(paths, restPaths, maybe, rule);
          byRest.set(restPaths, relative);
        }
        end(position, relative);
      }
    }
    const fell = [fallOff(chain)];
    for (let at = alive.find(0); at < gaps.length; at = alive.find(at + 1)) end(at, fell);
    return ended.result();
  }

  /** A jump's or goto's target walked for some sources (`paths`): how it leaves them. */
  private back(rule: FirewallRule, paths: Path[], maybe: boolean): Back {
    const taken = undecided(NO_WAY, rule.origin);
    const goOn = skipped(NO_WAY, rule.origin);
    if (rule.action.kind === 'goto') {
      const ways = paths.map((path) => (path.outcome === 'return' ? { ...path, origin: rule.origin } : path));
      return maybe ? { tag: { emitted: after(taken, ways), way: goOn } } : { ended: ways };
    }
    const last = paths.length - 1;
    const returns = paths.filter(
      (path, at) => path.outcome === 'return' && !(maybe && at === last && rejoins(path)),
    ).length;
    if (returns === 0) {
      const ways = paths.filter((path) => path.outcome !== 'return');
      return maybe ? { tag: { emitted: after(taken, ways), way: goOn } } : { ended: ways };
    }
    if (!maybe && returns === 1 && paths[last]!.outcome === 'return') {
      return { tag: { emitted: paths.slice(0, last), way: paths[last]! } };
    }
    return { rest: true };
  }

  /** The ways of a source the target sent back, with the rest of the chain walked. */
  private join(paths: Path[], rest: Path[], maybe: boolean, rule: FirewallRule): Path[] {
    const last = paths.length - 1;
    let taken: Path[] = [];
    for (const [at, path] of paths.entries()) {
      if (taken.length >= KEPT) break;
      if (path.outcome !== 'return') taken = appended(taken, [path]);
      else if (!(maybe && at === last && rejoins(path))) taken = appended(taken, after(path, rest));
    }
    if (!maybe) return taken;
    const out = after(undecided(NO_WAY, rule.origin), taken);
    // Full already: the way that skipped the rule is never looked at (cap keeps the first ways).
    if (out.length >= KEPT) return out;
    return appended(out, after(skipped(NO_WAY, rule.origin), rest));
  }
}

/**
 * The verdict for each of `gaps` at the fixed packet's hook, the base chains being those of sourceView: what
 * evaluateBaseChains gives a packet from any address in that gap.
 */
export function sourceVerdicts(
  chains: readonly BaseChain[],
  packet: FixedPacket,
  cuts: readonly bigint[],
  gaps: Gap[],
  hook = 'input',
): Map<Gap, Verdict> {
  const verdicts = new Map<Gap, Verdict>();
  const settle = (group: Gap[], verdict: Verdict) => {
    for (const gap of group) verdicts.set(gap, verdict);
  };
  if (chains.length === 0) {
    settle(gaps, noChainVerdict(packet.family, hook));
    return verdicts;
  }
  const walker = new SourceWalker(packet, cuts);
  let states: { gaps: Gap[]; fold: ChainFold }[] = [{ gaps, fold: EMPTY_FOLD }];
  for (const { table, chain } of chains) {
    const next: typeof states = [];
    for (const state of states) {
      for (const group of walker.chain(
        table,
        chain,
        [...state.gaps].sort((a, b) => a - b),
      )) {
        const folded = foldChain(state.fold, chain, group.paths);
        if (isVerdict(folded)) settle(group.gaps, folded);
        else next.push({ gaps: group.gaps, fold: folded });
      }
    }
    states = next;
  }
  for (const state of states) settle(state.gaps, foldVerdict(state.fold));
  return verdicts;
}
