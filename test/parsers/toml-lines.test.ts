import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanTomlKeyLines } from '../../src/parsers/toml-lines.js';

test('finds keys, headers and array-of-table elements, skipping multi-line values', () => {
  const text = [
    'top = 1 # comment',
    '"quoted key" = "a = b"',
    '[node]',
    'desc = """',
    '[not_a_table]',
    'fake = 1"""',
    "lit = '''x'''",
    'arr = [',
    '  "x", # [no]',
    ']',
    '[[obs]]',
    'endpoint = "a"',
    '[[obs]]',
    '  endpoint = "b"',
    'a.b.c = { d = 1 }',
  ].join('\r\n');
  const entries = scanTomlKeyLines(text).map((e) => [e.path.join('.'), e.line, e.arrayIndex, e.header]);
  assert.deepEqual(entries, [
    ['top', 1, undefined, false],
    ['quoted key', 2, undefined, false],
    ['node', 3, undefined, true],
    ['node.desc', 4, undefined, false],
    ['node.lit', 7, undefined, false],
    ['node.arr', 8, undefined, false],
    ['obs', 11, 0, true],
    ['obs.endpoint', 12, 0, false],
    ['obs', 13, 1, true],
    ['obs.endpoint', 14, 1, false],
    ['obs.a.b.c', 15, 1, false],
  ]);
});
