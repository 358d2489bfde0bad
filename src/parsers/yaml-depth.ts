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

// The library's CST parser also recurses on flat text (issue #18): a line that holds a second implicit key after a
// key's value (`a: b c: d`, `a: b:`, `a: "b" c: d`, `a: &x b: c`) leaves one more open map on the parser's stack,
// one per such line at any indentation, and the next less-indented line pops them all by recursion: 8,000 lines of
// `    expires: 2 id: x` overflowed the stack (a RangeError). Such a line is never valid YAML (a compact nested
// mapping is allowed only after `- `, `? ` or `: `), so it is refused, linearly, before the library sees it.
// Quoted scalars (also over several lines), flow collections, comments and block scalars are skipped: a `: ` inside
// them is content. When unsure the scan reads the line (a block scalar's end, a quote that starts inside a plain
// scalar), so it may refuse a text the library would have rejected anyway, never let a growing line through.

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * Where a line first holds a second mapping key after a key's value (1-based line and column), or flow collections
 * first nest deeper than `maxFlow`, if either happens. The flow depth here skips brackets in quotes and comments,
 * which tooDeepForYaml counts: 50,000 lines of `{ # }` closed each `{` there and aborted the process in the library.
 */
export function compactKeysLine(
  text: string,
  maxFlow = Number.POSITIVE_INFINITY,
): { kind: 'depth' | 'compact-keys'; line: number; col: number } | undefined {
  const n = text.length;
  let line = 1;
  let i = 0;
  let flow = 0;
  // Inside a quoted scalar carried over from an earlier line: 34 (") or 39 ('), else 0.
  let quote = 0;
  // In a block scalar: its content is the lines at least as indented as its first line (blank lines too), which
  // must be deeper than the node that holds the scalar (blockParent); blockIndent is -1 until that first line.
  let inBlock = false;
  let blockIndent = -1;
  let blockParent = -1;
  while (i < n) {
    const lineStart = i;
    let end = text.indexOf('\n', i);
    if (end === -1) end = n;
    while (i < end && text.charCodeAt(i) === 32) i++;
    const indent = i - lineStart;
    let j = i;
    while (j < end && isBlank(text.charCodeAt(j))) j++;
    const blank = j === end || (j + 1 === end && text.charCodeAt(j) === 13);
    if (inBlock) {
      if (blank) {
        i = end + 1;
        line += 1;
        continue;
      }
      if (blockIndent < 0 && indent > blockParent) blockIndent = indent;
      if (blockIndent >= 0 && indent >= blockIndent) {
        i = end + 1;
        line += 1;
        continue;
      }
      inBlock = false;
      blockIndent = -1;
    }
    // The line's content: `values` counts mapping indicators after the line's prefix of `- `, `? `, `: `.
    // A quoted scalar carried over from an earlier line counts as a key's value: a `: ` after it would make it a
    // multi-line implicit key, never valid, and the library's stack grew a level per two such lines.
    let values = quote !== 0 && flow === 0 ? 1 : 0;
    let inPrefix = quote === 0 && flow === 0;
    let nodeStart = true;
    // Columns of the line's first key (after the prefix) and of its last prefix indicator: a block scalar's holder.
    let contentCol = -1;
    let indicatorCol = -1;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (quote !== 0) {
        if (quote === 34 && c === 92) i++;
        else if (c === quote) {
          if (quote === 39 && text.charCodeAt(i + 1) === 39) i++;
          else {
            quote = 0;
            nodeStart = false;
          }
        }
        continue;
      }
      if (isBlank(c) || c === 13) continue;
      const next = i + 1 < end ? text.charCodeAt(i + 1) : 32;
      const indicator = (c === 45 || c === 63 || c === 58) && (isBlank(next) || next === 13);
      if (inPrefix && indicator) {
        indicatorCol = i - lineStart;
        nodeStart = true;
        continue;
      }
      if (inPrefix) contentCol = i - lineStart;
      inPrefix = false;
      if (c === 35 && (i === lineStart || isBlank(text.charCodeAt(i - 1)))) break;
      if (flow > 0) {
        if (c === 91 || c === 123) {
          flow += 1;
          if (flow > maxFlow) return { kind: 'depth', line, col: i - lineStart + 1 };
        } else if (c === 93 || c === 125) flow -= 1;
        else if ((c === 34 || c === 39) && nodeStart) quote = c;
        nodeStart = c === 44 || c === 91 || c === 123 || (nodeStart && c === 58);
        continue;
      }
      if (c === 58 && (isBlank(next) || next === 13 || i + 1 === end)) {
        values += 1;
        if (values > 1) return { kind: 'compact-keys', line, col: i - lineStart + 1 };
        nodeStart = true;
        continue;
      }
      if (!nodeStart) continue;
      if (c === 34 || c === 39) quote = c;
      else if (c === 91 || c === 123) flow = 1;
      else if (c === 124 || c === 62) {
        // A block scalar's header: the rest of the line is its indicators and a comment.
        inBlock = true;
        blockParent = values > 0 ? contentCol : indicatorCol;
        break;
      } else if (c === 38 || c === 33) {
        // An anchor or a tag: the node starts after it.
        while (i + 1 < end && !isBlank(text.charCodeAt(i + 1))) i++;
        continue;
      }
      nodeStart = false;
    }
    i = end + 1;
    line += 1;
  }
  return undefined;
}

/** What the library cannot be given: nesting beyond `maxDepth` or a line of two mapping keys, and where. */
export function yamlShapeProblem(
  text: string,
  maxDepth: number,
): { kind: 'depth' | 'compact-keys'; line: number; col: number } | undefined {
  const deep = tooDeepForYaml(text, maxDepth);
  const keys = compactKeysLine(text, maxDepth);
  if (deep && (!keys || deep.line <= keys.line)) return { kind: 'depth', ...deep };
  return keys;
}
