// Issue 18 item 11: one long line of repeated key names was scanned in quadratic time (1 MB of `key ` took 140 s,
// 9 MB of `private_key ` ~79 s): each candidate on the line searched back to the line's start and on to its end,
// the mnemonic run regex overflowed its stack on a long run of short words, and each `password` hit read the whole
// text above it for its TOML section. Each shape is scanned at 9 MB (under the 10 MB file cap) with a real key planted
// at the end of the line, which must still be found.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scanContentPending } from '../../src/secrets/scan-content.js';
import { randomUnambiguousKeyHex } from '../support/secrets.js';

const LINE_BYTES = 9_000_000;

function longLine(unit: string, tail: string): Buffer {
  return Buffer.from(`${unit.repeat(Math.ceil(LINE_BYTES / unit.length))}${tail}\n`, 'latin1');
}

function detectorsOf(bytes: Buffer): string[] {
  return scanContentPending(bytes, 'long.env', {}).map((finding) => finding.detector);
}

// Scanned linearly, the five shapes take ~15 s together on a loaded 2-core machine; quadratically, any one of them
// takes minutes.
describe('one 9 MB line of repeated key names is scanned in linear time', { timeout: 120_000 }, () => {
  const key = randomUnambiguousKeyHex();

  for (const unit of ['key ', 'seed ', 'private_key ', `0x${'ab'.repeat(32)} `]) {
    test(`${unit.slice(0, 12).trim()} × ${Math.ceil(LINE_BYTES / unit.length)}, then a signer key`, () => {
      const bytes = longLine(unit, ` signer_private_key=${key}`);
      assert.ok(bytes.length > LINE_BYTES);
      assert.deepEqual(detectorsOf(bytes), ['stacks-private-key']);
    });
  }

  test('a 9 MB dotted value (the code-reference check overflowed the regex stack) is still judged', () => {
    const dotted = Buffer.from(`rpcpassword=a${'.a'.repeat(4_500_000)}\nrpcpassword=x1y2z3\n`, 'latin1');
    // The first value is code-shaped (identifiers joined by dots), the second a password.
    assert.deepEqual(
      scanContentPending(dotted, 'bitcoin.conf', {}).map((finding) => [finding.detector, finding.line]),
      [['bitcoind-password', 2]],
    );
  });

  test('password assignments on one line, and on 200k lines of one [burnchain] section', () => {
    assert.deepEqual(detectorsOf(longLine('password ', ` signer_private_key=${key}`)), ['stacks-private-key']);
    // Every line is a finding: a bare value ending its line, in [burnchain].
    const lines = Buffer.from(`[burnchain]\n${'password=x1y2z3\n'.repeat(200_000)}`, 'latin1');
    assert.ok(lines.length > 3_000_000);
    const found = detectorsOf(lines);
    assert.equal(found.length, 200_000);
    assert.ok(found.every((detector) => detector === 'bitcoind-password'));
  });
});
