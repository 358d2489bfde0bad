import type { FirewallChain, FirewallRule, FirewallTable } from '../../parsers/firewall/model.js';
import { appendAll } from '../../parsers/lists.js';
import {
  type BaseChain,
  type ChainFold,
  cap,
  chainNamed,
  EMPTY_FOLD,
  foldChain,
  foldVerdict,
  isVerdict,
  MAX_DEPTH,
  noChainVerdict,
  type Path,
  type Tri,
  undecided,
  type Verdict,
  type Way,
} from './evaluate.js';
import type { FixedPacket } from './specialise.js';
import { runSteps, type Step } from './trampoline.js';

// The evaluate.ts walk, done once for many sources at a time. The sources differ only in address (sourceView fixed
// everything else) and are named by their gap between the view's cuts. A set of sources goes down the rules
// together and splits only where a rule tells them apart, so 500 rules naming 500 banned addresses cost 500 splits,
// not 500 walks of 500 rules. Each source ends with exactly the ways, and the verdict, the one-packet walk gives it.

/** A source address as the gap between the view's cuts that holds it; -1 is an address no rule names. */
export type Gap = number;

interface Group {
  gaps: Gap[];
  paths: Path[];
}

/** A rule's source matches as gap intervals [from, to), and whether another match is undecided. */
interface SourceRule {
  tests: { negate: boolean; intervals: [number, number][] }[];
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

/** First index in sorted `gaps` at or above `gap`. */
function lowerBound(gaps: readonly Gap[], gap: Gap): number {
  let low = 0;
  let high = gaps.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (gaps[middle]! < gap) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Splits sorted `gaps` by sorted, disjoint `intervals` with binary searches: a rule naming one address costs a
 * search, not a test per source. Every gap array here is sorted: they start sorted and splits keep the order.
 */
function sliceInside(gaps: Gap[], intervals: readonly [number, number][]): { inside: Gap[]; outside: Gap[] } {
  const inside: Gap[] = [];
  const outside: Gap[] = [];
  let done = 0;
  for (const [from, to] of intervals) {
    const start = Math.max(done, lowerBound(gaps, from));
    const end = Math.max(start, lowerBound(gaps, to));
    if (start === end) continue;
    for (let index = done; index < start; index++) outside.push(gaps[index]!);
    for (let index = start; index < end; index++) inside.push(gaps[index]!);
    done = end;
  }
  if (inside.length === 0) return { inside, outside: gaps };
  for (let index = done; index < gaps.length; index++) outside.push(gaps[index]!);
  return { inside, outside };
}

/**
 * Whether one of sorted, disjoint `intervals` holds `gap`, by binary search: a negated set of 100k addresses tested
 * interval by interval for each of its 200k gaps was quadratic.
 */
function holds(intervals: readonly [number, number][], gap: Gap): boolean {
  let low = 0;
  let high = intervals.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (intervals[middle]![0] <= gap) low = middle + 1;
    else high = middle;
  }
  return low > 0 && gap < intervals[low - 1]![1];
}

/** Sorted and merged, so slices of a sorted gap list don't overlap. */
function mergeIntervals(intervals: [number, number][]): [number, number][] {
  const merged: [number, number][] = [];
  for (const [from, to] of [...intervals].sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

/** Per source, the ways each group ends in `first` followed by those it ends in `second` (the same sources). */
function concatGroups(first: Group[], second: Group[]): Group[] {
  const owner = new Map<Gap, number>();
  second.forEach((group, index) => {
    for (const gap of group.gaps) owner.set(gap, index);
  });
  const out: Group[] = [];
  for (const group of first) {
    const parts = new Map<number, Gap[]>();
    for (const gap of group.gaps) {
      const index = owner.get(gap)!;
      const part = parts.get(index);
      if (part) part.push(gap);
      else parts.set(index, [gap]);
    }
    for (const [index, gaps] of parts) out.push({ gaps, paths: [...group.paths, ...second[index]!.paths] });
  }
  return out;
}

class SourceWalker {
  private readonly compiled = new Map<FirewallRule, SourceRule>();

  constructor(
    private readonly packet: FixedPacket,
    private readonly cuts: readonly bigint[],
  ) {}

  chain(table: FirewallTable, chain: FirewallChain, gaps: Gap[], way: Way, depth: number): Group[] {
    return runSteps(this.from(table, chain, 0, gaps, way, depth));
  }

  private compile(rule: FirewallRule): SourceRule {
    let compiled = this.compiled.get(rule);
    if (compiled) return compiled;
    compiled = { tests: [], maybe: false };
    for (const match of rule.matches) {
      // sourceView kept only source matches of this family and matches undecided whatever the source.
      if (match.kind === 'address' && match.field === 'saddr' && match.family === this.packet.family) {
        const intervals = match.ranges.map((range): [number, number] => [
          gapOf(this.cuts, range.first),
          gapOf(this.cuts, range.last + 1n),
        ]);
        compiled.tests.push({ negate: match.negate, intervals: mergeIntervals(intervals) });
      } else {
        compiled.maybe = true;
      }
    }
    this.compiled.set(rule, compiled);
    return compiled;
  }

  private split(rule: FirewallRule, gaps: Gap[]): Record<Tri, Gap[]> {
    const { tests, maybe } = this.compile(rule);
    if (tests.length === 0) return maybe ? { yes: [], maybe: gaps, no: [] } : { yes: gaps, maybe: [], no: [] };
    if (tests.length === 1 && !tests[0]!.negate) {
      const { inside, outside } = sliceInside(gaps, tests[0]!.intervals);
      return maybe ? { yes: [], maybe: inside, no: outside } : { yes: inside, maybe: [], no: outside };
    }
    const parts: Record<Tri, Gap[]> = { yes: [], maybe: [], no: [] };
    for (const gap of gaps) {
      const matches = tests.every((test) => holds(test.intervals, gap) !== test.negate);
      parts[!matches ? 'no' : maybe ? 'maybe' : 'yes'].push(gap);
    }
    return parts;
  }

  // from and act recurse once per `continue` or undecided rule and per jump: they are steps run by runSteps.
  private *from(
    table: FirewallTable,
    chain: FirewallChain,
    index: number,
    gaps: Gap[],
    way: Way,
    depth: number,
  ): Step<Group[]> {
    const groups: Group[] = [];
    let rest = gaps;
    for (let i = index; i < chain.rules.length && rest.length > 0; i++) {
      const rule = chain.rules[i]!;
      const parts = this.split(rule, rest);
      if (parts.yes.length > 0) appendAll(groups, yield this.act(table, chain, i, rule, parts.yes, way, depth));
      if (parts.maybe.length > 0) {
        const uncertain = [...way.uncertain, rule.origin];
        const taken = yield this.act(
          table,
          chain,
          i,
          rule,
          parts.maybe,
          { uncertain, assumed: [...way.assumed, rule.origin] },
          depth,
        );
        const skipped = yield this.from(table, chain, i + 1, parts.maybe, { uncertain, assumed: way.assumed }, depth);
        appendAll(
          groups,
          concatGroups(taken, skipped).map((group) => ({ gaps: group.gaps, paths: cap(group.paths) })),
        );
      }
      rest = parts.no;
    }
    if (rest.length > 0) {
      groups.push({
        gaps: rest,
        paths: [{ outcome: 'return', ...(chain.origin ? { origin: chain.origin } : {}), ...way }],
      });
    }
    return groups;
  }

  private *act(
    table: FirewallTable,
    chain: FirewallChain,
    index: number,
    rule: FirewallRule,
    gaps: Gap[],
    way: Way,
    depth: number,
  ): Step<Group[]> {
    const action = rule.action;
    const ending = (path: Path): Group[] => [{ gaps, paths: [path] }];
    switch (action.kind) {
      case 'accept':
        return ending({ outcome: 'accept', origin: rule.origin, ...way });
      case 'drop':
      case 'reject':
        return ending({ outcome: 'drop', origin: rule.origin, ...way });
      case 'return':
        return ending({ outcome: 'return', origin: rule.origin, ...way });
      case 'continue':
      case 'nat':
      case 'dnat':
        return yield this.from(table, chain, index + 1, gaps, way, depth);
      case 'unknown':
        return ending({ outcome: 'unknown', origin: rule.origin, ...undecided(way, rule.origin) });
      case 'jump':
      case 'goto': {
        const target = chainNamed(table, action.chain);
        if (!target || depth >= MAX_DEPTH) {
          return ending({ outcome: 'unknown', origin: rule.origin, ...undecided(way, rule.origin) });
        }
        const out: Group[] = [];
        for (const group of yield this.from(table, target, 0, gaps, way, depth + 1)) {
          let parts: Group[] = [{ gaps: group.gaps, paths: [] }];
          for (const path of group.paths) {
            if (path.outcome !== 'return') {
              for (const part of parts) part.paths.push(path);
            } else if (action.kind === 'jump') {
              const { uncertain, assumed } = path;
              parts = concatGroups(
                parts,
                yield this.from(table, chain, index + 1, group.gaps, { uncertain, assumed }, depth),
              );
            } else {
              for (const part of parts) part.paths.push({ ...path, origin: rule.origin });
            }
          }
          appendAll(
            out,
            parts.map((part) => ({ gaps: part.gaps, paths: cap(part.paths) })),
          );
        }
        return out;
      }
    }
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
      for (const group of walker.chain(table, chain, state.gaps, { uncertain: [], assumed: [] }, 0)) {
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
