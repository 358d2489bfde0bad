import { formatAddress } from '../../parsers/firewall/address-range.js';
import type { AddressRange, Family } from '../../parsers/firewall/model.js';

// The source address space cut at every boundary a rule names: one representative address per piece, labelled by
// the narrowest named range holding it. A sweep over the cuts keeps the ranges holding the current one in a heap,
// narrowest first, so a 5000-address blocklist costs n log n, not a scan of every range per cut.

export interface SourcePiece {
  /** Undefined: outside every named range. */
  value?: bigint;
  label: string;
  /** The narrowest named range holding the piece. */
  range?: AddressRange;
}

interface Candidate {
  range: AddressRange;
  size: bigint;
  /** Position among the named ranges: of two equally narrow ranges, the first named labels the piece. */
  index: number;
}

function before(a: Candidate, b: Candidate): boolean {
  return a.size !== b.size ? a.size < b.size : a.index < b.index;
}

/** A binary min-heap of candidates, narrowest (then first named) on top. */
class NarrowestFirst {
  private readonly items: Candidate[] = [];

  get top(): Candidate | undefined {
    return this.items[0];
  }

  push(item: Candidate): void {
    const items = this.items;
    items.push(item);
    let at = items.length - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!before(items[at]!, items[parent]!)) break;
      [items[at], items[parent]] = [items[parent]!, items[at]!];
      at = parent;
    }
  }

  pop(): void {
    const items = this.items;
    const last = items.pop()!;
    if (items.length === 0) return;
    items[0] = last;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let smallest = at;
      if (left < items.length && before(items[left]!, items[smallest]!)) smallest = left;
      if (right < items.length && before(items[right]!, items[smallest]!)) smallest = right;
      if (smallest === at) return;
      [items[at], items[smallest]] = [items[smallest]!, items[at]!];
      at = smallest;
    }
  }
}

function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "any" (an address no rule names) first, then one piece per cut that some named range holds, in address order. */
export function sourcePieces(ranges: readonly AddressRange[], family: Family): SourcePiece[] {
  const cuts = [...new Set(ranges.flatMap((range) => [range.first, range.last + 1n]))].sort(compareBigints);
  const byStart = ranges
    .map((range, index): Candidate => ({ range, size: range.last - range.first, index }))
    .sort((a, b) => compareBigints(a.range.first, b.range.first));
  const holding = new NarrowestFirst();
  const pieces: SourcePiece[] = [{ label: 'any' }];
  let next = 0;
  for (const value of cuts) {
    while (next < byStart.length && byStart[next]!.range.first <= value) holding.push(byStart[next++]!);
    // Ranges that ended before this cut leave lazily, when they come to the top.
    while (holding.top && holding.top.range.last < value) holding.pop();
    const narrowest = holding.top?.range;
    if (!narrowest) continue;
    const label = narrowest.first === narrowest.last ? formatAddress(family, value) : narrowest.text;
    pieces.push({ value, label, range: narrowest });
  }
  return pieces;
}
