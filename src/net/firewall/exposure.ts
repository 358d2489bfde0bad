import { CheckError } from '../../engine/errors.js';
import { familyBits, parseAddress } from '../../parsers/firewall/address-range.js';
import {
  type AddressRange,
  FAMILIES,
  type Family,
  type FirewallChain,
  type FirewallRule,
  type FirewallRuleset,
  type Origin,
  type PortRange,
  tableFamilies,
} from '../../parsers/firewall/model.js';
import { appendAll } from '../../parsers/lists.js';
import {
  type BaseChain,
  baseChains,
  evaluatePacket,
  type Packet,
  type Reach,
  ROUTED_TO_TARGET,
  type Verdict,
} from './evaluate.js';
import { PORT_MAX, type PortPiece, type PortPieces, portPieces } from './port-pieces.js';
import { type SourcePiece, sourcePieces } from './source-pieces.js';
import { type Gap, lowerBound, sourceVerdicts } from './source-walk.js';
import { type FixedPacket, sourceView, type ViewScope } from './specialise.js';
import { countExposureWork, withWorkCeiling, workUnits } from './walk-count.js';

// "Which ports are open to whom": the port space and the source space are cut at every boundary a rule names, so
// one packet per piece decides the whole piece exactly (every address or port inside a piece matches the same rules).

export interface OpenPort {
  family: Family;
  ports: PortRange;
  /** 'any': also from addresses no rule names; else the address ranges (as written) it is open to. */
  sources: 'any' | string[];
  /**
   * Set when this opening holds only on these input interfaces (`iifname "wg0"`); unset: on interfaces no rule
   * names. A port has one entry per distinct opening, so it can be open to the node everywhere and to anyone on eth0.
   */
  interfaces?: string[];
  reach: Exclude<Reach, 'closed'>;
  decidedBy: Origin[];
  uncertain: Origin[];
}

export interface FamilyExposure {
  family: Family;
  /** Some base chain on the input hook filters this family. */
  filtered: boolean;
  /** The fate of a connection to a port no rule names, from an address no rule names: the effective policy. */
  defaultReach: Reach;
  defaultDecidedBy: Origin[];
  open: OpenPort[];
}

function familyRules(ruleset: FirewallRuleset, family: Family) {
  return ruleset.tables
    .filter((table) => tableFamilies(table.family).includes(family))
    .flatMap((table) => table.chains.flatMap((chain) => chain.rules));
}

/** Every source range a rule of `family` names, in rule order. */
function sourceRanges(ruleset: FirewallRuleset, family: Family): AddressRange[] {
  const ranges: AddressRange[] = [];
  for (const rule of familyRules(ruleset, family)) {
    for (const match of rule.matches) {
      if (match.kind === 'address' && match.field === 'saddr' && match.family === family)
        appendAll(ranges, match.ranges);
    }
  }
  return ranges;
}

/** Adds the input interfaces `rule` names to `names`; true when one is a pattern (`eth*`), which may match any. */
function addInterfaceNames(rule: FirewallRule, names: Set<string>): boolean {
  let pattern = false;
  for (const match of rule.matches) {
    if (match.kind === 'interface' && match.direction === 'in') {
      for (const name of match.names) {
        if (name === 'lo' || name === '*') continue;
        names.add(name);
        if (name.endsWith('*')) pattern = true;
      }
    }
  }
  return pattern;
}

function interfacePieces(ruleset: FirewallRuleset, family: Family): (string | undefined)[] {
  const names = new Set<string>();
  for (const rule of familyRules(ruleset, family)) addInterfaceNames(rule, names);
  return [undefined, ...[...names].sort()];
}

/**
 * The interfaces worth judging a port piece on: those its view's rules name (the rules naming no port, and its
 * own). On an interface none of them names, every rule matches as on one no rule names, so its opening is the
 * unnamed interfaces' and addInterfaceResult would leave it out. 1,000 rules each naming an interface and a port
 * were 1,000 pieces x 1,000 interfaces.
 */
function pieceInterfaces(
  all: (string | undefined)[],
  shared: { names: Set<string>; pattern: boolean },
  piece: PortPiece,
): (string | undefined)[] {
  if (shared.pattern) return all;
  const names = new Set(shared.names);
  for (const placed of piece.rules) if (addInterfaceNames(placed.rule, names)) return all;
  countExposureWork(names.size + 1);
  return [undefined, ...[...names].sort()];
}

