// Issue 18 item 6: no backtracking regexes on unbounded input. A group repeated without bound whose body itself
// repeats without bound (`(a+)+`, `(?:\w+\s*)*`, `(?:…[\s,]*){12,}`) can backtrack exponentially or overflow the
// regex stack on a long input: the mnemonic run regex did (9 MB of `key key …`). This test walks src/'s regex
// literals and `new RegExp('…')` strings with the TypeScript syntax tree and refuses such nesting. A regex that only
// ever sees short input may say so with a `regex-ok: <why>` comment on its line or the line above.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const repo = join(import.meta.dirname, '..', '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The length of an unbounded quantifier at `at` (`*`, `+`, `{n,}`, each optionally lazy), or 0. */
function unboundedQuantifier(pattern: string, at: number): number {
  const char = pattern[at];
  if (char === '*' || char === '+') return 1;
  const open = /^\{\d+,\}/.exec(pattern.slice(at));
  return open ? open[0].length : 0;
}

/** Whether a group repeated without bound holds a quantifier without bound (outside character classes). */
export function hasNestedUnboundedQuantifier(pattern: string): boolean {
  // For each open group: whether its body so far holds an unbounded quantifier.
  const groups: boolean[] = [];
  let inClass = false;
  for (let at = 0; at < pattern.length; at++) {
    const char = pattern[at];
    if (char === '\\') {
      at++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') {
      inClass = true;
      continue;
    }
    if (char === '(') {
      groups.push(false);
      continue;
    }
    if (char === ')') {
      const inner = groups.pop() ?? false;
      const quantifier = unboundedQuantifier(pattern, at + 1);
      if (quantifier > 0 && inner) return true;
      // The group itself, repeated or holding a repeat, makes its parent hold one.
      if (groups.length > 0 && (inner || quantifier > 0)) groups[groups.length - 1] = true;
      continue;
    }
    if (groups.length > 0 && unboundedQuantifier(pattern, at) > 0) groups[groups.length - 1] = true;
  }
  return false;
}

function offenders(path: string, text: string): { line: number; pattern: string }[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const lines = text.split('\n');
  const found: { line: number; pattern: string }[] = [];
  const check = (node: ts.Node, pattern: string) => {
    if (!hasNestedUnboundedQuantifier(pattern)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
    if (/regex-ok: \S/.test(lines[line] ?? '') || /regex-ok: \S/.test(lines[line - 1] ?? '')) return;
    found.push({ line: line + 1, pattern });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isRegularExpressionLiteral(node)) check(node, node.text.slice(1, node.text.lastIndexOf('/')));
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp') {
      const first = node.arguments?.[0];
      if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) check(node, first.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('the checker finds nested unbounded quantifiers, and not bounded or sequential ones', () => {
  const flagged = ['(a+)+', '(?:\\w+\\s*)*', '(?:x[\\s,;]*){12,}', '((a|b)*c)+', '(?:(?:a)+b)*'];
  const fine = ['(a+)', '(?:ab)+', '[(a+)]+', 'a+b*', '(?:a{1,3})+', '\\(a+\\)+', '(a+){2}', '(?:[a-z]+,){1,8}'];
  for (const pattern of flagged) assert.ok(hasNestedUnboundedQuantifier(pattern), pattern);
  for (const pattern of fine) assert.ok(!hasNestedUnboundedQuantifier(pattern), pattern);
});

test('src/ has no regex repeating an unbounded repeat', () => {
  const found: string[] = [];
  for (const path of sourceFiles(join(repo, 'src'))) {
    for (const hit of offenders(path, readFileSync(path, 'utf8'))) {
      found.push(`${relative(repo, path)}:${hit.line}: /${hit.pattern}/`);
    }
  }
  assert.deepEqual(found, [], 'mark a regex that only sees short input with `regex-ok: <why>`');
});
