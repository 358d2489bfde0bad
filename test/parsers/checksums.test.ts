import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSha512Checksums } from '../../src/parsers/checksums.js';

const A = 'a'.repeat(128);
const B = 'B'.repeat(128);

test('sha512sum lines: two spaces or " *", "./" stripped, upper-case hex lowered, blank lines and CRLF ignored', () => {
  const parsed = parseSha512Checksums(`${A}  linux-glibc-x64.zip\r\n\n${B} *./macos-arm64.zip\n`);
  assert.deepEqual(parsed, {
    ok: true,
    entries: [
      { sha512: A, name: 'linux-glibc-x64.zip', line: 1 },
      { sha512: 'b'.repeat(128), name: 'macos-arm64.zip', line: 3 },
    ],
  });
});

test('a line that is no sha512sum output, a shorter digest, a conflicting duplicate, nothing at all: errors with the line', () => {
  assert.deepEqual(parseSha512Checksums(`${A}  a.zip\nhello world\n`), {
    ok: false,
    line: 2,
    reason: 'not a "<128 hex>  <file>" line as sha512sum writes it',
  });
  const sha256Line = parseSha512Checksums(`${'c'.repeat(64)}  a.zip\n`);
  assert.equal(sha256Line.ok, false);
  assert.match(!sha256Line.ok ? sha256Line.reason : '', /256-bit digest, expected SHA-512/);
  const duplicate = parseSha512Checksums(`${A}  a.zip\n${'d'.repeat(128)}  a.zip\n`);
  assert.deepEqual(duplicate, {
    ok: false,
    line: 2,
    reason: 'a file listed again with a different digest (first at line 1)',
  });
  assert.deepEqual(parseSha512Checksums('\n\n'), { ok: false, line: 0, reason: 'no checksum lines' });
  // An identical duplicate is harmless and kept once.
  const same = parseSha512Checksums(`${A}  a.zip\n${A}  a.zip\n`);
  assert.equal(same.ok && same.entries.length, 1);
});
