// Issue 18: "nothing in the target can make it hang". Both firewall walks followed an undecided rule with a
// `continue` action (a counter, a log) both ways and walked the rest of the chain once per way: 2^n for n such
// rules. The fuzzer's host (seed 1807202612, path 383) had 7,716 of them in its input chain and harden plan never
// ended; past 8 of them the 256-way cap also called every port possibly open. And the source walk walked the rest
// of the chain once per source a non-terminal rule named: 20k logged addresses took 69 s. These tests are not
// timed: they assert the verdicts and count the rules the walks look at (at most a constant times the rules).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateInbound } from '../../../src/net/firewall/evaluate.js';
import { type FamilyExposure, inboundExposure } from '../../../src/net/firewall/exposure.js';
import { resetRulesVisited, rulesVisited } from '../../../src/net/firewall/walk-count.js';
import type { FirewallRuleset } from '../../../src/parsers/firewall/model.js';
import { parseIptablesSave } from '../../../src/parsers/iptables-save.js';
import { parseNftablesConf } from '../../../src/parsers/nftables.js';
import { ufwRuleset } from '../../../src/parsers/ufw.js';
import { randomRuleset } from './random-ruleset.js';

const TIMEOUT = 120_000;

/**
 * Rules looked at per rule of the ruleset, at most: exposure walks the input chains once per kind of port and
 * interface (5 to 11 walks here) and the one-packet checks once each. The old walks looked at 2^n, or n^2 / 2.
 */
const VISITS_PER_RULE = 20;

function rulesOf(ruleset: FirewallRuleset): number {
  return ruleset.tables.reduce((sum, table) => sum + table.chains.reduce((n, chain) => n + chain.rules.length, 0), 0);
}

/** Runs `check` on `ruleset` and asserts the walks it made were linear in the rules. */
function linear(ruleset: FirewallRuleset, check: () => void): void {
  resetRulesVisited();
  check();
  const visits = rulesVisited();
  const rules = rulesOf(ruleset);
  assert.ok(visits <= VISITS_PER_RULE * rules, `${visits} rules looked at for ${rules} rules`);
}

