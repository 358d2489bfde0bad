import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReleasePin, pinnedVersion, type ReleasePin, serializeReleasePin } from '../../src/stacks/release-pin.js';

const PIN: ReleasePin = {
  schemaVersion: 1,
  release: { archive: 'linux-glibc-x64.zip', sha512: 'e'.repeat(128), version: '4.0.2' },
  binaries: {
    'stacks-signer': { sha256: 'f'.repeat(64), size: 10, version: '4.0.2' },
    'clarity-cli': { sha256: '0'.repeat(64), size: 5 },
  },
  verifiedAt: '2026-08-01T10:00:00.000Z',
};

test('a pin survives serialisation; versions come from the binary, else the release', () => {
  const parsed = parseReleasePin(serializeReleasePin(PIN));
  assert.deepEqual(parsed, { ok: true, pin: PIN });
  assert.equal(pinnedVersion(PIN, 'stacks-signer'), '4.0.2');
  assert.equal(pinnedVersion(PIN, 'clarity-cli'), '4.0.2');
  assert.equal(
    pinnedVersion({ ...PIN, release: { ...PIN.release, version: undefined } as ReleasePin['release'] }, 'clarity-cli'),
    undefined,
  );
});

test('every malformed field is named', () => {
  const cases: [unknown, RegExp][] = [
    ['{', /not JSON/],
    [[], /not a JSON object/],
    [{ ...PIN, schemaVersion: 2 }, /schemaVersion is 2/],
    [{ ...PIN, release: { ...PIN.release, sha512: 'E'.repeat(128) } }, /release\.sha512/],
    [{ ...PIN, release: { ...PIN.release, version: 'latest' } }, /release\.version/],
    [{ ...PIN, binaries: {} }, /"binaries" is empty/],
    [{ ...PIN, binaries: { 'stacks-signer': { sha256: 'abc', size: 1 } } }, /binaries\.stacks-signer\.sha256/],
    [{ ...PIN, binaries: { 'stacks-signer': { sha256: 'f'.repeat(64), size: -1 } } }, /binaries\.stacks-signer\.size/],
    [{ ...PIN, verifiedAt: 'yesterday' }, /verifiedAt/],
  ];
  for (const [value, pattern] of cases) {
    const parsed = parseReleasePin(typeof value === 'string' ? value : JSON.stringify(value));
    assert.equal(parsed.ok, false, String(pattern));
    assert.match(!parsed.ok ? parsed.reason : '', pattern);
  }
});
