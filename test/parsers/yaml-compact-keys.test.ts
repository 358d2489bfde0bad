// The YAML library's parser keeps one more open map per line that holds a second mapping key after a key's value
// (`a: b c: d`), and the next less-indented line pops them all by recursion: 8,000 such lines overflowed the stack
// (a RangeError, issue #18). Each YAML reader refuses such a line before the library, naming it, never quoting it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineCounter } from 'yaml';
import { parseInventory } from '../../src/parsers/ansible-inventory.js';
import { ComposeYamlLimitError, parseComposeYaml } from '../../src/parsers/compose-yaml.js';
import { parseWaivers, WaiverFileError } from '../../src/parsers/waivers.js';
import { compactKeysLine } from '../../src/parsers/yaml-depth.js';
import { parseYamlDocument, YamlStackError } from '../../src/parsers/yaml-document.js';

const SECRET = 'hunter2-secret';

test('lines of two mapping keys are found, content in quotes, flows, comments and block scalars is not', () => {
  for (const [text, line] of [
    ['a: b c: d\n', 1],
    ['x: 1\n    expires: 2 id: x\n', 2],
    ['a: "b" c: d\n', 1],
    ['a: &x b: c\n', 1],
    ['a: b:\n', 1],
    ['a: |\n  x: y: z\nb: c: d\n', 3],
    ['  - a: |\n   x: y: z\n', 2],
  ] as const)
    assert.equal(compactKeysLine(text)?.line, line, JSON.stringify(text));
  for (const text of [
    'a: b\n- a: b\n',
    '? a: b\n: c: d\n',
    'a: "x: y"\n',
    "a: 'it''s: x'\n",
    'a: [x: y, z: w]\n',
    'a: b # c: d\n',
    'a: |\n  x: y: z\n\n  q: r: s\nb: c\n',
    'a: "multi\n  x: y: z"\nb: c\n',
    'a: http://x:8080\n',
    'a: !t "b: c"\n',
    '- |\n x: y: z\n',
  ])
    assert.equal(compactKeysLine(text), undefined, JSON.stringify(text));
});

// A generated file of the fuzzer's shape: ~8,000 lines, 360 KB.
function flatKeys(head: string, lines: number): string {
  return `${head}${`    expires: 2 id: ${SECRET} only\n`.repeat(lines)}waivers:\n`;
}

test('a waivers file of 8,000 two-key lines is a WaiverFileError naming the line, not a stack overflow', () => {
  const text = flatKeys('waivers:\n    hosts: ["signer-*"]\n  - id: access/sshd-root-login\n', 8000);
  assert.throws(
    () => parseWaivers(text, new Set(['access/sshd-root-login'])),
    (error: unknown) =>
      error instanceof WaiverFileError &&
      error.line === 4 &&
      error.message.includes('two mapping keys on one line') &&
      !error.message.includes(SECRET),
  );
});

test('a 1 MB compose file of two-key lines is refused with its line, not a stack overflow', () => {
  const text = flatKeys('services:\n  app:\n    image: x\n', 30_000);
  assert.ok(text.length > 1_000_000);
  assert.throws(
    () => parseComposeYaml(text),
    (error: unknown) =>
      error instanceof ComposeYamlLimitError && error.code === 'COMPACT_KEYS' && error.linePos[0]?.line === 4,
  );
});

test('a YAML inventory of two-key lines is refused with its line, not a stack overflow', () => {
  const result = parseInventory(flatKeys('all:\n  hosts:\n    a:\n', 50_000), 'hosts.yml');
  assert.deepEqual(result, { ok: false, line: 4, reason: 'not valid YAML (two mapping keys on one line)' });
});

// Garbage the pre-check lets through (found by a generator of random lines) still grows the library's stack: the
// overflow is the parser's typed error, at the line where the stack ran out (the one that closes what the lines before
// left open), not at line 1 (issue #18).
test('a stack overflow the pre-check misses is each parser own error, at the line where it ran out', () => {
  const shapes = ['   b cv: a', '   - a]>', '    !t { k:  a'];
  let text = '';
  const lines = 15_000;
  for (let i = 0; i < lines; i++) text += `${shapes[i % 3]}\n`;
  text += 'z: 1\n';
  // Under every size and entry bound but the waivers' (which refuses it first); the library is called the same way.
  assert.throws(
    () => parseYamlDocument(text, { lineCounter: new LineCounter() }),
    (error: unknown) => error instanceof YamlStackError && error.line === lines + 1,
  );
  assert.throws(
    () => parseComposeYaml(text),
    (error: unknown) =>
      error instanceof ComposeYamlLimitError && error.code === 'TOO_DEEP' && error.linePos[0]?.line === lines + 1,
  );
  const inventory = parseInventory(text, 'hosts.yml');
  assert.deepEqual(inventory, {
    ok: false,
    line: lines + 1,
    reason: 'not valid YAML (too deeply nested for the YAML parser (its stack ran out))',
  });
});
