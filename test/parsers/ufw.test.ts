// ufw's rule files: user.rules fills ufw-user-input, user6.rules ufw6-user-input (ufw's own IPv6 chain names).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateInbound } from '../../src/net/firewall/evaluate.js';
import { parseUfwDefaults, ufwRuleset } from '../../src/parsers/ufw.js';
import { NODE_ADDRESS, UFW_USER_RULES, UFW_USER6_RULES } from '../support/firewall-hosts.js';

const defaults = parseUfwDefaults('IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\n');

describe('ufwRuleset', () => {
  test('IPv4: the user rules in ufw-user-input', () => {
    const ruleset = ufwRuleset('ipv4', { text: UFW_USER_RULES, file: '/etc/ufw/user.rules' }, defaults);
    assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 20444 }).reach, 'open');
    assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 30000, source: NODE_ADDRESS }).reach, 'open');
    assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 30000 }).reach, 'closed');
  });

  test('IPv6: the user rules in ufw6-user-input, limit rules through ufw6-user-limit-accept', () => {
    const text = UFW_USER6_RULES.replace(
      '### END RULES ###',
      '### tuple ### allow tcp 30000 ::/0 any ::/0 in\n-A ufw6-user-input -p tcp --dport 30000 -j ACCEPT\n### END RULES ###',
    );
    const ruleset = ufwRuleset('ipv6', { text, file: '/etc/ufw/user6.rules' }, defaults);
    assert.deepEqual(ruleset.problems, []);
    const opened = evaluateInbound(ruleset, { family: 'ipv6', port: 30000 });
    assert.equal(opened.reach, 'open');
    assert.ok(opened.decidedBy.some((origin) => origin.file === '/etc/ufw/user6.rules'));
    assert.equal(evaluateInbound(ruleset, { family: 'ipv6', port: 2222 }).reach, 'open');
    assert.equal(evaluateInbound(ruleset, { family: 'ipv6', port: 8080 }).reach, 'closed');
  });

  test('IPV6=no: ufw drops every IPv6 connection but loopback', () => {
    const off = parseUfwDefaults('IPV6=no\nDEFAULT_INPUT_POLICY="ACCEPT"\n');
    const ruleset = ufwRuleset('ipv6', { text: UFW_USER6_RULES, file: '/etc/ufw/user6.rules' }, off);
    assert.equal(evaluateInbound(ruleset, { family: 'ipv6', port: 20444 }).reach, 'closed');
    assert.equal(evaluateInbound(ruleset, { family: 'ipv6', port: 20444, interface: 'lo' }).reach, 'open');
  });
});
