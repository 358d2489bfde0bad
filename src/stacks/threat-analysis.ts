// The stake-threshold threat for one cycle: concentration over signers and over operators, and where the operator's own
// key stands. Pure: a validated signer set in, plain data out (u128 amounts as decimal strings, so JSON keeps them exact).

import { type ConcentrationFigures, concentration } from './concentration.js';
import { fingerprint } from './fingerprint.js';
import type { OperatorMap } from './operators.js';
import type { StackerSet } from './signer-set.js';

/** The row where the running total first reaches a threshold: the last member of the smallest such coalition. */
export type Crossing = 'halt' | 'approve';

interface RankedRow {
  rank: number;
  weight: number;
  /** 0–1 */
  share: number;
  cumulativeWeight: number;
  cumulativeShare: number;
  /** Micro-STX, decimal. */
  stackedUstx: string;
  mine: boolean;
  crosses: Crossing[];
}

export interface SignerRow extends RankedRow {
  signingKey: string;
  /** From the operators map; null when the key is not in it (or no map was given). */
  operator: string | null;
}

export interface OperatorRow extends RankedRow {
  /** The operator's name, or for a key missing from the map, that key (it counts as an operator of its own). */
  name: string;
  attributed: boolean;
  signingKeys: string[];
}

export interface StandAlone {
  weight: number;
  share: number;
  canHaltAlone: boolean;
  canApproveAlone: boolean;
}

export interface MyPosition extends StandAlone {
  /** The keys asked about that are in this cycle's set. */
  keys: string[];
  /**
   * Fingerprints (fingerprint() of the hex) of keys asked about that are not in the set (not registered, or zero weight
   * dropped by the node). Never the keys: a mistaken --me may be a private key that happens to parse as a point.
   */
  missing: string[];
  /** The operators owning my keys, their weights summed (only with an operators map). */
  operator: (StandAlone & { names: string[] }) | null;
}

export interface ThreatAnalysis {
  rewardSetVersion: 0 | 1;
  poxUstxThreshold: string | null;
  totalStackedUstx: string;
  signers: { figures: ConcentrationFigures; rows: SignerRow[] };
  operators: { figures: ConcentrationFigures; rows: OperatorRow[]; keysNotInSet: number } | null;
  me: MyPosition | null;
}

interface Member {
  weight: number;
  stackedUstx: bigint;
  sortKey: string;
}

/** Heaviest first, ties by sort key; running totals and the rows where the thresholds are crossed. */
function rank<T extends Member>(
  members: readonly T[],
  figures: ConcentrationFigures,
  isMine: (member: T) => boolean,
): (RankedRow & { member: T })[] {
  const sorted = [...members].sort((a, b) => b.weight - a.weight || (a.sortKey < b.sortKey ? -1 : 1));
  let cumulative = 0;
  return sorted.map((member, index) => {
    const before = cumulative;
    cumulative += member.weight;
    const crosses: Crossing[] = [];
    if (before < figures.haltWeight && cumulative >= figures.haltWeight) crosses.push('halt');
    if (before < figures.approveThreshold && cumulative >= figures.approveThreshold) crosses.push('approve');
    return {
      member,
      rank: index + 1,
      weight: member.weight,
      share: member.weight / figures.totalWeight,
      cumulativeWeight: cumulative,
      cumulativeShare: cumulative / figures.totalWeight,
      stackedUstx: member.stackedUstx.toString(),
      mine: isMine(member),
      crosses,
    };
  });
}

function standAlone(weight: number, figures: ConcentrationFigures): StandAlone {
  return {
    weight,
    share: weight / figures.totalWeight,
    canHaltAlone: weight >= figures.haltWeight,
    canApproveAlone: weight >= figures.approveThreshold,
  };
}

export interface ThreatOptions {
  operators?: OperatorMap;
  /** Normalised public keys (lower-case hex, no 0x) of the operator's own signers. */
  myKeys?: readonly string[];
}

export function analyseThreat(set: StackerSet, options: ThreatOptions = {}): ThreatAnalysis {
  const myKeys = new Set(options.myKeys ?? []);
  const operators = options.operators;
  const signerFigures = concentration(set.signers.map((signer) => signer.weight));
  const signerRows: SignerRow[] = rank(
    set.signers.map((signer) => ({ ...signer, sortKey: signer.signingKey })),
    signerFigures,
    (signer) => myKeys.has(signer.signingKey),
  ).map(({ member, ...row }) => ({
    ...row,
    signingKey: member.signingKey,
    operator: operators?.get(member.signingKey) ?? null,
  }));

  let operatorSection: ThreatAnalysis['operators'] = null;
  if (operators) {
    const groups = new Map<string, Member & { name: string; attributed: boolean; signingKeys: string[] }>();
    for (const signer of set.signers) {
      const owner = operators.get(signer.signingKey);
      const id = owner === undefined ? `key:${signer.signingKey}` : `operator:${owner}`;
      const group = groups.get(id) ?? {
        name: owner ?? signer.signingKey,
        attributed: owner !== undefined,
        signingKeys: [],
        weight: 0,
        stackedUstx: 0n,
        sortKey: owner ?? signer.signingKey,
      };
      group.signingKeys.push(signer.signingKey);
      group.weight += signer.weight;
      group.stackedUstx += signer.stackedUstx;
      groups.set(id, group);
    }
    const members = [...groups.values()];
    const figures = concentration(members.map((group) => group.weight));
    const inSet = new Set(set.signers.map((signer) => signer.signingKey));
    const rows: OperatorRow[] = rank(members, figures, (group) => group.signingKeys.some((key) => myKeys.has(key))).map(
      ({ member, ...row }) => ({
        ...row,
        name: member.name,
        attributed: member.attributed,
        signingKeys: member.signingKeys.sort(),
      }),
    );
    operatorSection = { figures, rows, keysNotInSet: [...operators.keys()].filter((key) => !inSet.has(key)).length };
  }

  let me: MyPosition | null = null;
  if (myKeys.size > 0) {
    const mine = signerRows.filter((row) => row.mine);
    const found = new Set(mine.map((row) => row.signingKey));
    const myOperators = operatorSection?.rows.filter((row) => row.mine) ?? [];
    me = {
      ...standAlone(
        mine.reduce((sum, row) => sum + row.weight, 0),
        signerFigures,
      ),
      keys: [...found].sort(),
      missing: [...myKeys]
        .filter((key) => !found.has(key))
        .map((key) => fingerprint(key))
        .sort(),
      operator:
        operatorSection && myOperators.length > 0
          ? {
              ...standAlone(
                myOperators.reduce((sum, row) => sum + row.weight, 0),
                operatorSection.figures,
              ),
              names: myOperators.map((row) => row.name),
            }
          : null,
    };
  }

  return {
    rewardSetVersion: set.rewardSetVersion,
    poxUstxThreshold: set.poxUstxThreshold === null ? null : set.poxUstxThreshold.toString(),
    totalStackedUstx: set.signers.reduce((sum, signer) => sum + signer.stackedUstx, 0n).toString(),
    signers: { figures: signerFigures, rows: signerRows },
    operators: operatorSection,
    me,
  };
}
