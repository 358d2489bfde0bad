// A hostile firewall file can be a problem per token or line: 2 MB of garbage held a million problem objects (1.2 GB,
// issue #18). Each parser keeps the first MAX_PROBLEMS and counts the rest in one last problem, naming no content.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FirewallProblem } from '../../src/parsers/firewall/model.js';
import { MAX_PROBLEMS } from '../../src/parsers/firewall/problems.js';
import { parseIptablesSave } from '../../src/parsers/iptables-save.js';
import { MAX_EXPANDED_ELEMENTS, parseNftablesConf } from '../../src/parsers/nftables.js';
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

test('nftables: a set re-opened 20,000 times holds its element once, and each rule naming it copies one', {
  timeout: 60_000,
}, () => {
  // The fuzzer's `include` of a file with a set and a rule naming it, 28k times: the set grew by one element per
  // include and each rule copied all of it (4 GB, then out of memory; issue #18). nft's sets hold an element once.
  const block =
    'table inet f {\n set s {\n type ipv4_addr\n elements = { 10.0.0.1 }\n }\n chain c {\n ip saddr @s accept\n }\n}\n';
  const count = 20_000;
  const ruleset = parseNftablesConf('/etc/nftables.conf', { read: () => block.repeat(count), resolve: () => [] });
  assert.deepEqual(ruleset.problems, []);
  const rules = ruleset.tables[0]?.chains[0]?.rules ?? [];
  assert.equal(rules.length, count);
  assert.deepEqual(rules.at(-1)?.matches, rules[0]?.matches);
  const last = rules.at(-1)?.matches[0];
  assert.equal(last?.kind === 'address' ? last.ranges.length : -1, 1);
});

test('nftables: variables that double per line stop at the expansion bound, as a parse limit', {
  timeout: 60_000,
}, () => {
  // `define b = { $a, $a }` doubles per line: 40 lines would be 2^40 elements.
  const lines = ['define v0 = { 10.0.0.1 }'];
  for (let k = 1; k <= 40; k++) lines.push(`define v${k} = { $v${k - 1}, $v${k - 1} }`);
  lines.push(
    'table inet f {\n chain c {\n type filter hook input priority 0; policy drop;\n ip saddr $v40 accept\n }\n}\n',
  );
  const ruleset = parseNftablesConf('/etc/nftables.conf', { read: () => lines.join('\n'), resolve: () => [] });
  assert.deepEqual(ruleset.problems, [
    {
      file: '/etc/nftables.conf',
      line: 22,
      message: `named sets and variables expand to more than ${MAX_EXPANDED_ELEMENTS} elements (parse limit); not read`,
      rejects: true,
      limit: true,
    },
  ]);
  // The rule that names the truncated variable is not read as an address match.
  assert.equal(ruleset.tables[0]?.chains[0]?.rules[0]?.matches[0]?.kind, 'unknown');
});
