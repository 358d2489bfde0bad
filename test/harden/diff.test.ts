import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { changedLines, MAX_EDIT_DISTANCE, unifiedDiff, unifiedHunks } from '../../src/harden/diff.js';

/** A small deterministic PRNG: the random cases are the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Lines drawn from a small alphabet (so lines repeat and alignments are ambiguous), sometimes without a final newline. */
function randomText(next: () => number, lines: number): string {
  const words = ['a', 'b', 'c', 'd', 'key = 1', 'key = 2', '', '[x]'];
  const body = Array.from({ length: lines }, () => words[Math.floor(next() * words.length)]).join('\n');
  if (lines === 0) return '';
  return next() < 0.2 ? body : `${body}\n`;
}

function mutate(next: () => number, text: string): string {
  const lines = text.split('\n');
  const edits = 1 + Math.floor(next() * 4);
  for (let edit = 0; edit < edits; edit++) {
    const at = Math.floor(next() * (lines.length + 1));
    const choice = next();
    if (choice < 0.33) lines.splice(at, 1);
    else if (choice < 0.66) lines.splice(at, 0, `new ${Math.floor(next() * 5)}`);
    else lines.splice(at, 1, `changed ${Math.floor(next() * 5)}`);
  }
  return lines.join('\n');
}

/** GNU diff's hunks for the same pair (its header lines carry file names and times, dropped here). */
function gnuHunks(dir: string, before: string, after: string, extra: string[] = []): string {
  writeFileSync(join(dir, 'old'), before);
  writeFileSync(join(dir, 'new'), after);
  const result = spawnSync('diff', ['-u', ...extra, join(dir, 'old'), join(dir, 'new')], { encoding: 'utf8' });
  assert.ok(
    result.status === 0 || result.status === 1,
    `diff must be installed (diffutils): ${result.error ?? result.stderr}`,
  );
  return result.stdout.split('\n').slice(2).join('\n');
}

function countChanges(hunks: string): { removed: number; added: number } {
  const lines = hunks.split('\n');
  return {
    removed: lines.filter((line) => line.startsWith('-')).length,
    added: lines.filter((line) => line.startsWith('+')).length,
  };
}

