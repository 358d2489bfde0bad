// Issue 18 item 20: a unit with a BOM and 100k continuation lines took minutes (each line re-read the whole joined
// string). It is parsed in one pass now; the outer timeout only catches a regression to quadratic time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUnitFile } from '../../src/parsers/systemd-unit.js';

test('100k continuation lines after a BOM are one assignment, in linear time', { timeout: 120_000 }, () => {
  for (const bom of ['\uFEFF', '']) {
    const text = `${bom}[Service]\nEnvironment=A=1 \\\n${'B=2 \\\n'.repeat(100_000)}C=3\nUser=signer\n`;
    const parsed = parseUnitFile(text, '/etc/systemd/system/big.service');
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(
      parsed.assignments.map((assignment) => [assignment.key, assignment.line]),
      [
        ['Environment', 2],
        ['User', 100_004],
      ],
    );
    const value = parsed.assignments[0]!.value;
    assert.equal(value.length, 'A=1  '.length + 'B=2  '.length * 100_000 + 'C=3'.length);
    assert.ok(value.startsWith('A=1  B=2  B=2 ') && value.endsWith('B=2  C=3'));
  }
});

test('an escaped backslash at the end of a line does not continue it', () => {
  const parsed = parseUnitFile('[Service]\nExecStart=/bin/echo a\\\\\nUser=signer\n', 'x.service');
  assert.deepEqual(
    parsed.assignments.map((assignment) => [assignment.key, assignment.value]),
    [
      ['ExecStart', '/bin/echo a\\\\'],
      ['User', 'signer'],
    ],
  );
});
