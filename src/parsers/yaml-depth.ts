// The YAML library parses by recursion, one level per nesting level: a 2 KB line of 1000 `- ` overflowed its stack,
// and V8 then aborted the whole process (RegExpCompiler out of memory) instead of throwing. So depth is bounded on
// the text before the library sees it, linearly and conservatively: a line's leading run of indentation and block
// indicators (`- `, `? `, `: `) bounds its block depth, and open brackets bound the flow depth.

/** Where the text first gets deeper than `maxDepth` by that bound (1-based line and column), if it does. */
export function tooDeepForYaml(text: string, maxDepth: number): { line: number; col: number } | undefined {
  let line = 1;
  let lineStart = 0;
  let inPrefix = true;
  let flow = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line += 1;
      lineStart = i + 1;
      inPrefix = true;
      continue;
    }
    // Space, tab, '-', '?', ':' continue the prefix; anything else ends it.
    if (inPrefix && !(c === 32 || c === 9 || c === 45 || c === 63 || c === 58)) inPrefix = false;
    if (inPrefix && i - lineStart >= maxDepth) return { line, col: i - lineStart + 1 };
    if (c === 91 || c === 123) {
      flow += 1;
      if (flow > maxDepth) return { line, col: i - lineStart + 1 };
    } else if ((c === 93 || c === 125) && flow > 0) flow -= 1;
  }
  return undefined;
}
