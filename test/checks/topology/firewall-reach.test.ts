// Classifying who a port is open to: by the whole source interval, never by its first address.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allPrivate } from '../../../src/facts/network/firewall-reach.js';
import type { OpenPort } from '../../../src/net/firewall/exposure.js';

function entry(sources: OpenPort['sources'], family: OpenPort['family'] = 'ipv4'): OpenPort {
  return { family, ports: { from: 20443, to: 20443 }, sources, reach: 'open', decidedBy: [], uncertain: [] };
}

describe('allPrivate', () => {
  test('private and loopback ranges, single addresses and a-b ranges inside them', () => {
    assert.equal(allPrivate(entry(['10.0.0.0/8', '192.168.1.7', '172.16.0.1-172.31.255.255', '127.0.0.1'])), true);
    assert.equal(allPrivate(entry(['fd00::/8', 'fe80::/64', '::1'], 'ipv6')), true);
  });

  test('a range starting in a private block but reaching past it is not private', () => {
    assert.equal(allPrivate(entry(['10.0.0.0/1'])), false);
    assert.equal(allPrivate(entry(['0.0.0.0/0'])), false);
    assert.equal(allPrivate(entry(['192.168.0.0-192.169.0.0'])), false);
    assert.equal(allPrivate(entry(['fc00::/6'], 'ipv6')), false);
    assert.equal(allPrivate(entry(['::/0'], 'ipv6')), false);
  });

  test('anyone and public addresses are not private', () => {
    assert.equal(allPrivate(entry('any')), false);
    assert.equal(allPrivate(entry(['10.0.0.0/8', '203.0.113.5'])), false);
  });
});
