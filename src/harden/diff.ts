// Unified diffs of small text files (the format of GNU `diff -u`, see
import { appendAll } from '../parsers/lists.js';

// https://www.gnu.org/software/diffutils/manual/html_node/Unified-Format.html), from a Myers shortest edit script.
// Pure: text in, text out.

/** One line with its terminator: the last line of a file may lack "\n", and then differs from the same text with one. */
interface Line {
  text: string;
  newline: boolean;
}

type Op = { kind: 'equal' | 'delete' | 'insert'; line: Line };

export const DIFF_CONTEXT = 3;

function splitLines(content: string): Line[] {
  if (content === '') return [];
  const parts = content.split('\n');
  const endsWithNewline = parts.at(-1) === '';
  if (endsWithNewline) parts.pop();
  return parts.map((text, index) => ({ text, newline: endsWithNewline || index < parts.length - 1 }));
}

const sameLine = (a: Line, b: Line): boolean => a.text === b.text && a.newline === b.newline;

/**
 * Past this edit distance the search stops: Myers keeps one frontier per distance (memory D², time D × lines), so a
 * rewritten file of 20,000 lines needed 12.9 GB and 41 s (issue #18). 1,000 is far beyond what a planner changes in a
 * config or unit, and keeps the saved frontiers under 4 MB.
 */
export const MAX_EDIT_DISTANCE = 1000;
/** And past this many steps (diagonals tried plus lines compared): D × lines stays linear in the lines. */
const MAX_DIFF_WORK = 20_000_000;

/**
 * A minimal edit script of a to b: the common first and last lines are equal (as GNU diff strips them too), and the
 * rest goes through Myers. When the rest is too far apart for Myers within the bounds above, it is shown as a whole
 * block removed and a block added: still a correct diff, just not the smallest, as GNU diff gives up on minimality
 * on expensive inputs.
 */
function editScript(a: Line[], b: Line[]): Op[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && sameLine(a[prefix] as Line, b[prefix] as Line)) prefix++;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    sameLine(a[a.length - 1 - suffix] as Line, b[b.length - 1 - suffix] as Line)
  )
    suffix++;
  const oldMiddle = a.slice(prefix, a.length - suffix);
  const newMiddle = b.slice(prefix, b.length - suffix);
  const ops: Op[] = [];
  for (let index = 0; index < prefix; index++) ops.push({ kind: 'equal', line: a[index] as Line });
  const middle = myers(oldMiddle, newMiddle);
  if (middle) appendAll(ops, middle);
  else {
    for (const line of oldMiddle) ops.push({ kind: 'delete', line });
    for (const line of newMiddle) ops.push({ kind: 'insert', line });
  }
  for (let index = a.length - suffix; index < a.length; index++) ops.push({ kind: 'equal', line: a[index] as Line });
  return ops;
}

/**
 * Myers' O(ND) greedy algorithm ("An O(ND) Difference Algorithm and Its Variations", 1986): a minimal edit script,
 * or undefined past MAX_EDIT_DISTANCE or MAX_DIFF_WORK. Keeps the frontier's 2d + 1 diagonals at each distance d
 * to walk back.
 */
