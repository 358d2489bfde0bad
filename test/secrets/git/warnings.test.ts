import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WarningList } from '../../../src/secrets/git/warnings.js';

describe('WarningList', () => {
  test('keyed warnings: the same lines named, in key order, whatever order they were added in', () => {
    const lines = Array.from({ length: 50 }, (_, i) => ({ key: i % 25, line: `commit ${String(i).padStart(2, '0')}` }));
    const lists = [lines, [...lines].reverse(), [...lines].sort((a, b) => a.line.localeCompare(b.line) * -1)].map(
      (order) => {
        const list = new WarningList(5);
        list.addFirst('summary');
        list.add('unkeyed, from sequential work');
        for (const { key, line } of order) list.add(line, key);
        return list.lines();
      },
    );
    for (const list of lists) assert.deepEqual(list, lists[0]);
    assert.deepEqual(lists[0], [
      'summary',
      'commit 00',
      'commit 25',
      'commit 01',
      'commit 26',
      'commit 02',
      '… and 46 more warning(s) of the same kinds',
    ]);
  });

  test('unkeyed warnings follow the keyed ones in the order added; under the cap nothing is dropped', () => {
    const list = new WarningList(5);
    list.add('first unkeyed');
    list.add('commit b', 2);
    list.add('later unkeyed');
    list.add('commit a', Number.NEGATIVE_INFINITY);
    assert.deepEqual(list.lines(), ['commit a', 'commit b', 'first unkeyed', 'later unkeyed']);
  });
});
