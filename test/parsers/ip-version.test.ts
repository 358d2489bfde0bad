// ipVersion is node:net's isIP answer for every text: the short cut it takes (fewer than two colons: never IPv6) must
// never change an answer.
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ipVersion } from '../../src/parsers/ip-version.js';

const CASES = [
  '',
  ':',
  '::',
  '::1',
  ':::',
  '1::',
  'fe80::',
  'fe80::1%eth0',
  'fe80::1%eth0:1',
  '::ffff:127.0.0.1',
  '2001:db8:0:0:0:0:0:1',
  '2001:db8:0:0:0:0:0:1:',
  '2001:db8::/32',
  '[::1]',
  '127.0.0.1',
  '127.0.0.1:20443',
  '0.0.0.0:20444',
  '127.0.0.01',
  '256.0.0.1',
  '1.2.3',
  'localhost',
  'signer.example:30000',
  'a:b',
  'a:b:c',
  '1:2',
];

describe('ipVersion', () => {
  test('answers as isIP on addresses, names and host:port texts', () => {
    for (const text of CASES) assert.equal(ipVersion(text), isIP(text), JSON.stringify(text));
  });

  test('answers as isIP on generated texts: addresses, address:port, colons and hex digits in any order', () => {
    const hexColon = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.%/[]'), maxLength: 45 });
    const texts = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.ipV4Extended(),
      fc.tuple(fc.oneof(fc.ipV4(), fc.domain()), fc.nat(65_535)).map(([host, port]) => `${host}:${port}`),
      fc.tuple(fc.ipV6(), fc.stringMatching(/^[0-9a-zA-Z.:-]{1,8}$/)).map(([address, zone]) => `${address}%${zone}`),
      hexColon,
      fc.string(),
    );
    fc.assert(
      fc.property(texts, (text) => ipVersion(text) === isIP(text)),
      { numRuns: 20_000 },
    );
  });
});
