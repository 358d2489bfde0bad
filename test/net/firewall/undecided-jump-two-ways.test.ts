// Issue 18: an undecided jump to a chain that comes back two ways (`-m limit -j RETURN`, then `-j LOG`) doubles
// the ways at every such rule until the 257-way cap, and every rule then copied the 257 ways and joined each to
// its own rule: 20k of them took 68 s for exposure plus 56 s for one packet at 2.2 GB. The answer stays
// "possibly-open" (the cap). These tests are not timed: they assert the verdicts, the rules looked at, and the ways
// copied (each at most a constant times the rules; the old walks copied 257 ways per rule).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateInbound } from '../../../src/net/firewall/evaluate.js';
import { inboundExposure } from '../../../src/net/firewall/exposure.js';
import { resetRulesVisited, rulesVisited, waysCopied } from '../../../src/net/firewall/walk-count.js';
import type { FirewallRuleset } from '../../../src/parsers/firewall/model.js';
import { parseIptablesSave } from '../../../src/parsers/iptables-save.js';
import { parseNftablesConf } from '../../../src/parsers/nftables.js';

const TIMEOUT = 120_000;
const RULES = 20_000;
/** Rules looked at per rule, at most (as in undecided-continue.test.ts). */
const VISITS_PER_RULE = 20;
/** Ways copied per rule, at most: the old walks copied up to 257 per rule and walk. */
const COPIES_PER_RULE = 20;

function iptables(count: number): FirewallRuleset {
  const lines = ['*filter', ':INPUT DROP [0:0]', ':CHK - [0:0]'];
  for (let index = 0; index < count; index++) lines.push('-A INPUT -m limit --limit 5/s -j CHK');
  lines.push('-A INPUT -p tcp --dport 2222 -j ACCEPT', '-A CHK -m limit --limit 1/s -j RETURN', '-A CHK -j LOG');
  lines.push('COMMIT', '');
  return parseIptablesSave(lines.join('\n'), { family: 'ipv4', file: '/etc/iptables/rules.v4' });
}

function nft(count: number): FirewallRuleset {
  const lines = ['table inet filter {', '\tchain chk {', '\t\tlimit rate 1/second return', '\t\tlog', '\t}'];
  lines.push('\tchain input {', '\t\ttype filter hook input priority filter; policy drop;');
  for (let index = 0; index < count; index++) lines.push('\t\tlimit rate 5/second jump chk');
  lines.push('\t\ttcp dport 2222 accept', '\t}', '}', '');
  const text = lines.join('\n');
  return parseNftablesConf('/etc/nftables.conf', { read: () => text, resolve: () => [] });
}

function rulesOf(ruleset: FirewallRuleset): number {
  return ruleset.tables.reduce((sum, table) => sum + table.chains.reduce((n, chain) => n + chain.rules.length, 0), 0);
}

for (const [name, make] of [
  ['iptables', iptables],
  ['nft', nft],
] as const) {
  test(`${name}: ${RULES} undecided jumps to a chain that comes back two ways stay linear and capped`, {
    timeout: TIMEOUT,
  }, () => {
    const ruleset = make(RULES);
    const rules = rulesOf(ruleset);
    resetRulesVisited();
    const exposure = inboundExposure(ruleset).find((entry) => entry.family === 'ipv4');
    assert.ok(exposure);
    // Past the cap every port is possibly open: the ways not followed may accept.
    assert.equal(exposure.defaultReach, 'possibly-open');
    assert.deepEqual(
      exposure.open.map((entry) => [entry.ports, entry.sources, entry.reach]),
      [[{ from: 1, to: 65535 }, 'any', 'possibly-open']],
    );
    const open = exposure.open[0]!;
    // The accepting rule, and every jump and the chain's RETURN rule, plus the cap itself, as uncertain.
    assert.deepEqual(
      open.decidedBy.map((origin) => origin.line),
      [name === 'iptables' ? RULES + 4 : RULES + 8],
    );
    assert.equal(open.uncertain.length, RULES + 2);
    assert.ok(open.uncertain.some((origin) => origin.text === 'too many undecided rules'));
    const ssh = evaluateInbound(ruleset, { family: 'ipv4', port: 2222 });
    assert.deepEqual([ssh.reach, ssh.uncertain.length], ['possibly-open', RULES + 2]);
    assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 80 }).reach, 'possibly-open');
    assert.ok(rulesVisited() <= VISITS_PER_RULE * rules, `${rulesVisited()} rules looked at for ${rules} rules`);
    assert.ok(waysCopied() <= COPIES_PER_RULE * rules, `${waysCopied()} ways copied for ${rules} rules`);
  });
}

test('iptables: below the cap the ways of jumps that come back two ways are all kept', { timeout: TIMEOUT }, () => {
  // Five such jumps: 3^5 = 243 ways, under the cap: every way ends at the accept of 2222 or the drop policy.
  const ruleset = iptables(5);
  const verdict = evaluateInbound(ruleset, { family: 'ipv4', port: 2222 });
  assert.equal(verdict.reach, 'open');
  assert.deepEqual(
    verdict.decidedBy.map((origin) => origin.line),
    [9],
  );
  assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 80 }).reach, 'closed');
});
