import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { evaluateInbound } from '../../src/net/firewall/evaluate.js';
import { inboundExposure } from '../../src/net/firewall/exposure.js';
import { parseIptablesSave } from '../../src/parsers/iptables-save.js';
import { parseNftablesConf, parsePriority } from '../../src/parsers/nftables.js';
import { IPTABLES_RULES, NFT_RULESETS, NFT_WITH_INCLUDE } from '../support/firewall-hosts.js';
import { materialiseFiles } from '../support/materialise.js';

function parseText(text: string) {
  return parseNftablesConf('/etc/nftables.conf', {
    read: (path) => (path === '/etc/nftables.conf' ? text : undefined),
    resolve: () => [],
  });
}

/** The real nft is the oracle that a fixture is valid nft syntax; a missing nft fails the test. */
function nftCheck(file: string, includeDir?: string): void {
  execFileSync('nft', [...(includeDir ? ['-I', includeDir] : []), '-c', '-f', file], { stdio: 'pipe' });
}

describe('nftables fixtures are valid nft (nft -c -f)', () => {
  for (const [name, text] of Object.entries(NFT_RULESETS)) {
    test(name, async () => {
      const tree = await materialiseFiles({ 'etc/nftables.conf': text });
      try {
        nftCheck(join(tree.root, 'etc/nftables.conf'));
      } finally {
        tree.cleanup();
      }
      assert.deepEqual(parseText(text).problems, []);
    });
  }
  test('with define, named set and a relative include glob', async () => {
    const tree = await materialiseFiles(NFT_WITH_INCLUDE);
    try {
      nftCheck(join(tree.root, 'etc/nftables.conf'), join(tree.root, 'etc'));
    } finally {
      tree.cleanup();
    }
  });
});

describe('parseNftablesConf', () => {
  test('chains, policy, priority, sets and ports', () => {
    const ruleset = parseText(NFT_RULESETS.dropSshP2p);
    const chain = ruleset.tables[0]!.chains[0]!;
    assert.equal(ruleset.tables[0]!.family, 'inet');
    assert.deepEqual([chain.hook, chain.type, chain.priority, chain.policy], ['input', 'filter', 0, 'drop']);
    assert.deepEqual(chain.rules[0]!.matches, [{ kind: 'ctState', negate: false, states: ['established', 'related'] }]);
    assert.deepEqual(chain.rules[2]!.matches, [{ kind: 'interface', direction: 'in', negate: false, names: ['lo'] }]);
    assert.deepEqual(chain.rules[3]!.matches[0], {
      kind: 'dport',
      negate: false,
      protocols: ['tcp'],
      ports: [
        { from: 2222, to: 2222 },
        { from: 20444, to: 20444 },
      ],
    });
    assert.equal(chain.rules[3]!.origin.line, 9);
  });

  test('include, define, named sets, jump and return', () => {
    const texts = new Map(Object.entries(NFT_WITH_INCLUDE).map(([path, text]) => [`/${path}`, String(text)]));
    const ruleset = parseNftablesConf('/etc/nftables.conf', {
      read: (path) => texts.get(path),
      resolve: (pattern) => (pattern === 'nftables.d/*.nft' ? ['/etc/nftables.d/10-filter.nft'] : []),
    });
    assert.deepEqual(ruleset.problems, []);
    const open = (family: 'ipv4' | 'ipv6', port: number, source?: string) =>
      evaluateInbound(ruleset, { family, port, ...(source ? { source } : {}) }).reach;
    assert.equal(open('ipv4', 30000, '10.0.0.5'), 'open');
    assert.equal(open('ipv4', 30000, '10.0.0.6'), 'closed');
    assert.equal(open('ipv6', 30000), 'closed');
    assert.equal(open('ipv4', 2222), 'open');
    const accepting = evaluateInbound(ruleset, { family: 'ipv4', port: 2222 }).decidedBy[0]!;
    assert.equal(accepting.file, '/etc/nftables.d/10-filter.nft');
  });

  test('`ip saddr != X return` in an inet table does not hold back IPv6', () => {
    const ruleset = parseText(
      'table inet f {\n chain input {\n type filter hook input priority 0; policy drop;\n jump s\n }\n chain s {\n ip saddr != 10.0.0.5 return\n tcp dport 30000 accept\n }\n}\n',
    );
    assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 30000 }).reach, 'closed');
    assert.equal(evaluateInbound(ruleset, { family: 'ipv6', port: 30000 }).reach, 'open');
  });

  test('flush ruleset forgets earlier tables; add/insert rule commands', () => {
    const ruleset = parseText(
      [
        'table ip old { chain input { type filter hook input priority 0; policy drop; } }',
        'flush ruleset',
        'add table ip t',
        'add chain ip t input { type filter hook input priority 0; policy drop; }',
        'add rule ip t input tcp dport 22 accept',
        'insert rule ip t input tcp dport 22 drop',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      ruleset.tables.map((table) => table.name),
      ['t'],
    );
    assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 22 }).reach, 'closed');
  });

  test('unknown expressions are neither accept nor drop', () => {
    const ruleset = parseText(NFT_RULESETS.notUnderstood);
    const rule = ruleset.tables[0]!.chains[0]!.rules.at(-1)!;
    assert.ok(rule.matches.some((match) => match.kind === 'unknown' && match.text.startsWith('limit')));
    assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 9000 }).reach, 'possibly-open');
    assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 9001 }).reach, 'closed');
  });

  test('an unknown top-level statement is reported where it is', () => {
    const ruleset = parseText('table inet f {\n}\nfrobnicate all\n');
    assert.deepEqual(ruleset.problems, [
      { file: '/etc/nftables.conf', line: 3, message: '"frobnicate" not understood at the top level', rejects: true },
    ]);
  });

  test('priorities by name and offset', () => {
    assert.equal(parsePriority('filter'), 0);
    assert.equal(parsePriority('filter + 10'), 10);
    assert.equal(parsePriority('mangle - 5'), -155);
    assert.equal(parsePriority('-300'), -300);
    assert.equal(parsePriority('bogus'), undefined);
  });
});

