// Verdict maps (`vmap`): each element is a branch, a key the packet doesn't hold lets the chain go on. Checked on the
// text reader and on `nft -j list ruleset` of the same ruleset loaded into a network namespace this test creates.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { evaluateInbound, type InboundQuery, type Reach } from '../../src/net/firewall/evaluate.js';
import { inboundExposure } from '../../src/net/firewall/exposure.js';
import type { FirewallRuleset } from '../../src/parsers/firewall/model.js';
import { parseNftablesConf } from '../../src/parsers/nftables.js';
import { parseNftJson } from '../../src/parsers/nftables-json.js';
import { NFT_RULESETS, NODE_ADDRESS } from '../support/firewall-hosts.js';
import { materialiseFiles } from '../support/materialise.js';

function parseText(text: string): FirewallRuleset {
  return parseNftablesConf('/etc/nftables.conf', { read: () => text, resolve: () => [] });
}

/** The kernel's own listing of `text`: loaded with the real nft in a fresh network namespace (needs root, nft). */
async function kernelListing(text: string): Promise<FirewallRuleset> {
  const tree = await materialiseFiles({ 'ruleset.nft': text });
  try {
    const file = join(tree.root, 'ruleset.nft');
    const json = execFileSync('unshare', ['--net', 'sh', '-c', 'nft -f "$0" && nft -j list ruleset', file], {
      encoding: 'utf8',
    });
    return parseNftJson(json);
  } finally {
    tree.cleanup();
  }
}

function reach(ruleset: FirewallRuleset, query: InboundQuery): Reach {
  return evaluateInbound(ruleset, query).reach;
}

/** Exposure without the origins (they name lines in one reader, handles in the other). */
function shape(ruleset: FirewallRuleset) {
  return inboundExposure(ruleset).map((family) => ({
    family: family.family,
    default: family.defaultReach,
    open: family.open.map(({ ports, sources, interfaces, reach }) => ({ ports, sources, interfaces, reach })),
  }));
}

function assertVerdictMaps(ruleset: FirewallRuleset, label: string): void {
  const expected: [InboundQuery, Reach][] = [
    [{ family: 'ipv4', port: 2222 }, 'open'],
    [{ family: 'ipv6', port: 20444 }, 'open'],
    // th dport vmap before the drop of 9000-9010 in `services`.
    [{ family: 'ipv4', port: 9005 }, 'open'],
    [{ family: 'ipv4', port: 9001 }, 'closed'],
    [{ family: 'ipv4', port: 9001, interface: 'wg0' }, 'open'],
    [{ family: 'ipv4', port: 30000, source: NODE_ADDRESS }, 'open'],
    [{ family: 'ipv4', port: 30000 }, 'closed'],
    [{ family: 'ipv4', port: 30000, source: '192.0.2.9' }, 'closed'],
    [{ family: 'ipv6', port: 30000 }, 'closed'],
  ];
  for (const [query, want] of expected) assert.equal(reach(ruleset, query), want, `${label}: ${JSON.stringify(query)}`);
}

describe('verdict maps', () => {
  test("the nftables wiki's server ruleset is default drop with SSH and P2P open (text and kernel JSON)", async () => {
    for (const ruleset of [parseText(NFT_RULESETS.wikiServer), await kernelListing(NFT_RULESETS.wikiServer)]) {
      assert.deepEqual(ruleset.problems, []);
      const exposure = shape(ruleset);
      for (const family of exposure) {
        assert.equal(family.default, 'closed', family.family);
        assert.deepEqual(
          family.open.map((entry) => [entry.ports, entry.sources, entry.reach]),
          [
            [{ from: 2222, to: 2222 }, 'any', 'open'],
            [{ from: 20444, to: 20444 }, 'any', 'open'],
          ],
        );
      }
    }
  });

  test('ct state, th/tcp dport, iifname, l4proto, saddr and nfproto keys are branches (text)', () => {
    const ruleset = parseText(NFT_RULESETS.verdictMaps);
    assert.deepEqual(ruleset.problems, []);
    assertVerdictMaps(ruleset, 'text');
  });

  test('the same from `nft -j list ruleset`, and both readers agree on the exposure', async () => {
    const listed = await kernelListing(NFT_RULESETS.verdictMaps);
    assertVerdictMaps(listed, 'json');
    assert.deepEqual(shape(listed), shape(parseText(NFT_RULESETS.verdictMaps)));
  });

  test('an unmodelled key is followed both ways: the verdict may be taken, or the chain goes on', async () => {
    for (const ruleset of [parseText(NFT_RULESETS.unknownMapKey), await kernelListing(NFT_RULESETS.unknownMapKey)]) {
      // The map may accept anything it names; a port it can't hold is decided by the rules after it.
      assert.equal(reach(ruleset, { family: 'ipv4', port: 9000 }), 'possibly-open');
      assert.equal(reach(ruleset, { family: 'ipv4', port: 30000 }), 'open');
      assert.equal(reach(ruleset, { family: 'ipv4', port: 2222 }), 'open');
    }
  });

  test('a named map the reader cannot see is followed both ways too', () => {
    const text = [
      'table inet filter {',
      '\tchain input {',
      '\t\ttype filter hook input priority filter; policy drop;',
      '\t\ttcp dport vmap @ports',
      '\t\ttcp dport 2222 accept',
      '\t}',
      '}',
      '',
    ].join('\n');
    const ruleset = parseText(text);
    assert.equal(reach(ruleset, { family: 'ipv4', port: 2222 }), 'open');
    assert.equal(reach(ruleset, { family: 'ipv4', port: 8080 }), 'possibly-open');
  });
});
