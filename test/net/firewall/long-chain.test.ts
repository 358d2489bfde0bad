// Issue 18: the firewall walks recursed once per `continue` rule of a chain (from -> act -> from), so a chain of
// ~7,700 rules overflowed the stack ("Maximum call stack size exceeded") in harden plan. The walks now keep their
// pending steps on the heap; a chain of 200k rules is walked to the same verdict.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateInbound } from '../../../src/net/firewall/evaluate.js';
import { inboundExposure } from '../../../src/net/firewall/exposure.js';
import { parseNftablesConf } from '../../../src/parsers/nftables.js';

const RULES = 200_000;

function longChain() {
  const text = [
    'table inet filter {',
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    // Each rule matches the SSH probe and lets it go on to the next one: one step deeper per rule.
    ...Array.from({ length: RULES }, () => '\t\ttcp dport 22 counter'),
    '\t\ttcp dport 22 accept',
    '\t}',
    '}',
    '',
  ].join('\n');
  return parseNftablesConf('/etc/nftables.conf', { read: () => text, resolve: () => [] });
}

const acceptLine = RULES + 4;

test('a chain of 200k continue rules: the source walk reaches the accepting rule', { timeout: 300_000 }, () => {
  const ipv4 = inboundExposure(longChain()).find((entry) => entry.family === 'ipv4');
  assert.ok(ipv4);
  assert.deepEqual(
    ipv4.open.map((entry) => ({
      ports: entry.ports,
      sources: entry.sources,
      reach: entry.reach,
      lines: entry.decidedBy.map((o) => o.line),
    })),
    [{ ports: { from: 22, to: 22 }, sources: 'any', reach: 'open', lines: [acceptLine] }],
  );
});

test('a chain of 200k continue rules: the one-packet walk reaches the accepting rule', { timeout: 300_000 }, () => {
  const ruleset = longChain();
  const ssh = evaluateInbound(ruleset, { family: 'ipv6', port: 22, source: '2001:db8::1' });
  assert.equal(ssh.reach, 'open');
  assert.deepEqual(
    ssh.decidedBy.map((o) => o.line),
    [acceptLine],
  );
  assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 2222 }).reach, 'closed');
});
