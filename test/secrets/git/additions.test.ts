// AdditionGroups: one group per (secret, path), the oldest addition first, and one onGroup call per group (the
// history scan starts each group's fingerprint there, beside the walk).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecretValue } from '../../../src/secrets/fingerprint.js';
import { type Addition, AdditionGroups } from '../../../src/secrets/git/additions.js';
import type { PendingFinding } from '../../../src/secrets/scan-content.js';

const finding = (value: string, file: string, line = 1): PendingFinding => ({
  detector: 'auth-token',
  file,
  line,
  column: 1,
  secret: new SecretValue('auth-token', value),
  severity: 'high',
  message: 'm',
});
const addition = (value: string, file: string, commit: string, age: number): Addition => ({
  finding: finding(value, file),
  commit: { commit, date: '', author: '' },
  age,
});

test('onGroup sees the first addition of each (secret, path) group once, whatever comes after', () => {
  const seen: string[] = [];
  const groups = new AdditionGroups(({ finding: { file }, commit }) => seen.push(`${file}@${commit.commit}`));
  groups.add(addition('one', 'a', 'c2', 2));
  groups.add(addition('one', 'a', 'c1', 5)); // older: becomes first, no new group
  groups.add(addition('one', 'a', 'c2', 2)); // the same commit read twice
  groups.add(addition('one', 'b', 'c3', 1));
  groups.add(addition('two', 'a', 'c3', 1));
  assert.deepEqual(seen, ['a@c2', 'b@c3', 'a@c3']);
  assert.equal(groups.size, 3);
  assert.equal(groups.additions, 4);
  const first = groups.values().find(({ first }) => first.finding.file === 'a' && first.commit.commit === 'c1');
  assert.ok(first, 'the oldest addition is the group first');
  assert.equal(first.commits.size, 2);
});
