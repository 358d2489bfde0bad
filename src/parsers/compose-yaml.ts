// https://docs.docker.com/reference/compose-file/ — a compose file is YAML; parsed here with limits so no file can
// make the audit quadratic or exhaust memory.
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Node } from 'yaml';
import { PARSE_LIMITS, yamlEntriesBound } from './parse-limits.js';
import { yamlShapeProblem } from './yaml-depth.js';
import { parseYamlDocument, YamlStackError } from './yaml-document.js';

/** Compose files are kilobytes; these bound a hostile one well above any real project (PARSE_LIMITS.composeYaml). */
export const COMPOSE_LIMITS = {
  /** Bytes read of one compose file. */
  maxBytes: PARSE_LIMITS.composeYaml.maxBytes,
  /** Nesting of maps and sequences. */
  maxDepth: PARSE_LIMITS.composeYaml.maxDepth,
  /** Map keys plus sequence items in one document. */
  maxNodes: PARSE_LIMITS.composeYaml.maxEntries,
  /** Alias expansions when the document becomes data (the library's billion-laughs guard). */
  maxAliasCount: 100,
} as const;

/**
 * Shaped like the library's own errors (`code`, `linePos`) so one formatter places both, without quoting the text.
 */
export class ComposeYamlLimitError extends Error {
  readonly linePos: { line: number; col: number }[];
  constructor(
    readonly code: 'DUPLICATE_KEY' | 'TOO_DEEP' | 'TOO_MANY_NODES' | 'COMPACT_KEYS' | 'TOO_LARGE',
    at: { line: number; col: number },
  ) {
    super(code);
    this.name = 'ComposeYamlLimitError';
    this.linePos = [at];
  }
}

/**
 * YAML text → plain data. The library's own duplicate-key check compares each key with every earlier key of its map
 * (O(n²): 40k keys took a minute), so it is off and duplicates are found here with one set per map, in one walk that
 * also bounds depth and node count. Throws the library's first error, or a ComposeYamlLimitError.
 */
export function parseComposeYaml(text: string): unknown {
  // Before the library recurses: see src/parsers/yaml-depth.ts (a 2 KB file aborted the process).
  // Also a line of two mapping keys, on which the library's stack grows a level per line.
  const shape = yamlShapeProblem(text, COMPOSE_LIMITS.maxDepth * 8);
  if (shape) throw new ComposeYamlLimitError(shape.kind === 'depth' ? 'TOO_DEEP' : 'COMPACT_KEYS', shape);
  // Size and an upper bound on entries, on the text: the library's cost is per byte and per entry (PARSE_LIMITS).
  const overLimit = yamlEntriesBound(text, PARSE_LIMITS.composeYaml);
  if (overLimit)
    throw new ComposeYamlLimitError(overLimit.limit === 'maxBytes' ? 'TOO_LARGE' : 'TOO_MANY_NODES', {
      line: overLimit.line ?? 1,
      col: 1,
    });
  const lineCounter = new LineCounter();
  // Pretty errors were quadratic on a long line of errors, and each error's stack cost seconds in all: see
  // src/parsers/yaml-document.ts. The one error thrown is placed here, as prettyErrors did (composeError reads linePos).
  let document: ReturnType<typeof parseYamlDocument>;
  try {
    document = parseYamlDocument(text, { logLevel: 'error', lineCounter });
  } catch (error) {
    // Where the library's stack ran out.
    if (error instanceof YamlStackError) throw new ComposeYamlLimitError('TOO_DEEP', { line: error.line, col: 1 });
    throw error;
  }
  const problem = document.errors[0];
  if (problem) {
    problem.linePos = [lineCounter.linePos(problem.pos[0]), lineCounter.linePos(problem.pos[1])];
    throw problem;
  }
  const at = (node: { range?: readonly number[] | null | undefined } | null | undefined) => {
    const offset = node?.range?.[0] ?? 0;
    return lineCounter.linePos(offset);
  };
  // An explicit stack, not recursion: depth is bounded by the check, but the walk must not depend on it.
  const pending: { node: unknown; depth: number }[] = [{ node: document.contents, depth: 0 }];
  let nodes = 0;
  while (pending.length > 0) {
    const { node, depth } = pending.pop()!;
    if (!node || isScalar(node) || isAlias(node)) continue;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth >= COMPOSE_LIMITS.maxDepth) throw new ComposeYamlLimitError('TOO_DEEP', at(node as Node));
    nodes += node.items.length;
    if (nodes > COMPOSE_LIMITS.maxNodes) throw new ComposeYamlLimitError('TOO_MANY_NODES', at(node as Node));
    if (isSeq(node)) {
      for (const item of node.items) pending.push({ node: item, depth: depth + 1 });
      continue;
    }
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key;
      // Compose keys are scalars; a complex key cannot name a compose field, so it is not compared.
      if (isScalar(key)) {
        const name = `${typeof key.value}:${String(key.value)}`;
        if (seen.has(name)) throw new ComposeYamlLimitError('DUPLICATE_KEY', at(key));
        seen.add(name);
      } else if (key) {
        pending.push({ node: key, depth: depth + 1 });
      }
      pending.push({ node: pair.value, depth: depth + 1 });
    }
  }
  return document.toJS({ maxAliasCount: COMPOSE_LIMITS.maxAliasCount });
}
