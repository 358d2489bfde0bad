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
      {
        file: '/etc/nftables.conf',
        line: 3,
        message: 'an unknown word not understood at the top level',
        rejects: true,
      },
    ]);
  });

  test('problems say where and what, never the names the file gives its chains and tables (issue #18)', () => {
    const ruleset = parseText(
      'table inet t0ps3cret {\n chain input {\n type filter hook input priority bogus; policy maybe;\n jump n0such\n goto n0such\n }\n chain open {\n',
    );
    const at = (line: number, message: string, rejects?: true) => ({
      file: '/etc/nftables.conf',
      line,
      message,
      ...(rejects ? { rejects } : {}),
    });
    assert.deepEqual(ruleset.problems, [
      at(3, 'chain priority not understood'),
      at(3, 'chain policy not understood (drop or accept)'),
      at(7, 'a chain is opened here but never closed with "}"', true),
      at(1, 'a table is opened here but never closed with "}"', true),
      at(4, 'jump to a chain that is not defined in its table', true),
      at(5, 'goto a chain that is not defined in its table', true),
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

/** A parse over in-memory files; `resolve` globs a trailing `*` over them, as the loader does through the target. */
function parseFiles(files: Record<string, string>) {
  const paths = Object.keys(files).sort();
  return parseNftablesConf('/etc/nftables.conf', {
    read: (path) => files[path],
    resolve: (pattern) => {
      const absolute = pattern.startsWith('/') ? pattern : `/etc/${pattern}`;
      if (!absolute.endsWith('*')) return paths.filter((path) => path === absolute);
      const dir = absolute.slice(0, -1);
      return paths.filter((path) => path.startsWith(dir) && !path.slice(dir.length).includes('/'));
    },
  });
}

describe('nft includes expand in linear time', () => {
  // Issue 18 item 9: `include "/etc/*"` inside a chain matched its own file, and every level spliced every file of
  // /etc again (~8^16): harden plan spun forever.
  test('include "/etc/*" inside a chain, matching its own file: a cycle error with its chain, the rest kept', () => {
    const files: Record<string, string> = {
      '/etc/nftables.conf':
        'table inet t {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tinclude "/etc/*"\n\t}\n}\n',
    };
    for (let i = 0; i < 8; i++) files[`/etc/rule${i}.nft`] = `tcp dport ${2000 + i} accept\n`;
    const ruleset = parseFiles(files);
    assert.deepEqual(
      ruleset.problems.filter((problem) => /cycle/.test(problem.message)),
      [
        {
          file: '/etc/nftables.conf',
          line: 4,
          message: 'include cycle: /etc/nftables.conf:4 -> /etc/nftables.conf',
          rejects: true,
        },
      ],
    );
    assert.equal(ruleset.tables[0]?.chains[0]?.rules.length, 8);
  });

  test('a file each level includes twice is tokenized once; the expansion is bounded', () => {
    // 2^20 copies of the last file without a bound: each level splices the next one twice.
    const files: Record<string, string> = { '/etc/nftables.conf': 'include "/etc/l1"\ninclude "/etc/l1"\n' };
    for (let level = 1; level < 16; level++) {
      files[`/etc/l${level}`] = `include "/etc/l${level + 1}"; include "/etc/l${level + 1}"\n`;
    }
    files['/etc/l16'] = `${'define x = 1\n'.repeat(200)}`;
    const ruleset = parseFiles(files);
    assert.ok(ruleset.problems.some((problem) => /^includes expand to more than \d+ tokens/.test(problem.message)));
  });

  test('an unknown word is described, never quoted: it may be a line of an included secret file', () => {
    const ruleset = parseFiles({
      '/etc/nftables.conf': 'include "/etc/shadow"\n',
      '/etc/shadow': 'stacks:$6$Zq8Xv2Lk$plantedhashHh5Jj6Kk7Ll8Mm9Nn:19700:0:99999:7:::\n',
    });
    assert.ok(ruleset.problems.length > 0);
    assert.ok(!JSON.stringify(ruleset.problems).includes('Zq8Xv2Lk'));
  });
});
