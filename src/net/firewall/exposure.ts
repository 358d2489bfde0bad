import { familyBits, parseAddress } from '../../parsers/firewall/address-range.js';
import {
  type AddressRange,
  FAMILIES,
  type Family,
  type FirewallRuleset,
  type Origin,
  type PortRange,
  tableFamilies,
} from '../../parsers/firewall/model.js';
import { appendAll } from '../../parsers/lists.js';
import { evaluatePacket, type Packet, type Reach, ROUTED_TO_TARGET, type Verdict } from './evaluate.js';
import { type SourcePiece, sourcePieces } from './source-pieces.js';
import { type Gap, sourceVerdicts } from './source-walk.js';
import { type FixedPacket, sourceView } from './specialise.js';

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

const PORT_MAX = 65535;

function familyRules(ruleset: FirewallRuleset, family: Family) {
  return ruleset.tables
    .filter((table) => tableFamilies(table.family).includes(family))
    .flatMap((table) => table.chains.flatMap((chain) => chain.rules));
}

/** Port pieces: [1, 65535] cut at every start and end+1 a dport match names. */
function portPieces(ruleset: FirewallRuleset, family: Family): PortRange[] {
  const cuts = new Set<number>([1, PORT_MAX + 1]);
  for (const rule of familyRules(ruleset, family)) {
    for (const match of rule.matches) {
      if (match.kind !== 'dport') continue;
      for (const range of match.ports) {
        cuts.add(Math.max(1, range.from));
        cuts.add(Math.min(PORT_MAX + 1, range.to + 1));
      }
    }
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  return sorted.slice(0, -1).map((from, index) => ({ from, to: sorted[index + 1]! - 1 }));
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

function interfacePieces(ruleset: FirewallRuleset, family: Family): (string | undefined)[] {
  const names = new Set<string>();
  for (const rule of familyRules(ruleset, family)) {
    for (const match of rule.matches) {
      if (match.kind === 'interface' && match.direction === 'in') {
        for (const name of match.names) if (name !== 'lo' && name !== '*') names.add(name);
      }
    }
  }
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

/** Every (sources, interfaces) opening of `port`: interfaces no rule names first, then named ones. */
function judgePort(
  ruleset: FirewallRuleset,
  family: Family,
  port: number,
  sources: SourcePiece[],
  interfaces: (string | undefined)[],
): PieceResult[] {
  const results: PieceResult[] = [];
  for (const iif of interfaces) {
    const fixed: FixedPacket = { family, dport: port, ...(iif !== undefined ? { iif } : {}), oif: null };
    const view = sourceView(ruleset, fixed);
    // Source pieces come in address order after "any", so the gap holding each only moves forward.
    const gaps: Gap[] = [];
    let gap = 0;
    for (const source of sources) {
      if (source.value === undefined) {
        gaps.push(-1);
        continue;
      }
      while (gap < view.cuts.length && view.cuts[gap]! <= source.value) gap++;
      gaps.push(gap);
    }
    const verdicts = sourceVerdicts(view.chains, fixed, view.cuts, [...new Set(gaps)]);
    const open: { source: SourcePiece; verdict: Verdict }[] = [];
    sources.forEach((source, index) => {
      const verdict = verdicts.get(gaps[index]!)!;
      if (verdict.reach !== 'closed') open.push({ source, verdict });
    });
    if (open.length === 0) continue;
    const result = interfaceResult(open, family, iif);
    if (iif === undefined) results.push(result);
    else addInterfaceResult(results, result);
  }
  return results;
}

/**
 * What decides a port is only which dport matches hold it: ports that fall in the same ones share one judgement
 * (the gaps between named ports all do).
 */
function portSignature(dports: readonly PortRange[][], port: number): string {
  let signature = '';
  for (const ranges of dports) signature += ranges.some((range) => range.from <= port && port <= range.to) ? '1' : '0';
  return signature;
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

function mergeOrigins(verdicts: Verdict[], key: 'decidedBy' | 'uncertain'): Origin[] {
  const seen = new Map<string, Origin>();
  // One verdict per open source names the same rule objects: each is keyed once. The key holds the rule's text,
  // which for a rule naming 20k addresses is 300 KB: built once per verdict, that was quadratic (15 s at 20k).
  const keyed = new Set<Origin>();
  for (const verdict of verdicts) {
    for (const origin of verdict[key]) {
      if (keyed.has(origin)) continue;
      keyed.add(origin);
      seen.set(`${origin.file}:${origin.line}:${origin.text}`, origin);
    }
  }
  return [...seen.values()];
}

/** A port no dport match names, to read the effective default policy (65535 when every port is named). */
function unnamedPort(ruleset: FirewallRuleset, family: Family, pieces: PortRange[]): number {
  const named = familyRules(ruleset, family).flatMap((rule) =>
    rule.matches.flatMap((match) => (match.kind === 'dport' ? match.ports : [])),
  );
  const free = pieces.find((piece) => !named.some((range) => range.from <= piece.from && piece.from <= range.to));
  return free?.from ?? PORT_MAX;
}

/** For each family: the effective default and every port open to someone, merged into ranges. */
export function inboundExposure(ruleset: FirewallRuleset): FamilyExposure[] {
  return FAMILIES.map((family) => {
    const pieces = portPieces(ruleset, family);
    const sources = sourcePieces(sourceRanges(ruleset, family), family);
    const interfaces = interfacePieces(ruleset, family);
    const open: OpenPort[] = [];
    const dports = familyRules(ruleset, family).flatMap((rule) =>
      rule.matches.flatMap((match) => (match.kind === 'dport' ? [match.ports] : [])),
    );
    const judged = new Map<string, PieceResult[]>();
    // The entries the previous port piece ended, by shape: an equal opening on the next piece extends one.
    let ending = new Map<string, OpenPort>();
    for (const piece of pieces) {
      const signature = portSignature(dports, piece.from);
      if (!judged.has(signature)) judged.set(signature, judgePort(ruleset, family, piece.from, sources, interfaces));
      const next = new Map<string, OpenPort>();
      for (const result of judged.get(signature)!) {
        const shape = JSON.stringify([result.sources, result.interfaces, result.reach]);
        const last = ending.get(shape);
        if (last && last.ports.to === piece.from - 1) {
          last.ports = { from: last.ports.from, to: piece.to };
          last.decidedBy = mergeOrigins(
            [{ reach: 'open', decidedBy: last.decidedBy, uncertain: [] }, ...result.verdicts],
            'decidedBy',
          );
          last.uncertain = mergeOrigins(
            [{ reach: 'open', decidedBy: [], uncertain: last.uncertain }, ...result.verdicts],
            'uncertain',
          );
          next.set(shape, last);
          continue;
        }
        const entry: OpenPort = {
          family,
          ports: { ...piece },
          sources: result.sources === 'any' ? 'any' : [...result.sources],
          ...(result.interfaces ? { interfaces: [...result.interfaces] } : {}),
          reach: result.reach,
          decidedBy: mergeOrigins(result.verdicts, 'decidedBy'),
          uncertain: mergeOrigins(result.verdicts, 'uncertain'),
        };
        open.push(entry);
        next.set(shape, entry);
      }
      ending = next;
    }
    const probe = unnamedPort(ruleset, family, pieces);
    const fallback = evaluatePacket(ruleset, { family, dport: probe, oif: null });
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
