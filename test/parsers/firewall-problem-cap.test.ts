// A hostile firewall file can be a problem per token or line: 2 MB of garbage held a million problem objects (1.2 GB,
// issue #18). Each parser keeps the first MAX_PROBLEMS and counts the rest in one last problem, naming no content.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FirewallProblem } from '../../src/parsers/firewall/model.js';
import { MAX_PROBLEMS } from '../../src/parsers/firewall/problems.js';
import { parseIptablesSave } from '../../src/parsers/iptables-save.js';
import { parseNftablesConf } from '../../src/parsers/nftables.js';
import { ufwRuleset } from '../../src/parsers/ufw.js';

const GARBAGE = 'zq7secret';

function assertCapped(problems: FirewallProblem[], total: number, file: string): void {
  assert.equal(problems.length, MAX_PROBLEMS + 1);
  assert.equal(problems.at(-1)?.message, `... and ${total - MAX_PROBLEMS} more problems`);
  assert.equal(problems.at(-1)?.file, file);
  for (const problem of problems) {
    assert.ok(!problem.message.includes(GARBAGE), problem.message);
    assert.equal(problem.file, file);
  }
  assert.ok(problems.slice(0, -1).every((problem) => typeof problem.line === 'number'));
}

test('nftables: 2 MB of garbage rules in a chain keeps 100 problems and counts the rest', { timeout: 60_000 }, () => {
  const lines = 200_000;
  const text = `table inet f {\n  chain c {\n${`${GARBAGE} !\n`.repeat(lines)}  }\n}\n`;
  assert.ok(text.length >= 2_000_000);
  const ruleset = parseNftablesConf('/etc/nftables.conf', { read: () => text, resolve: () => [] });
  assertCapped(ruleset.problems, lines, '/etc/nftables.conf');
  assert.equal(ruleset.problems[0]?.line, 3);
});

test('iptables-save: 2 MB of lines not understood keeps 100 problems and counts the rest', { timeout: 60_000 }, () => {
  const lines = 200_000;
  const text = `*filter\n${`${GARBAGE}\n`.repeat(lines)}COMMIT\n`;
  assert.ok(text.length >= 2_000_000);
  const ruleset = parseIptablesSave(text, { family: 'ipv4', file: '/etc/iptables/rules.v4' });
  assertCapped(ruleset.problems, lines, '/etc/iptables/rules.v4');
  assert.equal(ruleset.problems[0]?.line, 2);
  // Rules outside a table are problems too, counted alike; what the loader refuses is kept on the last one.
  const outside = parseIptablesSave(`${'-A INPUT -j ACCEPT\n'.repeat(150)}`, { family: 'ipv4', file: '/r' });
  assert.equal(outside.problems.at(-1)?.message, '... and 50 more problems');
});

test('ufw: 2 MB of garbage user rules keeps 100 problems and counts the rest', { timeout: 60_000 }, () => {
  const lines = 200_000;
  const text = `*filter\n${`${GARBAGE}\n`.repeat(lines)}COMMIT\n`;
  const ruleset = ufwRuleset('ipv4', { text, file: '/etc/ufw/user.rules' }, { inputPolicy: 'drop', ipv6: true });
  assertCapped(ruleset.problems, lines, '/etc/ufw/user.rules');
});

test('iptables-save: `-I` rules go to the top in reverse, `-A` rules after them in order', () => {
  // The inserts are put in front once at the end (unshift per line was quadratic: 110,000 took 5 s of CPU).
  const text =
    '*filter\n-A INPUT -p tcp --dport 1 -j ACCEPT\n-I INPUT -p tcp --dport 2 -j ACCEPT\n' +
    '-A INPUT -p tcp --dport 3 -j ACCEPT\n-I INPUT -p tcp --dport 4 -j ACCEPT\nCOMMIT\n';
  const chain = parseIptablesSave(text, { family: 'ipv4' }).tables[0]?.chains.find((each) => each.name === 'INPUT');
  assert.deepEqual(
    chain?.rules.map((rule) => rule.origin.line),
    [5, 3, 2, 4],
  );
});