interface PieceResult {
  sources: 'any' | string[];
  interfaces?: string[];
  reach: Exclude<Reach, 'closed'>;
  verdicts: Verdict[];
}

/** The piece stands for every address of its family: `0.0.0.0/0`, `::/0` (no address is outside it). */
function wholeFamily(piece: SourcePiece, family: Family): boolean {
  return !!piece.range && piece.range.first === 0n && piece.range.last === (1n << BigInt(familyBits(family))) - 1n;
}

/** Who an interface lets in: the open pieces, as one result. */
function interfaceResult(
  open: { source: SourcePiece; verdict: Verdict }[],
  family: Family,
  iif: string | undefined,
): PieceResult {
  const fromAnyone = open.some((entry) => entry.source.value === undefined || wholeFamily(entry.source, family));
  const labels = [...new Set(narrowestCovering(open.map((entry) => entry.source)).map((piece) => piece.label))];
  const verdicts = open.map((entry) => entry.verdict);
  return {
    sources: fromAnyone ? 'any' : labels,
    ...(iif !== undefined ? { interfaces: [iif] } : {}),
    reach: verdicts.every((verdict) => verdict.reach === 'open') ? 'open' : 'possibly-open',
    verdicts,
  };
}

function sameOpening(a: PieceResult, b: PieceResult): boolean {
  return JSON.stringify([a.sources, a.reach]) === JSON.stringify([b.sources, b.reach]);
}

/**
 * Adds a named interface's result to those of the port: left out when the interfaces no rule names let in the
 * same, merged with named interfaces that let in the same, else its own entry. Every interface's opening is
 * kept, so a port open to anyone on eth0 is never hidden behind a narrower opening elsewhere.
 */
function addInterfaceResult(results: PieceResult[], result: PieceResult): void {
  const unnamed = results.find((entry) => !entry.interfaces);
  if (unnamed && sameOpening(unnamed, result)) return;
  const twin = results.find((entry) => entry.interfaces && sameOpening(entry, result));
  if (!twin) results.push(result);
  else {
    appendAll(twin.interfaces!, result.interfaces!);
    appendAll(twin.verdicts, result.verdicts);
  }
}

/** The source pieces (after "any", in address order) and their addresses, for lookups by address. */
interface Sources {
  pieces: SourcePiece[];
  /** pieces[index + 1].value, ascending. */
  values: bigint[];
}

/**
 * The open sources of one view, as judging every source piece listed them: "any", then the pieces of each open
 * gap in address order. A gap no source range of the view holds (the first, the last, those between its ranges)
 * goes the way "any" goes: when "any" is closed its pieces are too, and when "any" is open the opening is to
 * anyone and the gap's verdict says what "any"'s does, so its pieces need not be listed. The work is the view's
 * gaps and the open pieces, not every source piece for every port piece (8,000 rules each naming a /24 and a port
 * were 8,000 x 8,000).
 */
function openSources(
  sources: Sources,
  cuts: readonly bigint[],
  verdicts: Map<Gap, Verdict>,
): { source: SourcePiece; verdict: Verdict }[] {
  const open: { source: SourcePiece; verdict: Verdict }[] = [];
  const anyone = verdicts.get(-1)!;
  const fromAnyone = anyone.reach !== 'closed';
  if (fromAnyone) open.push({ source: sources.pieces[0]!, verdict: anyone });
  for (let gap = 0; gap <= cuts.length; gap++) {
    const verdict = verdicts.get(gap)!;
    if (verdict.reach === 'closed') continue;
    if (fromAnyone) {
      open.push({ source: sources.pieces[0]!, verdict });
      continue;
    }
    const from = gap === 0 ? 0 : lowerBound(sources.values, cuts[gap - 1]!);
    const to = gap === cuts.length ? sources.values.length : lowerBound(sources.values, cuts[gap]!);
    countExposureWork(to - from + 1);
    for (let index = from; index < to; index++) open.push({ source: sources.pieces[index + 1]!, verdict });
  }
  return open;
}

