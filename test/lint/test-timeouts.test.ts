// Issue 16: "no test's timeout is within 3× of its normal run time" on a loaded 2-core machine. A timeout in a test —
// a test's or suite's `{ timeout }`, a spawn's `timeout`/`timeoutMs`, a `…TIMEOUT_MS` constant — may not be below
// FLOOR_MS. The floor: the slowest single step a test bounds this way that is not a whole suite (one CLI audit, one
// `sshd -T`, one promtool run) takes up to ~10 s under a load average of ~18 (CI durations, README "Testing"), and
// 3 × 10 s = 30 s. Whatever normally takes longer carries its own larger bound, listed with its measured duration in
// the README's table. A timeout that is itself what a test exercises (a probe that expects a dropped packet, a
// deadline under test) is allowed with a `timeout-ok: <why>` comment on its line or the line above.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

export const FLOOR_MS = 30_000;
const repo = join(import.meta.dirname, '..', '..', '..');

function testSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testSources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** A numeric literal, or literals combined with * + - (`30 * 60_000`); anything else is not judged here. */
function constantValue(node: ts.Expression): number | undefined {
  if (ts.isNumericLiteral(node)) return Number(node.text.replaceAll('_', ''));
  if (ts.isParenthesizedExpression(node)) return constantValue(node.expression);
  if (ts.isBinaryExpression(node)) {
    const left = constantValue(node.left);
    const right = constantValue(node.right);
    if (left === undefined || right === undefined) return undefined;
    if (node.operatorToken.kind === ts.SyntaxKind.AsteriskToken) return left * right;
    if (node.operatorToken.kind === ts.SyntaxKind.PlusToken) return left + right;
    if (node.operatorToken.kind === ts.SyntaxKind.MinusToken) return left - right;
  }
  return undefined;
}

const TIMEOUT_PROPERTY = /^timeout(Ms)?$/;
const TIMEOUT_CONSTANT = /TIMEOUT(_MS)?$/;

export interface ShortTimeout {
  line: number;
  name: string;
  ms: number;
}

/** Every constant timeout below FLOOR_MS in one file, those marked `timeout-ok:` aside. */
export function shortTimeouts(path: string, text: string): ShortTimeout[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const lines = text.split('\n');
  const found: ShortTimeout[] = [];
  const judge = (name: string, value: ts.Expression) => {
    const ms = constantValue(value);
    if (ms === undefined || ms >= FLOOR_MS) return;
    const line = source.getLineAndCharacterOfPosition(value.getStart(source)).line;
    if (/timeout-ok:\s*\S/.test(`${lines[line - 1] ?? ''}\n${lines[line] ?? ''}`)) return;
    found.push({ line: line + 1, name, ms });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && TIMEOUT_PROPERTY.test(node.name.getText(source)))
      judge(node.name.getText(source), node.initializer);
    if (ts.isVariableDeclaration(node) && node.initializer && TIMEOUT_CONSTANT.test(node.name.getText(source)))
      judge(node.name.getText(source), node.initializer);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test(`no test sets a timeout below ${FLOOR_MS} ms unless the timeout is what it tests`, () => {
  const problems = testSources(join(repo, 'test')).flatMap((path) =>
    shortTimeouts(path, readFileSync(path, 'utf8')).map(
      (each) => `${relative(repo, path)}:${each.line}: ${each.name} ${each.ms} ms`,
    ),
  );
  assert.deepEqual(problems, []);
});

test('the finder sees each form of timeout, and the marker', () => {
  const planted = [
    "test('x', { timeout: 5_000 }, () => {});",
    "spawnSync('sshd', ['-T'], { timeout: 10 * 1000 });",
    "await run('nft', [], { timeoutMs: 2000 });",
    'const BOOT_TIMEOUT_MS = 20_000;',
    "test('y', { timeout: 30_000 }, () => {});",
    '// timeout-ok: the probe expects the packet to be dropped',
    'connect({ host, timeout: 1500 });',
    "test('z', { timeout: someVariable }, () => {});",
  ].join('\n');
  assert.deepEqual(shortTimeouts('planted.ts', planted), [
    { line: 1, name: 'timeout', ms: 5000 },
    { line: 2, name: 'timeout', ms: 10_000 },
    { line: 3, name: 'timeoutMs', ms: 2000 },
    { line: 4, name: 'BOOT_TIMEOUT_MS', ms: 20_000 },
  ]);
});
