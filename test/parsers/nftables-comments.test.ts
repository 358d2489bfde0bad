// Issue 18, never leak: a rule's comment is free text of the ruleset (a hostile host can put anything there), and
// what the firewall model keeps of a rule (its origin text, shown as evidence) and of a problem never holds it. The
// JSON is the real `nft -j list ruleset` of a ruleset loaded into a throwaway network namespace.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseIptablesSave } from '../../src/parsers/iptables-save.js';
import { parseNftablesConf } from '../../src/parsers/nftables.js';
import { parseNftJson } from '../../src/parsers/nftables-json.js';

const COMMENT = 'PlantedCommentToken7Hq2Wz9';
const RULESET = [
  'table inet planted {',
  '\tchain input {',
  '\t\ttype filter hook input priority 0; policy drop;',
  `\t\ttcp dport 22 accept comment "${COMMENT}"`,
  `\t\tjump nowhere comment "${COMMENT}"`,
  '\t}',
  '}',
  '',
].join('\n');

describe('nft rule comments are never kept as text', { timeout: 60_000 }, () => {
  test('nft -j list ruleset (real nft, own network namespace): the model holds no comment', () => {
    const ns = `leaks-nft-${process.pid}`;
    const dir = mkdtempSync(join(tmpdir(), 'nft-comments-'));
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      const file = join(dir, 'ruleset.nft');
      // jump to a missing chain is refused by nft: load the part it accepts.
      writeFileSync(file, RULESET.replace(/\t\tjump nowhere.*\n/, ''));
      execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', file]);
      const json = execFileSync('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'ruleset'], { encoding: 'utf8' });
      assert.ok(json.includes(COMMENT), 'nft reports the comment');
      const ruleset = parseNftJson(json);
      assert.equal(ruleset.tables[0]?.chains[0]?.rules.length, 1);
      assert.ok(!JSON.stringify(ruleset).includes(COMMENT), JSON.stringify(ruleset));
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('nftables.conf text: rule evidence and problems hold no comment', () => {
    const ruleset = parseNftablesConf('/etc/nftables.conf', {
      read: (path) => (path === '/etc/nftables.conf' ? RULESET : undefined),
      resolve: () => [],
    });
    assert.ok(ruleset.problems.length > 0, 'the jump to a missing chain is a problem');
    assert.ok(!JSON.stringify(ruleset).includes(COMMENT), JSON.stringify(ruleset));
    assert.match(ruleset.tables[0]?.chains[0]?.rules[0]?.origin.text ?? '', /^tcp dport 22 accept comment "…"$/);
  });

  test('a log prefix is free text too (nft `log prefix`)', () => {
    const ruleset = parseNftablesConf('/etc/nftables.conf', {
      read: () =>
        RULESET.replace(`tcp dport 22 accept comment "${COMMENT}"`, `tcp dport 22 log prefix "${COMMENT} " accept`),
      resolve: () => [],
    });
    assert.ok(!JSON.stringify(ruleset).includes(COMMENT), JSON.stringify(ruleset));
    assert.match(ruleset.tables[0]?.chains[0]?.rules[0]?.origin.text ?? '', /^tcp dport 22 log prefix "…" accept$/);
  });

  test('an expression not understood is a placeholder in the evidence, whatever it holds', () => {
    const ruleset = parseNftablesConf('/etc/nftables.conf', {
      read: () =>
        RULESET.replace(
          `tcp dport 22 accept comment "${COMMENT}"`,
          `ct helper "${COMMENT}" tcp dport 22 accept\n\t\tmeta skuid ${COMMENT} tcp dport 23 accept\n\t\ttcp dport 24 osf name "${COMMENT}" accept`,
        ),
      resolve: () => [],
    });
    assert.deepEqual(
      ruleset.tables[0]?.chains[0]?.rules.slice(0, 3).map((rule) => rule.origin.text),
      ['ct … tcp dport 22 accept', 'meta … tcp dport 23 accept', 'tcp dport 24 osf … accept'],
    );
    // What reaches a report: origins (evidence) and problems. The model's own `unknown` matches keep their text.
    const origins = ruleset.tables.flatMap((table) =>
      table.chains.flatMap((chain) => chain.rules.map((rule) => rule.origin)),
    );
    assert.ok(!JSON.stringify([origins, ruleset.problems]).includes(COMMENT));
  });
});

// The long hosts fuzz (seed 20261208, case 2069) pasted an auth password into a ufw rule's comment; the open port's
// evidence quoted the rule line, comment and all.
describe('iptables-save (ufw) rule comments and log prefixes are never kept as text', () => {
  test('quoted, bare, escaped and unterminated values all become a placeholder', () => {
    const lines = [
      `-A INPUT -m comment --comment "${COMMENT}" -j ACCEPT`,
      `-A INPUT -p tcp --dport 22 -m comment --comment ${COMMENT} -j ACCEPT`,
      `-A INPUT -m comment --comment "a \\"${COMMENT}\\" b" -j DROP`,
      `-A INPUT -j LOG --log-prefix "[${COMMENT}] "`,
      `-A INPUT -j NFLOG --nflog-prefix ${COMMENT}`,
      `-A INPUT -m comment --comment "${COMMENT}`,
    ];
    const ruleset = parseIptablesSave(['*filter', ':INPUT DROP [0:0]', ...lines, 'COMMIT', ''].join('\n'), {
      family: 'ipv4',
      file: '/etc/ufw/user.rules',
    });
    assert.ok(!JSON.stringify(ruleset).includes(COMMENT), JSON.stringify(ruleset));
    const texts = ruleset.tables[0]?.chains
      .find((chain) => chain.name === 'INPUT')
      ?.rules.map((rule) => rule.origin.text);
    assert.deepEqual(texts, [
      '-A INPUT -m comment --comment "…" -j ACCEPT',
      '-A INPUT -p tcp --dport 22 -m comment --comment "…" -j ACCEPT',
      '-A INPUT -m comment --comment "…" -j DROP',
      '-A INPUT -j LOG …',
      '-A INPUT -j NFLOG …',
      '-A INPUT -m comment --comment "…"',
    ]);
  });

  test('an option, value or module not understood is a placeholder too; what the model read is shown', () => {
    const ruleset = parseIptablesSave(
      [
        '*filter',
        ':INPUT DROP [0:0]',
        `-A INPUT -p tcp -m ${COMMENT} --${COMMENT} ${COMMENT} --dport 22 -s 10.0.0.0/8 -i eth0 -j ACCEPT`,
        `-A INPUT -s ${COMMENT} -m conntrack --ctstate NEW,${COMMENT} -j REJECT --reject-with ${COMMENT}`,
        'COMMIT',
        '',
      ].join('\n'),
      { family: 'ipv4' },
    );
    assert.ok(
      !JSON.stringify(
        ruleset.tables.map((table) => table.chains.map((chain) => chain.rules.map((rule) => rule.origin))),
      ).includes(COMMENT),
    );
    assert.deepEqual(
      ruleset.tables[0]?.chains.find((chain) => chain.name === 'INPUT')?.rules.map((rule) => rule.origin.text),
      [
        '-A INPUT -p tcp -m … --dport 22 -s 10.0.0.0/8 -i eth0 -j ACCEPT',
        '-A INPUT … -m conntrack --ctstate … -j REJECT …',
      ],
    );
  });
});