/** Every (sources, interfaces) opening of a port piece, seen through `scope`: unnamed interfaces first. */
function judgePort(
  ruleset: FirewallRuleset,
  family: Family,
  port: number,
  scope: ViewScope,
  sources: Sources,
  interfaces: (string | undefined)[],
): PieceResult[] {
  const results: PieceResult[] = [];
  for (const iif of interfaces) {
    const fixed: FixedPacket = { family, dport: port, ...(iif !== undefined ? { iif } : {}), oif: null };
    const view = sourceView(ruleset, fixed, scope);
    // Every gap of the view, "an address no rule names" (-1) first: one walk for all of them.
    const gaps: Gap[] = [-1];
    for (let gap = 0; gap <= view.cuts.length; gap++) gaps.push(gap);
    countExposureWork(gaps.length);
    const open = openSources(sources, view.cuts, sourceVerdicts(view.chains, fixed, view.cuts, gaps));
    if (open.length === 0) continue;
    const result = interfaceResult(open, family, iif);
    if (iif === undefined) results.push(result);
    else addInterfaceResult(results, result);
  }
  return results;
}

/** Drops pieces whose range lies inside another open piece's range: "10.0.0.0/8" says enough. */
function narrowestCovering(pieces: SourcePiece[]): SourcePiece[] {
  const contained = containedRanges([...new Set(pieces.flatMap((piece) => (piece.range ? [piece.range] : [])))]);
  return pieces.filter((piece) => !piece.range || !contained.has(piece.range));
}

/** The ranges inside another of `ranges` (two equal ranges are inside each other), by a sweep in start order. */
function containedRanges(ranges: AddressRange[]): Set<AddressRange> {
  const sorted = [...ranges].sort((a, b) =>
    a.first !== b.first ? (a.first < b.first ? -1 : 1) : a.last !== b.last ? (a.last > b.last ? -1 : 1) : 0,
  );
  const contained = new Set<AddressRange>();
  // The furthest end among ranges starting earlier (or as early and ending later): it covers the next one if it
  // reaches past that one's end.
  let furthest: bigint | undefined;
  for (let index = 0; index < sorted.length; index++) {
    const range = sorted[index]!;
    const sameAs = (other: AddressRange | undefined) =>
      other !== undefined && other.first === range.first && other.last === range.last;
    const insideEarlier = furthest !== undefined && furthest >= range.last;
    if (insideEarlier || sameAs(sorted[index - 1]) || sameAs(sorted[index + 1])) contained.add(range);
    if (furthest === undefined || range.last > furthest) furthest = range.last;
  }
  return contained;
}

/**
 * The deciding (or uncertain) rules of an entry as its pieces are added, de-duplicated by file, line and text in
 * order of first naming. Merging the entry's whole list again for every piece it grows by was quadratic: 8,000
 * ports open to anyone, each by its own rule, are one entry of 8,000 rules.
 */
class Origins {
  private readonly byKey = new Map<string, Origin>();
  // One verdict per open source names the same rule objects: each is keyed once. The key holds the rule's text,
  // which for a rule naming 20k addresses is 300 KB: built once per verdict, that was quadratic (15 s at 20k).
  private readonly keyed = new Set<Origin>();

  add(verdicts: readonly Verdict[], key: 'decidedBy' | 'uncertain'): void {
    for (const verdict of verdicts) {
      countExposureWork(verdict[key].length);
      for (const origin of verdict[key]) {
        if (this.keyed.has(origin)) continue;
        this.keyed.add(origin);
        this.byKey.set(`${origin.file}:${origin.line}:${origin.text}`, origin);
      }
    }
  }

  list(): Origin[] {
    return [...this.byKey.values()];
  }
}

/** An entry being built: its origins so far, and the judgements already merged in (a set spans many pieces). */
interface Growing {
  entry: OpenPort;
  decidedBy: Origins;
  uncertain: Origins;
  merged: Set<PieceResult>;
}

function grow(growing: Growing, result: PieceResult): void {
  if (growing.merged.has(result)) return;
  growing.merged.add(result);
  growing.decidedBy.add(result.verdicts, 'decidedBy');
  growing.uncertain.add(result.verdicts, 'uncertain');
}

/**
 * Work allowed for judging the port pieces (rules and matches looked at for their views, rules walked, gaps and
 * sources gathered), besides this much per rule and source piece of the family. Each distinct port piece still
 * sees every rule that names no port, so thousands of those (fail2ban bans in a chain every packet enters, ufw's
 * `allow from` rules) met with thousands of distinct ports cost their product: 2,000 bans x 2,000 ports were 12 M
 * units and 17 s; 1,000 mixed ufw allows are 1.5 M units and 0.8 s, as before this bound. A unit is 0.5 to 1.4 us
 * here; the shapes the sweep shares (many ports, many sources, many port-and-source rules) cost 10 to 25 units a
 * rule, so 20,000 of them are well inside.
 */
