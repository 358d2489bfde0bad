// iptables-save in time linear in its chains (issue #18). The test timeout is the bound, not a timing assertion.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIptablesSave } from '../../src/parsers/iptables-save.js';

test('200,000 user chains, each jumped to, and a jump to none: one lookup per line', { timeout: 30_000 }, () => {
  // A `chains.find` per line and per jump: 40,000 chains with a jump to each took 30 s; 200,000 would take 12 min.
  const count = 200_000;
  const lines = ['*filter', ':INPUT DROP [0:0]'];
  for (let i = 0; i < count; i++) lines.push(`:C${i} - [0:0]`, `-A INPUT -j C${i}`);
  lines.push('-A INPUT -j NOSUCH', '*nat', '-A PREROUTING -j C1', 'COMMIT');
  const ruleset = parseIptablesSave(`${lines.join('\n')}\n`, { family: 'ipv4' });
  const [filter, nat] = ruleset.tables;
  const input = filter?.chains.find((chain) => chain.name === 'INPUT');
  assert.equal(filter?.chains.length, count + 1);
  assert.equal(input?.rules.length, count + 1);
  assert.deepEqual(input?.rules[count - 1]?.action, { kind: 'jump', chain: `C${count - 1}` });
  // A chain of another table is no target: each table's names are its own.
  assert.deepEqual(input?.rules[count]?.action, { kind: 'unknown', text: 'NOSUCH' });
  assert.deepEqual(nat?.chains[0]?.rules[0]?.action, { kind: 'unknown', text: 'C1' });
});

test('words as iptables-save quotes them: a closed "…" is one word, an unclosed quote starts a plain word', () => {
  const text = [
    '*filter',
    '-A INPUT -m comment --comment "allow \\"ssh\\" in" -p tcp --dport 22 -j ACCEPT',
    '-A INPUT -s "10.0.0.1 -j DROP',
    '-A\u00a0INPUT\t-p udp "--dport" 53 -j DROP',
    '-A INPUT -p tcp --dport "80"443 -j ACCEPT',
    'COMMIT',
  ].join('\n');
  const rules = parseIptablesSave(text, { family: 'ipv4' }).tables[0]?.chains[0]?.rules ?? [];
  assert.deepEqual(
    rules.map((rule) => [rule.matches, rule.action]),
    [
      [
        [
          { kind: 'protocol', negate: false, protocols: ['tcp'] },
          { kind: 'dport', negate: false, protocols: ['tcp'], ports: [{ from: 22, to: 22 }] },
        ],
        { kind: 'accept' },
      ],
      [[{ kind: 'unknown', text: '-s "10.0.0.1' }], { kind: 'drop' }],
      [
        [
          { kind: 'protocol', negate: false, protocols: ['udp'] },
          { kind: 'dport', negate: false, protocols: ['udp'], ports: [{ from: 53, to: 53 }] },
        ],
        { kind: 'drop' },
      ],
      [
        [
          { kind: 'protocol', negate: false, protocols: ['tcp'] },
          { kind: 'dport', negate: false, protocols: ['tcp'], ports: [{ from: 80, to: 80 }] },
          { kind: 'unknown', text: '443 -j' },
        ],
        { kind: 'accept' },
      ],
    ],
  );
});

test('1 MB of one-character lines: each is a problem counted past the cap, none kept beyond it', {
  timeout: 30_000,
}, () => {
  // The words of a line were split by a matchAll that cloned its regex per line: 524k lines of `"` took 1.5 s a
  // parse (issue #18). The fuzz fixture test/fuzz/regressions/iptables-save/a5c9ab5a5159cbf9.bin holds the case.
  const lines = 524_288;
  const ruleset = parseIptablesSave(`*filter\n${'"\n'.repeat(lines)}`, { family: 'ipv4', file: 'f' });
  assert.equal(ruleset.problems.length, 101);
  assert.equal(ruleset.problems.at(-1)?.message, `... and ${lines - 100} more problems`);
  assert.deepEqual(ruleset.tables[0]?.chains, []);
});
