import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lockoutFindings, parseRuleset } from '../../../src/harden/firewall/guard.js';
import {
  existingBlock,
  type FirewallFacts,
  mergeIntoNftablesConf,
  REMOVE_TABLE,
  renderFirewallBlock,
} from '../../../src/harden/firewall/render.js';
import { validateNftablesConf } from '../../../src/harden/firewall/validate.js';
import { evaluateInbound } from '../../../src/net/firewall/evaluate.js';
import { inboundExposure } from '../../../src/net/firewall/exposure.js';

const REMOTE_NODE: FirewallFacts = {
  sshPorts: [22, 2222],
  signerPort: 30000,
  nodeAddresses: ['10.0.0.8', 'fd00::8'],
};
const LOCAL_NODE: FirewallFacts = { sshPorts: [22], p2pPort: 20444, nodeAddresses: [] };

const parse = (text: string) => parseRuleset('/etc/nftables.conf', new Map([['/etc/nftables.conf', text]]));

describe('the generated nftables block', () => {
  test('is deterministic and passes the real nft -c, alone and merged into a stock Debian file', async () => {
    assert.equal(renderFirewallBlock(REMOTE_NODE), renderFirewallBlock(REMOTE_NODE));
    const fresh = mergeIntoNftablesConf(undefined, renderFirewallBlock(REMOTE_NODE));
    assert.equal(typeof fresh, 'string');
    assert.ok((fresh as string).startsWith('#!/usr/sbin/nft -f\n'));
    const stock =
      '#!/usr/sbin/nft -f\n\nflush ruleset\n\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter;\n\t}\n}\n';
    const merged = mergeIntoNftablesConf(stock, renderFirewallBlock(LOCAL_NODE)) as string;
    assert.ok(merged.startsWith(stock), 'every byte of the operator file is kept');
    for (const text of [fresh as string, merged]) {
      const verdict = await validateNftablesConf('/etc/nftables.conf', {
        files: new Map([['/etc/nftables.conf', text]]),
        includes: new Map(),
        canonical: new Map(),
      });
      assert.deepEqual([verdict.tool, verdict.ok, verdict.detail], ['nft -c', true, 'ruleset valid']);
    }
  });

  test('replacing the block is idempotent and keeps what surrounds it', () => {
    const around = '#!/usr/sbin/nft -f\n# mine\n';
    const first = mergeIntoNftablesConf(around, renderFirewallBlock(REMOTE_NODE)) as string;
    const tail = `${first}table ip operator {\n}\n`;
    const replaced = mergeIntoNftablesConf(tail, renderFirewallBlock(LOCAL_NODE)) as string;
    assert.equal(mergeIntoNftablesConf(replaced, renderFirewallBlock(LOCAL_NODE)), replaced);
    assert.ok(replaced.startsWith(around) && replaced.endsWith('table ip operator {\n}\n'));
    assert.equal(existingBlock(replaced), renderFirewallBlock(LOCAL_NODE));
    assert.match(
      String((mergeIntoNftablesConf('# BEGIN signer-opsec\n', 'x') as { error: string }).error),
      /expected one/,
    );
  });

  test('our parser sees exactly the generated table: delete table drops the earlier definition', () => {
    const ruleset = parse(mergeIntoNftablesConf(undefined, renderFirewallBlock(REMOTE_NODE)) as string);
    assert.deepEqual(ruleset.problems, []);
    assert.deepEqual(
      ruleset.tables.map((table) => `${table.family} ${table.name}: ${table.chains.map((c) => c.name).join(',')}`),
      ['inet signer_opsec: input,forward'],
    );
    const removed = parse(`${renderFirewallBlock(REMOTE_NODE)}${REMOVE_TABLE}`);
    assert.deepEqual(removed.tables, []);
    assert.deepEqual(removed.problems, []);
  });

  test('the model reads it as: default drop, SSH and P2P to all, the signer port only from the node', () => {
    const remote = parse(renderFirewallBlock(REMOTE_NODE));
    for (const family of ['ipv4', 'ipv6'] as const) {
      const exposure = inboundExposure(remote).find((entry) => entry.family === family)!;
      assert.equal(exposure.defaultReach, 'closed');
      const node = family === 'ipv4' ? '10.0.0.8' : 'fd00::8';
      const other = family === 'ipv4' ? '10.0.0.9' : 'fd00::9';
      assert.equal(evaluateInbound(remote, { family, port: 30000, source: node }).reach, 'open');
      assert.equal(evaluateInbound(remote, { family, port: 30000, source: other }).reach, 'closed');
      assert.equal(evaluateInbound(remote, { family, port: 2222 }).reach, 'open');
      assert.equal(evaluateInbound(remote, { family, port: 20444 }).reach, 'closed', 'no node here: no P2P');
    }
    const local = parse(renderFirewallBlock(LOCAL_NODE));
    assert.equal(evaluateInbound(local, { family: 'ipv6', port: 20444 }).reach, 'open');
    assert.equal(evaluateInbound(local, { family: 'ipv4', port: 30000, source: '10.0.0.8' }).reach, 'closed');
    assert.equal(evaluateInbound(local, { family: 'ipv4', port: 20443 }).reach, 'closed');
  });

  test('a container engine keeps the forward hook untouched, and the comment says why', () => {
    const block = renderFirewallBlock({ ...LOCAL_NODE, containerEngine: '/usr/bin/dockerd' });
    assert.doesNotMatch(block, /hook forward/);
    assert.match(block, /container engine is present \(\/usr\/bin\/dockerd\)/);
    assert.match(renderFirewallBlock(LOCAL_NODE), /hook forward priority filter; policy drop;/);
  });
});

describe('the firewall lock-out guard (model check)', () => {
  test('passes the generated rulesets', () => {
    assert.deepEqual(lockoutFindings(parse(renderFirewallBlock(REMOTE_NODE)), [22, 2222]), []);
    assert.deepEqual(lockoutFindings(parse(renderFirewallBlock(LOCAL_NODE)), [22]), []);
  });

  test('rejects a ruleset without established, and one that closes an SSH port', () => {
    const broken = renderFirewallBlock(LOCAL_NODE).replace('\t\tct state established,related accept\n', '');
    const findings = lockoutFindings(parse(broken), [22]);
    assert.deepEqual(
      findings.map((finding) => `${finding.kind} ${finding.family}`),
      ['established ipv4', 'established ipv6'],
    );
    const closesSsh = lockoutFindings(parse(renderFirewallBlock(LOCAL_NODE)), [22, 2222]);
    assert.deepEqual(
      closesSsh.map((finding) => `${finding.kind} ${finding.family} ${finding.port}`),
      ['ssh ipv4 2222', 'ssh ipv6 2222'],
    );
    assert.match(closesSsh[0]!.message, /SSH port 2222 would be closed/);
  });
});