export const EXPOSURE_WORK_BASE = 2_500_000;
export const EXPOSURE_WORK_PER_RULE = 30;

function tooComplex(family: Family, signatures: number, interfaces: number, limit: number): CheckError {
  const where = interfaces > 1 ? ` on ${interfaces} interface pieces` : '';
  return new CheckError(
    `firewall too complex to evaluate: ${signatures} distinct ${family} port pieces${where}, each judged against the rules every port sees, take more than ${limit} units of work; the exposure is not known`,
  );
}

function workSince(start: number): number {
  return workUnits() - start;
}

/** The rules of each chain a piece's view looks at: those naming no port, and the piece's own, in chain order. */
function pieceScope(bases: readonly BaseChain[], ports: PortPieces, piece: PortPiece): ViewScope {
  const own = new Map<FirewallChain, number[]>();
  for (const placed of piece.rules) {
    const positions = own.get(placed.chain);
    if (positions) positions.push(placed.position);
    else own.set(placed.chain, [placed.position]);
  }
  return {
    bases,
    rulesOf: (chain) => {
      const shared = ports.anyPort.get(chain) ?? [];
      const mine = own.get(chain) ?? [];
      const rules: FirewallRule[] = [];
      let a = 0;
      let b = 0;
      while (a < shared.length || b < mine.length) {
        const next = b >= mine.length || (a < shared.length && shared[a]! < mine[b]!) ? shared[a++]! : mine[b++]!;
        rules.push(chain.rules[next]!);
      }
      return rules;
    },
  };
}

/** For each family: the effective default and every port open to someone, merged into ranges. */
export function inboundExposure(ruleset: FirewallRuleset): FamilyExposure[] {
  return FAMILIES.map((family) => {
    const ports = portPieces(ruleset, family);
    const pieces = sourcePieces(sourceRanges(ruleset, family), family);
    const sources: Sources = { pieces, values: pieces.slice(1).map((piece) => piece.value!) };
    const interfaces = interfacePieces(ruleset, family);
    const bases = baseChains(ruleset, family, 'input');
    const shared = { names: new Set<string>(), pattern: false };
    for (const [chain, positions] of ports.anyPort) {
      for (const position of positions)
        shared.pattern = addInterfaceNames(chain.rules[position]!, shared.names) || shared.pattern;
    }
    const rules = familyRules(ruleset, family).length;
    const limit = EXPOSURE_WORK_BASE + EXPOSURE_WORK_PER_RULE * (rules + pieces.length);
    // How many pieces hold each signature: a judgement is let go after its last piece, not kept to the end.
    const left = new Map<string, number>();
    for (const piece of ports.pieces) left.set(piece.signature, (left.get(piece.signature) ?? 0) + 1);
    const signatures = left.size;
    let judgedCount = 0;
    const start = workUnits();
    /** The least work one distinct piece took: every piece left will take about as much at least. */
    let cheapest = Number.POSITIVE_INFINITY;
    const growing: Growing[] = [];
    const judged = new Map<string, PieceResult[]>();
    const shapes = new WeakMap<PieceResult, string>();
    // The entries the previous port piece ended, by shape: an equal opening on the next piece extends one.
    let ending = new Map<string, Growing>();
    // Also checked as the work is counted: one piece's walk alone can go past the limit (27 rules of undecided jumps
    // copied 2.5 M ways), and the check between pieces came only after it.
    const overLimit = () => tooComplex(family, signatures, interfaces.length, limit);
    withWorkCeiling(start + limit, overLimit, () => {
      for (const piece of ports.pieces) {
        let results = judged.get(piece.signature);
        if (!results) {
          const before = workSince(start);
          const scope = pieceScope(bases, ports, piece);
          const on = pieceInterfaces(interfaces, shared, piece);
          results = judgePort(ruleset, family, piece.ports.from, scope, sources, on);
          judged.set(piece.signature, results);
          judgedCount++;
          const work = workSince(start);
          // The first piece also pays what later ones share (views of the chains): it is no measure of the rest,
          // and taken as one it refused 1,000 mixed ufw allows that take 1 s. The ceiling still holds it.
          if (judgedCount > 1) cheapest = Math.min(cheapest, work - before);
          // Refused as soon as the pieces left are sure to go past the limit, not after a second of work.
          const expected = judgedCount > 1 ? work + cheapest * (signatures - judgedCount) : work;
          if (expected > limit) {
            throw tooComplex(family, signatures, interfaces.length, limit);
          }
        }
        const remaining = left.get(piece.signature)! - 1;
        if (remaining === 0) judged.delete(piece.signature);
        else left.set(piece.signature, remaining);
        const next = new Map<string, Growing>();
        for (const result of results) {
          let shape = shapes.get(result);
          if (shape === undefined) {
            shape = JSON.stringify([result.sources, result.interfaces, result.reach]);
            shapes.set(result, shape);
          }
          const last = ending.get(shape);
          if (last && last.entry.ports.to === piece.ports.from - 1) {
            last.entry.ports = { from: last.entry.ports.from, to: piece.ports.to };
            grow(last, result);
            next.set(shape, last);
            continue;
          }
          const entry: OpenPort = {
            family,
            ports: { ...piece.ports },
            sources: result.sources === 'any' ? 'any' : [...result.sources],
            ...(result.interfaces ? { interfaces: [...result.interfaces] } : {}),
            reach: result.reach,
            decidedBy: [],
            uncertain: [],
          };
          const made: Growing = { entry, decidedBy: new Origins(), uncertain: new Origins(), merged: new Set() };
          grow(made, result);
          growing.push(made);
          next.set(shape, made);
        }
        ending = next;
      }
    });
    const open = growing.map(({ entry, decidedBy, uncertain }) => {
      entry.decidedBy = decidedBy.list();
      entry.uncertain = uncertain.list();
      return entry;
    });
    const fallback = evaluatePacket(ruleset, { family, dport: ports.unnamed, oif: null });
    return {
      family,
      filtered: ruleset.tables.some(
        (table) =>
          tableFamilies(table.family).includes(family) &&
          table.chains.some((chain) => chain.hook === 'input' && chain.type === 'filter'),
      ),
      defaultReach: fallback.reach,
      defaultDecidedBy: fallback.decidedBy,
      open,
    };
  });
}