describe('inboundExposure', () => {
  test('which ports are open to whom, per family', () => {
    const exposure = inboundExposure(parseText(NFT_RULESETS.ipv6Open));
    const [v4, v6] = exposure;
    assert.equal(v4!.defaultReach, 'closed');
    assert.deepEqual(
      v4!.open.map((entry) => [entry.ports, entry.sources]),
      [
        [{ from: 2222, to: 2222 }, 'any'],
        [{ from: 20444, to: 20444 }, 'any'],
      ],
    );
    assert.equal(v6!.filtered, false);
    assert.equal(v6!.defaultReach, 'open');
  });

  test('source ranges are reported as written', () => {
    const [v4] = inboundExposure(parseText(NFT_RULESETS.signerToLan));
    assert.deepEqual(v4!.open.find((entry) => entry.ports.from === 30000)?.sources, ['10.0.0.0/8']);
  });
});

describe('parseIptablesSave', () => {
  test('policies, matches and user chains', () => {
    const ruleset = parseIptablesSave(IPTABLES_RULES.v4, { family: 'ipv4', file: '/etc/iptables/rules.v4' });
    assert.deepEqual(ruleset.problems, []);
    const input = ruleset.tables[0]!.chains.find((chain) => chain.name === 'INPUT')!;
    assert.deepEqual([input.hook, input.policy], ['input', 'drop']);
    assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 20444 }).reach, 'open');
    assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 30000 }).reach, 'closed');
  });

  test('unknown targets and options stay undecided', () => {
    const ruleset = parseIptablesSave(
      '*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 9000 -m recent --rcheck --seconds 60 -j ACCEPT\n-A INPUT -p tcp --dport 9001 -j NFQUEUE\nCOMMIT\n',
      { family: 'ipv4' },
    );
    assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 9000 }).reach, 'possibly-open');
    assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 9001 }).reach, 'possibly-open');
    assert.equal(evaluateInbound(ruleset, { family: 'ipv4', port: 9002 }).reach, 'closed');
  });
});
