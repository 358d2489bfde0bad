// Issue 18: the firewall model was quadratic in the addresses of one rule. A rule testing the source twice (a
// network, less a set of 100k addresses) tested every source gap against every interval of the set, and each open
// source's verdict re-keyed the rule by its 1.5 MB text. 20k addresses took 15 s; 100k now take about 1 s.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inboundExposure } from '../../../src/net/firewall/exposure.js';
import { parseNftablesConf } from '../../../src/parsers/nftables.js';

const ADDRESSES = 100_000;

test('one rule naming 100k addresses: exposure is computed, with the rule as the reason', { timeout: 120_000 }, () => {
  // Even addresses, so no two merge into one range: 100k intervals, 200k source gaps.
  const banned = Array.from(
    { length: ADDRESSES },
    (_, i) => `10.${(i >> 15) & 255}.${(i >> 7) & 255}.${(i & 127) * 2}`,
  );
  const text = [
    'table inet filter {',
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    `\t\tip saddr 10.0.0.0/8 ip saddr != { ${banned.join(', ')} } tcp dport 22 accept`,
    '\t\ttcp dport 30000 accept',
    '\t}',
    '}',
    '',
  ].join('\n');
  const ruleset = parseNftablesConf('/etc/nftables.conf', { read: () => text, resolve: () => [] });
  const ipv4 = inboundExposure(ruleset).find((entry) => entry.family === 'ipv4');
  assert.ok(ipv4);
  const ssh = ipv4.open.filter((entry) => entry.ports.from <= 22 && 22 <= entry.ports.to);
  assert.deepEqual(
    ssh.map((entry) => ({ sources: entry.sources, reach: entry.reach, lines: entry.decidedBy.map((o) => o.line) })),
    [{ sources: ['10.0.0.0/8'], reach: 'open', lines: [4] }],
  );
  const signer = ipv4.open.filter((entry) => entry.ports.from <= 30000 && 30000 <= entry.ports.to);
  assert.deepEqual(
    signer.map((entry) => entry.sources),
    ['any'],
  );
});
