import type { Origin } from '../../parsers/firewall/model.js';

// The undecided rules a way passed, kept as persistent sequences: appending a rule or putting two ways end to end
// makes one small node that shares both sides. A chain of 50k undecided rules copied its list at every rule
// (50k x 50k), and every way that branched off copied it again.

/** A persistent sequence of origins: a leaf, or two sequences end to end (size cached). */
export type Seq =
  | { readonly size: 0 }
  | { readonly size: 1; readonly origin: Origin }
  | { readonly size: number; readonly left: Seq; readonly right: Seq };

export const EMPTY_SEQ: Seq = { size: 0 };

export function single(origin: Origin): Seq {
  return { size: 1, origin };
}

/** `first` then `second`, sharing both. */
export function join(first: Seq, second: Seq): Seq {
  if (first.size === 0) return second;
  if (second.size === 0) return first;
  return { size: first.size + second.size, left: first, right: second };
}

/**
 * Appends the origins of `seq` to `out` in order, skipping every node `seen` already holds: a node met before had
 * all its origins appended then, so skipping it keeps the order of first occurrences (all a de-duplicated list
 * keeps) while 256 ways sharing one 50k-rule prefix cost 50k, not 256 x 50k.
 */
export function appendOrigins(seq: Seq, out: Origin[], seen: Set<Seq>): void {
  const stack: Seq[] = [seq];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.size === 0 || seen.has(node)) continue;
    seen.add(node);
    if ('origin' in node) out.push(node.origin);
    else if ('left' in node) stack.push(node.right, node.left);
  }
}

export function toArray(seq: Seq): Origin[] {
  const out: Origin[] = [];
  appendOrigins(seq, out, new Set());
  return out;
}
