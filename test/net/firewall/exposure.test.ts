// inboundExposure's answers that the checks rely on: every interface with something open is reported, and a source
// range covering the whole address space is "anyone".
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inboundExposure } from '../../../src/net/firewall/exposure.js';
import type { FirewallRuleset } from '../../../src/parsers/firewall/model.js';
import { parseNftablesConf } from '../../../src/parsers/nftables.js';
import { NFT_RULESETS, NODE_ADDRESS } from '../../support/firewall-hosts.js';

function parseText(text: string): FirewallRuleset {
  return parseNftablesConf('/etc/nftables.conf', { read: () => text, resolve: () => [] });
}

function openAt(ruleset: FirewallRuleset, family: 'ipv4' | 'ipv6', port: number) {
  const exposure = inboundExposure(ruleset).find((entry) => entry.family === family)!;
  return exposure.open
    .filter((entry) => entry.ports.from <= port && port <= entry.ports.to)
    .map((entry) => ({ sources: entry.sources, interfaces: entry.interfaces, reach: entry.reach }));
}

describe('inboundExposure', () => {
  test('a port open to anyone on one interface is reported beside a narrower opening elsewhere', () => {
    const ruleset = parseText(NFT_RULESETS.openOnOneInterface);
    for (const port of [20443, 30000]) {
      assert.deepEqual(openAt(ruleset, 'ipv4', port), [
        { sources: [NODE_ADDRESS], interfaces: undefined, reach: 'open' },
        { sources: 'any', interfaces: ['eth0'], reach: 'open' },
      ]);
    }
    // The rule names IPv4 only.
    assert.deepEqual(openAt(ruleset, 'ipv6', 30000), []);
  });

  test('interfaces with the same opening are one entry; one that adds nothing to the others is left out', () => {
    const text = [
      'table inet filter {',
      '\tchain input {',
      '\t\ttype filter hook input priority filter; policy drop;',
      '\t\ttcp dport 22 accept',
      '\t\tiifname { "wg0", "wg1" } tcp dport 9100 accept',
      '\t\tiifname "eth1" ip saddr 10.1.0.0/16 tcp dport 9100 accept',
      '\t}',
      '}',
      '',
    ].join('\n');
    const ruleset = parseText(text);
    assert.deepEqual(openAt(ruleset, 'ipv4', 22), [{ sources: 'any', interfaces: undefined, reach: 'open' }]);
    assert.deepEqual(openAt(ruleset, 'ipv4', 9100), [
      { sources: ['10.1.0.0/16'], interfaces: ['eth1'], reach: 'open' },
      { sources: 'any', interfaces: ['wg0', 'wg1'], reach: 'open' },
    ]);
  });

  test('a source range covering the whole family is anyone', () => {
    const ruleset = parseText(NFT_RULESETS.wideSourceRanges);
    assert.deepEqual(openAt(ruleset, 'ipv4', 8080), [{ sources: 'any', interfaces: undefined, reach: 'open' }]);
    assert.deepEqual(openAt(ruleset, 'ipv4', 20443), [
      { sources: ['10.0.0.0/1'], interfaces: undefined, reach: 'open' },
    ]);
    const v6 = parseText(NFT_RULESETS.wideSourceRanges.replace('ip saddr 0.0.0.0/0', 'ip6 saddr ::/0'));
    assert.deepEqual(openAt(v6, 'ipv6', 8080), [{ sources: 'any', interfaces: undefined, reach: 'open' }]);
  });
});
