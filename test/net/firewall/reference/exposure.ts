// Frozen copy of src/net/firewall/exposure.ts before the exposure computation was made fast: the oracle the
// differential test (test/net/firewall/exposure-differential.test.ts) compares the fast one with. Keep it slow and as is.
// Semantic changes made to both since it was frozen: every interface's opening is reported (not only the first
// interface with something open), and a source range covering the whole family counts as anyone.
import { familyBits, formatAddress, parseAddress } from '../../../../src/parsers/firewall/address-range.js';
import {
  type AddressRange,
  FAMILIES,
  type Family,
  type FirewallRuleset,
  type Origin,
  type PortRange,
  tableFamilies,
} from '../../../../src/parsers/firewall/model.js';
import { evaluatePacket, type Packet, type Reach, ROUTED_TO_TARGET, type Verdict } from './evaluate.js';

// "Which ports are open to whom": the port space and the source space are cut at every boundary a rule names, so
// one packet per piece decides the whole piece exactly (every address or port inside a piece matches the same rules).

export interface OpenPort {
  family: Family;
  ports: PortRange;
  /** 'any': also from addresses no rule names; else the address ranges (as written) it is open to. */
  sources: 'any' | string[];
  /** Set when the port is open only on these input interfaces (`iifname "wg0"`). */
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

interface SourcePiece {
  /** Undefined: outside every named range. */
  value?: bigint;
  label: string;
  /** The narrowest named range holding the piece. */
  range?: AddressRange;
}

/** One representative per piece of the named source ranges (the narrowest range naming it is the label). */
function sourcePieces(ruleset: FirewallRuleset, family: Family): SourcePiece[] {
  const ranges: AddressRange[] = [];
  for (const rule of familyRules(ruleset, family)) {
    for (const match of rule.matches) {
      if (match.kind === 'address' && match.field === 'saddr' && match.family === family) ranges.push(...match.ranges);
    }
  }
  const cuts = [...new Set(ranges.flatMap((range) => [range.first, range.last + 1n]))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const pieces: SourcePiece[] = [{ label: 'any' }];
  for (const value of cuts) {
    const covering = ranges.filter((range) => range.first <= value && value <= range.last);
    if (covering.length === 0) continue;
    const narrowest = covering.reduce((best, range) =>
      range.last - range.first < best.last - best.first ? range : best,
    );
    const label = narrowest.first === narrowest.last ? formatAddress(family, value) : narrowest.text;
    pieces.push({ value, label, range: narrowest });
  }
  return pieces;
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

function sameOpening(a: PieceResult, b: PieceResult): boolean {
  return JSON.stringify([a.sources, a.reach]) === JSON.stringify([b.sources, b.reach]);
}

function judgePort(
  ruleset: FirewallRuleset,
  family: Family,
  port: number,
  sources: SourcePiece[],
  interfaces: (string | undefined)[],
): PieceResult[] {
  const results: PieceResult[] = [];
  for (const iif of interfaces) {
    const open: { source: SourcePiece; verdict: Verdict }[] = [];
    for (const source of sources) {
      const packet: Packet = {
        family,
        dport: port,
        ...(source.value !== undefined ? { saddr: source.value } : {}),
        ...(iif !== undefined ? { iif } : {}),
        oif: null,
      };
      const verdict = evaluatePacket(ruleset, packet);
      if (verdict.reach !== 'closed') open.push({ source, verdict });
    }
    if (open.length === 0) continue;
    const fromAnyone = open.some((entry) => entry.source.value === undefined || wholeFamily(entry.source, family));
    const labels = [...new Set(narrowestCovering(open.map((entry) => entry.source)).map((piece) => piece.label))];
    const verdicts = open.map((entry) => entry.verdict);
    const result: PieceResult = {
      sources: fromAnyone ? 'any' : labels,
      ...(iif !== undefined ? { interfaces: [iif] } : {}),
      reach: verdicts.every((verdict) => verdict.reach === 'open') ? 'open' : 'possibly-open',
      verdicts,
    };
    // Every interface's opening is kept: the same as on unnamed interfaces adds nothing, the same as on another
    // named interface joins it.
    const unnamed = results.find((entry) => !entry.interfaces);
    if (iif === undefined) results.push(result);
    else if (unnamed && sameOpening(unnamed, result)) continue;
    else {
      const twin = results.find((entry) => entry.interfaces && sameOpening(entry, result));
      if (!twin) results.push(result);
      else {
        twin.interfaces!.push(iif);
        twin.verdicts.push(...verdicts);
      }
    }
  }
  return results;
}

/** Drops pieces whose range lies inside another open piece's range: "10.0.0.0/8" says enough. */
function narrowestCovering(pieces: SourcePiece[]): SourcePiece[] {
  return pieces.filter(
    (piece) =>
      !pieces.some(
        (other) =>
          other !== piece &&
          other.range &&
          piece.range &&
          other.range !== piece.range &&
          other.range.first <= piece.range.first &&
          piece.range.last <= other.range.last,
      ),
  );
}

function mergeOrigins(verdicts: Verdict[], key: 'decidedBy' | 'uncertain'): Origin[] {
  const seen = new Map<string, Origin>();
  for (const verdict of verdicts) {
    for (const origin of verdict[key]) seen.set(`${origin.file}:${origin.line}:${origin.text}`, origin);
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
    const sources = sourcePieces(ruleset, family);
    const interfaces = interfacePieces(ruleset, family);
    const open: OpenPort[] = [];
    let ending = new Map<string, OpenPort>();
    for (const piece of pieces) {
      const next = new Map<string, OpenPort>();
      for (const result of judgePort(ruleset, family, piece.from, sources, interfaces)) {
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
          sources: result.sources,
          ...(result.interfaces ? { interfaces: result.interfaces } : {}),
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
