// The YAML library's document, parsed in time linear in the text (issue #18), for parsers that report one error:
// - its duplicate-key check (`uniqueKeys`, on by default) compares each key with every earlier key of its map: 80,000
//   `hosts:` keys in one inventory map took 53 s, 40,000 keys in a waiver 13 s. It is off; firstDuplicateKey is linear.
// - its pretty errors (`prettyErrors`, on by default) cut each error's line out of the text and scan it: a 1 MB line
//   of 131,000 errors is quadratic. They are off; the caller places the one error it reports (LineCounter).
// - each error captures a stack: 70,000 errors in a 1 MB compose file spent two thirds of 2.5 s building them and
//   collecting them. The stack is not taken while parsing (nothing reports it: the callers word errors themselves).
import {
  type DocumentOptions,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type LineCounter,
  type ParseOptions,
  parseDocument,
} from 'yaml';

/**
 * The library's parser ran out of stack (a RangeError): its CST parser recurses once per open node, and the callers'
 * pre-check (src/parsers/yaml-depth.ts) refuses the shapes known to grow it, but not every garbage text that does
 * (~10 in 1,500 random mixes of garbage lines, issue #18). `line` is where it ran out: the lexer feeds the line
 * counter as the parser goes, so its count is the line being parsed, the one that closes the nodes left open (it
 * was reported as line 1).
 */
export class YamlStackError extends Error {
  constructor(readonly line: number) {
    super('too deeply nested for the YAML parser (its stack ran out)');
    this.name = 'YamlStackError';
  }
}

/**
 * parseDocument without the quadratic checks above; `uniqueKeys` is off, so call firstDuplicateKey. Throws
 * YamlStackError instead of the library's stack overflow.
 */
export function parseYamlDocument(
  text: string,
  options: { lineCounter: LineCounter } & Omit<ParseOptions & DocumentOptions, 'uniqueKeys' | 'prettyErrors'>,
) {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parseDocument(text, { ...options, prettyErrors: false, uniqueKeys: false });
  } catch (error) {
    if (error instanceof RangeError) throw new YamlStackError(Math.max(1, options.lineCounter.lineStarts.length));
    throw error;
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * The offset where the first key repeated in its own map starts, if any. Keys compare as the library compares them:
 * scalars by value (1 and "1" differ), other keys never. An explicit stack: depth is bounded by the callers'
 * tooDeepForYaml check, but the walk must not depend on it.
 */
export function firstDuplicateKey(root: unknown): number | undefined {
  let first: number | undefined;
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isSeq(node)) {
      for (const item of node.items) pending.push(item);
      continue;
    }
    if (!isMap(node)) continue;
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      pending.push(pair.key, pair.value);
      if (!isScalar(pair.key)) continue;
      const name = `${typeof pair.key.value}:${String(pair.key.value)}`;
      const at = pair.key.range?.[0];
      if (seen.has(name) && at !== undefined && (first === undefined || at < first)) first = at;
      seen.add(name);
    }
  }
  return first;
}