/** Is `port` reachable from every address (or possibly so), per the exposure of its family? */
export function openPortEntries(exposure: FamilyExposure[], family: Family, port: number): OpenPort[] {
  return (exposure.find((entry) => entry.family === family)?.open ?? []).filter(
    (entry) => entry.ports.from <= port && port <= entry.ports.to,
  );
}

export interface ForwardedPort {
  family: Family;
  /** The published ports the DNAT rule matches (all when it names none). */
  ports: PortRange[];
  /** Where the DNAT sends the connection (a container's address and port). */
  to: string;
  /** Whether the forward hook lets a new connection from anyone through to it. */
  reach: Reach;
  origin: Origin;
  decidedBy: Origin[];
}

/**
 * Ports published by destination NAT (Docker's `-p 30000:30000`: a DNAT in nat PREROUTING/DOCKER). Such connections
 * go through the forward hook, not input: a closed INPUT chain does not close them.
 */
export function forwardedPorts(ruleset: FirewallRuleset): ForwardedPort[] {
  const found: ForwardedPort[] = [];
  for (const table of ruleset.tables) {
    for (const chain of table.chains) {
      for (const rule of chain.rules) {
        const action = rule.action;
        if (action.kind !== 'dnat') continue;
        const destination = action.address ? parseAddress(action.address) : undefined;
        const families = destination ? [destination.family] : tableFamilies(table.family);
        const dport = rule.matches.find((match) => match.kind === 'dport' && !match.negate);
        const ports = dport?.kind === 'dport' ? dport.ports : [{ from: 1, to: PORT_MAX }];
        for (const family of families) {
          const packet: Packet = {
            family,
            dport: action.port ?? ports[0]!.from,
            oif: ROUTED_TO_TARGET,
            ...(destination ? { daddr: destination.value } : {}),
          };
          const verdict = evaluatePacket(ruleset, packet, 'forward');
          found.push({
            family,
            ports,
            to: `${action.address ?? '(same address)'}${action.port !== undefined ? `:${action.port}` : ''}`,
            reach: verdict.reach,
            origin: rule.origin,
            decidedBy: verdict.decidedBy,
          });
        }
      }
    }
  }
  return found;
}