/** Distinct addresses, as fail2ban bans them. */
const address = (index: number) => `100.${64 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;

function nft(rules: string[]): FirewallRuleset {
  const text = [
    'table inet filter {',
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    ...rules,
    '\t\tct state established,related accept',
    '\t\tiif "lo" accept',
    '\t\tip saddr 100.64.0.7 drop',
    '\t\ttcp dport 2222 accept',
    '\t\ttcp dport 20444 accept',
    '\t}',
    '}',
    '',
  ].join('\n');
  return parseNftablesConf('/etc/nftables.conf', { read: () => text, resolve: () => [] });
}

function ipv4(ruleset: FirewallRuleset): FamilyExposure {
  const exposure = inboundExposure(ruleset).find((entry) => entry.family === 'ipv4');
  assert.ok(exposure);
  return exposure;
}

/** The hardened answer: SSH and P2P open to anyone, certainly; everything else closed. */
function assertHardened(ruleset: FirewallRuleset, acceptLines: number[]): void {
  linear(ruleset, () => {
    const exposure = ipv4(ruleset);
    assert.equal(exposure.defaultReach, 'closed');
    assert.deepEqual(
      exposure.open.map((entry) => ({
        ports: entry.ports,
        sources: entry.sources,
        reach: entry.reach,
        lines: entry.decidedBy.map((origin) => origin.line),
      })),
      [
        { ports: { from: 2222, to: 2222 }, sources: 'any', reach: 'open', lines: [acceptLines[0]] },
        { ports: { from: 20444, to: 20444 }, sources: 'any', reach: 'open', lines: [acceptLines[1]] },
      ],
    );
    const ssh = evaluateInbound(ruleset, { family: 'ipv4', port: 2222, source: '192.0.2.1' });
    assert.deepEqual([ssh.reach, ssh.decidedBy.map((origin) => origin.line)], ['open', [acceptLines[0]]]);
    assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 2222, source: '100.64.0.7' }).reach, 'closed');
    assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 80 }).reach, 'closed');
  });
}

for (const count of [7_716, 50_000]) {
  test(`nft: ${count} undecided continue rules in the input chain walk as one way`, { timeout: TIMEOUT }, () => {
    // The fuzz case's rule: an expression the model does not know, no verdict (continue).
    const ruleset = nft(Array.from({ length: count }, () => '\t\tpolic hook input priority filter;'));
    assert.equal(ruleset.tables[0]!.chains[0]!.rules.length, count + 5);
    assertHardened(ruleset, [count + 7, count + 8]);
  });
}

test('nft: a closed port behind 50k undecided continue rules names them as uncertain only when it is undecided', {
  timeout: TIMEOUT,
}, () => {
  const marks = Array.from({ length: 50_000 }, (_, index) => `\t\tmeta mark ${index} counter`);
  // An undecided accept after them: port 9000 is possibly open, and every undecided rule on the way is named.
  const ruleset = nft([...marks, '\t\ttcp dport 9000 limit rate 10/second accept']);
  resetRulesVisited();
  const verdict = evaluateInbound(ruleset, { family: 'ipv4', port: 9000 });
  assert.equal(verdict.reach, 'possibly-open');
  assert.equal(verdict.uncertain.length, 50_001);
  assert.deepEqual([verdict.uncertain[0]!.line, verdict.uncertain[50_000]!.line], [4, 50_004]);
  const open = ipv4(ruleset).open.find((entry) => entry.ports.from === 9000);
  assert.deepEqual([open?.reach, open?.uncertain.length], ['possibly-open', 50_001]);
  assert.ok(rulesVisited() <= VISITS_PER_RULE * rulesOf(ruleset));
});

test('nft: 20k continue rules naming distinct sources, decided and undecided', { timeout: TIMEOUT }, () => {
  const rules = Array.from({ length: 20_000 }, (_, index) =>
    index % 2 === 0 ? `\t\tip saddr ${address(index)} counter` : `\t\tip saddr ${address(index)} meta mark 1 log`,
  );
  assertHardened(nft(rules), [20_007, 20_008]);
});

test('nft: undecided jumps to chains that come back as they went walk as one way', { timeout: TIMEOUT }, () => {
  const jumps = Array.from({ length: 10_000 }, (_, index) =>
    index % 2 === 0 ? '\t\tmeta mark 1 jump empty' : `\t\tip saddr ${address(index)} meta mark 2 jump logged`,
  );
  const text = [
    'table inet filter {',
    '\tchain empty {',
    '\t}',
    '\tchain logged {',
    '\t\tcounter',
    '\t\tlog prefix "in "',
    '\t}',
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    ...jumps,
    '\t\ttcp dport 2222 accept',
    '\t}',
    '}',
    '',
  ].join('\n');
  const ruleset = parseNftablesConf('/etc/nftables.conf', { read: () => text, resolve: () => [] });
  resetRulesVisited();
  const exposure = ipv4(ruleset);
  assert.equal(exposure.defaultReach, 'closed');
  assert.deepEqual(
    exposure.open.map((entry) => [entry.ports.from, entry.sources, entry.reach]),
    [[2222, 'any', 'open']],
  );
  assert.ok(rulesVisited() <= VISITS_PER_RULE * rulesOf(ruleset));
});

function iptables(rules: string[]): FirewallRuleset {
  const text = [
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':logged - [0:0]',
    ...rules,
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -s 100.64.0.7/32 -j DROP',
    '-A INPUT -p tcp -m tcp --dport 2222 -j ACCEPT',
    '-A INPUT -p tcp -m tcp --dport 20444 -j ACCEPT',
    '-A logged -j LOG --log-prefix "in "',
    '-A logged -j RETURN',
    'COMMIT',
    '',
  ].join('\n');
  return parseIptablesSave(text, { family: 'ipv4', file: '/etc/iptables/rules.v4' });
}

test('iptables: 20k logged sources, 7,716 undecided logs and undecided jumps to a logging chain', {
  timeout: TIMEOUT,
}, () => {
  const rules = [
    ...Array.from({ length: 20_000 }, (_, index) => `-A INPUT -s ${address(index)}/32 -j LOG`),
    ...Array.from({ length: 7_716 }, (_, index) =>
      index % 2 === 0 ? '-A INPUT -m limit --limit 5/min -j LOG' : '-A INPUT -m limit --limit 5/min -j logged',
    ),
  ];
  const ruleset = iptables(rules);
  assert.deepEqual(ruleset.problems, []);
  assertHardened(ruleset, [27_724, 27_725]);
});

test('ufw: 20k logged sources and 7,716 undecided logs in the user chain', { timeout: TIMEOUT }, () => {
  const text = [
    '*filter',
    ':ufw-user-input - [0:0]',
    ':ufw-user-output - [0:0]',
    '### RULES ###',
    ...Array.from({ length: 20_000 }, (_, index) => `-A ufw-user-input -s ${address(index)} -j LOG`),
    ...Array.from({ length: 7_716 }, () => '-A ufw-user-input -m limit --limit 3/min -j LOG'),
    '### tuple ### deny any any 0.0.0.0/0 any 100.64.0.7 in',
    '-A ufw-user-input -s 100.64.0.7 -j DROP',
    '### tuple ### allow tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in',
    '-A ufw-user-input -p tcp --dport 2222 -j ACCEPT',
    '### tuple ### allow tcp 20444 0.0.0.0/0 any 0.0.0.0/0 in',
    '-A ufw-user-input -p tcp --dport 20444 -j ACCEPT',
    '### END RULES ###',
    'COMMIT',
    '',
  ].join('\n');
  const ruleset = ufwRuleset('ipv4', { text, file: '/etc/ufw/user.rules' }, { inputPolicy: 'drop', ipv6: true });
  resetRulesVisited();
  const exposure = ipv4(ruleset);
  assert.equal(exposure.defaultReach, 'closed');
  assert.deepEqual(
    exposure.open.map((entry) => [entry.ports.from, entry.sources, entry.reach]),
    [
      [2222, 'any', 'open'],
      [20444, 'any', 'open'],
    ],
  );
  assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 2222, source: '100.64.0.7' }).reach, 'closed');
  assert.ok(rulesVisited() <= VISITS_PER_RULE * rulesOf(ruleset));
});

test('a chain that jumps to itself, with and without source matches, is walked once per depth and sources', {
  timeout: TIMEOUT,
}, () => {
  // Seed 2856 of the differential generator: chain1 jumps to itself (an undecided jump, a jump, a goto naming a
  // source) and each walk of it walked it again one level deeper for every jump, 2^32 up to MAX_DEPTH.
  const ruleset = randomRuleset(2856);
  resetRulesVisited();
  const exposure = inboundExposure(ruleset);
  assert.deepEqual(
    exposure.map((entry) => entry.family),
    ['ipv4', 'ipv6'],
  );
  assert.ok(rulesVisited() <= 10_000, `${rulesVisited()} rules looked at`);
});