function myers(a: Line[], b: Line[]): Op[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const frontier = new Int32Array(2 * max + 3);
  // trace[d][k + d]: the frontier before distance d, on diagonals -d..d (only -(d-1)..d-1 are read back).
  const trace: Int32Array[] = [];
  let found = -1;
  let work = 0;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(frontier.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (frontier[offset + k - 1] ?? 0) < (frontier[offset + k + 1] ?? 0));
      let x = down ? (frontier[offset + k + 1] ?? 0) : (frontier[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      const from = x;
      while (x < n && y < m && sameLine(a[x] as Line, b[y] as Line)) {
        x++;
        y++;
      }
      work += 1 + x - from;
      frontier[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (work > MAX_DIFF_WORK) break;
  }
  if (found < 0) return undefined;
  // Walk back from (n, m) through the saved frontiers, collecting the moves in reverse.
  const reversed: Op[] = [];
  let x = n;
  let y = m;
  for (let d = found; d >= 0; d--) {
    const v = trace[d] as Int32Array;
    const k = x - y;
    const down = k === -d || (k !== d && (v[d + k - 1] ?? 0) < (v[d + k + 1] ?? 0));
    const previousK = down ? k + 1 : k - 1;
    const previousX = d === 0 ? 0 : (v[d + previousK] ?? 0);
    const previousY = d === 0 ? 0 : previousX - previousK;
    while (x > previousX && y > previousY) {
      reversed.push({ kind: 'equal', line: a[x - 1] as Line });
      x--;
      y--;
    }
    if (d > 0) {
      if (down) reversed.push({ kind: 'insert', line: b[y - 1] as Line });
      else reversed.push({ kind: 'delete', line: a[x - 1] as Line });
      x = previousX;
      y = previousY;
    }
  }
  return reversed.reverse();
}

/** Within each run of changes, deletions first, then insertions: how `diff -u` prints a replaced block. */
function groupChanges(ops: Op[]): Op[] {
  const result: Op[] = [];
  let deletes: Op[] = [];
  let inserts: Op[] = [];
  const flush = (): void => {
    appendAll(result, deletes, inserts);
    deletes = [];
    inserts = [];
  };
  for (const op of ops) {
    if (op.kind === 'equal') {
      flush();
      result.push(op);
    } else (op.kind === 'delete' ? deletes : inserts).push(op);
  }
  flush();
  return result;
}

/** `start,count` of a hunk side; an empty side names the line before it, and a count of 1 is left out. */
function range(start: number, count: number): string {
  if (count === 0) return `${start},0`;
  return count === 1 ? `${start + 1}` : `${start + 1},${count}`;
}

function renderLine(prefix: string, line: Line): string {
  return `${prefix}${line.text}\n${line.newline ? '' : '\\ No newline at end of file\n'}`;
}

/** The @@ hunks of a unified diff from `before` to `after` (empty when they are equal). */
export function unifiedHunks(before: string, after: string, context = DIFF_CONTEXT): string {
  const ops = groupChanges(editScript(splitLines(before), splitLines(after)));
  const changed = ops.map((op, index) => (op.kind === 'equal' ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) return '';
  // Hunks: changes closer than 2 × context lines share one hunk, as in diff -u.
  const spans: { from: number; to: number }[] = [];
  for (const index of changed) {
    const last = spans.at(-1);
    if (last && index - last.to <= 2 * context + 1) last.to = index;
    else spans.push({ from: index, to: index });
  }
  // Line positions before each op, on each side.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let oldLine = 0;
  let newLine = 0;
  for (const op of ops) {
    oldAt.push(oldLine);
    newAt.push(newLine);
    if (op.kind !== 'insert') oldLine++;
    if (op.kind !== 'delete') newLine++;
  }
  let text = '';
  for (const span of spans) {
    const from = Math.max(0, span.from - context);
    const to = Math.min(ops.length - 1, span.to + context);
    const slice = ops.slice(from, to + 1);
    const oldCount = slice.filter((op) => op.kind !== 'insert').length;
    const newCount = slice.filter((op) => op.kind !== 'delete').length;
    text += `@@ -${range(oldAt[from] ?? 0, oldCount)} +${range(newAt[from] ?? 0, newCount)} @@\n`;
    for (const op of slice) text += renderLine(op.kind === 'equal' ? ' ' : op.kind === 'delete' ? '-' : '+', op.line);
  }
  return text;
}

/**
 * A whole unified diff for the file at `path` inside the target ("/etc/x" → `--- a/etc/x`); `before` undefined is a
 * new file (`--- /dev/null`). Empty when nothing changes.
 */
export function unifiedDiff(path: string, before: string | undefined, after: string): string {
  const hunks = unifiedHunks(before ?? '', after);
  if (hunks === '') return '';
  const relative = path.replace(/^\/+/, '');
  return `--- ${before === undefined ? '/dev/null' : `a/${relative}`}\n+++ b/${relative}\n${hunks}`;
}

/** Lines removed and added, for the summary of a change whose text is not shown. */
export function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const ops = editScript(splitLines(before), splitLines(after));
  return {
    removed: ops.filter((op) => op.kind === 'delete').map((op) => op.line.text),
    added: ops.filter((op) => op.kind === 'insert').map((op) => op.line.text),
  };
}
