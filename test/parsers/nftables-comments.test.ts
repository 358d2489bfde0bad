// Issue 18, never leak: a rule's comment is free text of the ruleset (a hostile host can put anything there), and
// what the firewall model keeps of a rule (its origin text, shown as evidence) and of a problem never holds it. The
// JSON is the real `nft -j list ruleset` of a ruleset loaded into a throwaway network namespace.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
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
});