/** What patch(1) makes of `before` with our diff of path /f. */
function patched(dir: string, before: string, diff: string): string {
  writeFileSync(join(dir, 'f'), before);
  const result = spawnSync('patch', ['--silent', '--batch', '--no-backup-if-mismatch', '-p1', join(dir, 'f')], {
    input: diff,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(result.status, 0, `patch must be installed and accept the diff: ${result.error ?? result.stderr}`);
  return readFileSync(join(dir, 'f'), 'utf8');
}

describe('unified diff', () => {
  test('a new file diffs from /dev/null; an unchanged file gives nothing', () => {
    assert.equal(
      unifiedDiff('/etc/x.conf', undefined, 'a\nb\n'),
      '--- /dev/null\n+++ b/etc/x.conf\n@@ -0,0 +1,2 @@\n+a\n+b\n',
    );
    assert.equal(unifiedDiff('/etc/x.conf', 'a\n', 'a\n'), '');
  });

  test('one changed line in a longer file: 3 lines of context, diff -u headers', () => {
    const before = 'l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\n';
    const after = 'l1\nl2\nl3\nl4\nL5\nl6\nl7\nl8\n';
    assert.equal(
      unifiedDiff('/etc/x', before, after),
      '--- a/etc/x\n+++ b/etc/x\n@@ -2,7 +2,7 @@\n l2\n l3\n l4\n-l5\n+L5\n l6\n l7\n l8\n',
    );
  });

  test('the same hunks as GNU diff -u on files with one edited region', () => {
    const dir = mkdtempSync(join(tmpdir(), 'so-diff-'));
    try {
      const next = random(7);
      for (let round = 0; round < 150; round++) {
        const lines = Array.from({ length: 5 + Math.floor(next() * 20) }, (_, index) => `line ${index}`);
        const at = Math.floor(next() * lines.length);
        const edited = [...lines];
        edited.splice(
          at,
          Math.floor(next() * 3),
          ...Array.from({ length: Math.floor(next() * 3) }, (_, index) => `new ${index}`),
        );
        const before = `${lines.join('\n')}\n`;
        const after = edited.length === 0 ? '' : `${edited.join('\n')}${next() < 0.2 ? '' : '\n'}`;
        assert.equal(unifiedHunks(before, after), gnuHunks(dir, before, after), `round ${round}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('random files with repeated lines: patch(1) turns old into new, with as few changes as diff --minimal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'so-diff-'));
    try {
      const next = random(42);
      for (let round = 0; round < 200; round++) {
        const before = randomText(next, Math.floor(next() * 25));
        const after = next() < 0.1 ? randomText(next, Math.floor(next() * 25)) : mutate(next, before);
        const ours = unifiedDiff('/f', before, after);
        if (before === after) {
          assert.equal(ours, '');
          continue;
        }
        assert.deepEqual(
          countChanges(unifiedHunks(before, after)),
          countChanges(gnuHunks(dir, before, after, ['--minimal'])),
          `round ${round}`,
        );
        writeFileSync(join(dir, 'f'), before);
        const patched = spawnSync('patch', ['--silent', '--batch', '--no-backup-if-mismatch', '-p1', join(dir, 'f')], {
          input: ours,
          encoding: 'utf8',
        });
        assert.equal(
          patched.status,
          0,
          `patch must be installed and accept round ${round}: ${patched.error ?? patched.stderr}${patched.stdout}`,
        );
        assert.equal(readFileSync(join(dir, 'f'), 'utf8'), after, `round ${round}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Issue #18: a fuzzed /etc/group of 20,156 bad CRLF lines, rewritten whole, took 41 s and 12.9 GB to diff (Myers
  // kept a frontier the size of both files per edit distance). Sizes that would take minutes and gigabytes if the
  // diff were quadratic again.
  test('a 20,000-line /etc/group rewritten whole: one hunk, every line removed and added, patch(1) agrees', () => {
    const dir = mkdtempSync(join(tmpdir(), 'so-diff-'));
    try {
      const lines = Array.from({ length: 20_000 }, (_, index) => `Match User x${index % 7}`);
      const before = lines.map((line) => `${line}\r\n`).join('');
      const after = lines.map((line) => `${line}\n`).join('');
      const diff = unifiedDiff('/f', before, after);
      assert.ok(diff.startsWith('--- a/f\n+++ b/f\n@@ -1,20000 +1,20000 @@\n'));
      assert.deepEqual(countChanges(diff.split('\n').slice(2).join('\n')), { removed: 20_000, added: 20_000 });
      assert.equal(patched(dir, before, diff), after);
      const { removed, added } = changedLines(before, after);
      assert.equal(removed.length, 20_000);
      assert.equal(added.length, 20_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('20,000 copies of one passwd line: a few changes stay minimal, many still give a diff patch(1) applies', () => {
    const dir = mkdtempSync(join(tmpdir(), 'so-diff-'));
    try {
      const line = 'bin:x:2:2:bin:/bin:/usr/sbin/nologin';
      const copies = Array.from({ length: 20_000 }, () => line);
      const before = `${copies.join('\n')}\n`;
      // 50 lines changed, spread out: within the edit bound, so exactly those lines and 3 lines of context each.
      const few = copies.map((text, index) => (index % 400 === 17 ? text.replace('nologin', 'false') : text));
      const fewDiff = unifiedDiff('/f', before, `${few.join('\n')}\n`);
      assert.deepEqual(countChanges(fewDiff.split('\n').slice(2).join('\n')), { removed: 50, added: 50 });
      assert.equal(patched(dir, before, fewDiff), `${few.join('\n')}\n`);
      // Every other line changed (and the last 10 gone): past the edit bound, the changed region is one block out,
      // one block in.
      const many = copies.map((text, index) => (index % 2 === 1 ? text.replace('nologin', 'false') : text));
      const after = `${many.slice(0, 19_990).join('\n')}\n`;
      assert.ok(10_000 > MAX_EDIT_DISTANCE);
      const manyDiff = unifiedDiff('/f', before, after);
      assert.equal(patched(dir, before, manyDiff), after);
      const { removed, added } = changedLines(before, after);
      assert.ok(removed.length >= 10_000);
      assert.equal(removed.length - added.length, 10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
