// The mutations themselves: the size distribution a long run depends on (most cases small, a steady few at the
// growth cap), and that applying them never changes a seed, whatever is done in place.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { applyMutation, applyMutations, LARGE_SHARE, type Mutation } from './mutate.js';
import { prepareTarget } from './parser-fuzz.js';
import { PARSER_TARGETS } from './parser-targets.js';

const MIB = 1024 * 1024;

describe('mutated input sizes (1 MiB cap, the long run default)', () => {
  // Drawn from a fixed seed over every target: no timing, only the shares of sizes.
  const sizes: number[] = [];
  for (const [index, target] of PARSER_TARGETS.entries()) {
    const prepared = prepareTarget(target, { maxGrowthBytes: MIB, maxMutations: 8 });
    for (const mutated of fc.sample(prepared.arbitrary, { seed: 4242 + index, numRuns: 200 }))
      sizes.push(prepared.input(mutated).length);
  }
  const share = (bytes: number) => sizes.filter((size) => size > bytes).length / sizes.length;

  test('most cases are small: the median is under 4 KB and under 4% pass 100 KB', () => {
    // A uniform draw up to the cap made 27% of cases pass 100 KB and 20% pass 1 MB: seconds per case.
    const sorted = [...sizes].sort((a, b) => a - b);
    assert.ok(sorted[Math.floor(sorted.length / 2)]! < 4096, `median ${sorted[Math.floor(sorted.length / 2)]}`);
    assert.ok(share(100_000) < 0.04, `${(share(100_000) * 100).toFixed(2)}% pass 100 KB`);
  });

  test('a steady few still reach the cap (1 MB and more)', () => {
    assert.ok(share(1_000_000) > 0.001, `${(share(1_000_000) * 100).toFixed(2)}% pass 1 MB`);
    assert.ok(share(1_000_000) < 0.02, `${(share(1_000_000) * 100).toFixed(2)}% pass 1 MB`);
  });

  test('a larger share of large growth makes more large cases (the suite uses 0.5)', () => {
    const target = PARSER_TARGETS[0]!;
    const count = (largeShare: number) => {
      const prepared = prepareTarget(target, { maxGrowthBytes: 64 * 1024, maxMutations: 6, largeShare });
      return fc
        .sample(prepared.arbitrary, { seed: 7, numRuns: 2000 })
        .filter((mutated) => prepared.input(mutated).length >= 64 * 1024).length;
    };
    assert.ok(count(0.5) > 2 * count(LARGE_SHARE), `${count(0.5)} vs ${count(LARGE_SHARE)} at the cap`);
  });
});

describe('applying mutations', () => {
  test('never changes a seed, though later mutations of a case write in place', () => {
    for (const [index, target] of PARSER_TARGETS.entries()) {
      const prepared = prepareTarget(target, { maxGrowthBytes: 4096, maxMutations: 8, largeShare: 0.5 });
      const copies = prepared.seeds.map((seed) => Buffer.from(seed));
      for (const mutated of fc.sample(prepared.arbitrary, { seed: 99 + index, numRuns: 100 }))
        applyMutations(prepared.seeds, mutated, 4096);
      for (const [at, seed] of prepared.seeds.entries())
        assert.ok(seed.equals(copies[at]!), `${target.name} seed ${at} changed`);
    }
  });

  const apply = (input: string, mutation: Mutation, maxGrowth = 1024) =>
    applyMutation(Buffer.from(input, 'latin1'), mutation, [], maxGrowth).toString('latin1');

  test('crlf turns bare line feeds only', () => {
    assert.equal(apply('a\nb\r\nc\n\n', { kind: 'crlf' }), 'a\r\nb\r\nc\r\n\r\n');
    assert.equal(apply('\n', { kind: 'crlf' }), '\r\n');
    assert.equal(apply('no newline', { kind: 'crlf' }), 'no newline');
  });

  test('a large growth is counted in bytes and stops at the cap', () => {
    const grown = apply('ab\ncd\n', { kind: 'duplicateLine', at: 1, times: 1, bytes: 10 });
    assert.equal(grown, `ab\ncd\n${'cd\n'.repeat(4)}`);
    const capped = apply('ab\ncd\n', { kind: 'repeatSlice', at: 0, length: 2, times: 2, bytes: 1_000_000 }, 100);
    assert.equal(capped, `${'ab'.repeat(51)}\ncd\n`);
    const nested = apply('x\n', { kind: 'nest', at: 0, pair: ['{', '}'], depth: 1, bytes: 8 });
    assert.equal(nested, '{{{{}}}}x\n');
  });

  test('lines are chosen modulo their number, a last line without a newline counted', () => {
    // The copy goes after the line's end, and a last line has no newline to end it: kept as the harness always did.
    assert.equal(apply('a\nb', { kind: 'duplicateLine', at: 3, times: 1 }), 'a\nbb\n');
    assert.equal(apply('a\nb\n', { kind: 'insertLine', at: 2, line: 'z' }), 'a\nb\nz\n');
    assert.equal(apply('', { kind: 'insertLine', at: 5, line: 'z' }), 'z\n');
  });
});
