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
