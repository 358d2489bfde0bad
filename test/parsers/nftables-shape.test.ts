// The shape check harden runs before copying a file for `nft -c`: real rulesets (each one accepted by the real
// `nft -c`, the oracle) pass; files that are no nft config (shadow, TOML, a token, a PEM key) fail on their line.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { nftShapeProblem } from '../../src/parsers/nftables-shape.js';

const VALID: Record<string, string> = {
  debian: [
    '#!/usr/sbin/nft -f',
    '',
    'flush ruleset',
    '',
    'table inet filter {',
    '\tchain input {',
    '\t\ttype filter hook input priority filter;',
    '\t}',
    '\tchain forward {',
    '\t\ttype filter hook forward priority filter;',
    '\t}',
    '}',
    '',
  ].join('\n'),
  rules: [
    'define ssh_ports = { 22, 2222 }',
    'table inet t {',
    '\tset allowed {',
    '\t\ttype ipv4_addr',
    '\t\tflags interval',
    '\t\telements = {',
    '\t\t\t192.0.2.0/24,',
    '\t\t\t198.51.100.7',
    '\t\t}',
    '\t}',
    '\tmap ports {',
    '\t\ttype inet_service : verdict',
    '\t\telements = { 22 : accept, 80 : drop }',
    '\t}',
    '\tcounter hits {',
    '\t\tpackets 0 bytes 0',
    '\t}',
    '\tquota q {',
    '\t\t25 mbytes',
    '\t}',
    '\tchain input {',
    '\t\ttype filter hook input priority 0; policy drop;',
    '\t\tct state { established, related } accept',
    '\t\tiif "lo" accept',
    '\t\tip saddr @allowed tcp dport $ssh_ports accept comment "ops"',
    '\t\ttcp dport vmap @ports',
    '\t\tmeta l4proto ipv6-icmp accept',
    '\t\tlimit rate 10/second counter accept',
    '\t\tjump other',
    '\t}',
    '\tchain other {',
    '\t\tudp dport 51820 accept; tcp dport 443 accept',
    '\t}',
    '}',
    'add rule inet t other tcp dport { 8080, 8443 } counter accept',
    'add element inet t allowed { 203.0.113.9 }',
    '',
  ].join('\n'),
};

const INVALID: [string, string, number][] = [
  ['shadow', 'root:$6$salt$hash:19700:0:99999:7:::\n', 1],
  ['toml', 'node_host = "127.0.0.1:20443"\nendpoint = "0.0.0.0:30000"\n', 1],
  ['token in a set body', 'table inet t {\n\tset s {\n\t\ttype ipv4_addr\n\t\tPlantedToken123\n\t}\n}\n', 4],
  ['token in a chain', 'table inet t {\n\tchain c {\n\t\tdeadbeefcafe\n\t}\n}\n', 3],
  ['pem key', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE\n-----END OPENSSH PRIVATE KEY-----\n', 1],
];

describe('nftShapeProblem', { timeout: 60_000 }, () => {
  test('rulesets nft -c accepts are nft configuration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nft-shape-'));
    try {
      for (const [name, text] of Object.entries(VALID)) {
        const file = join(dir, `${name}.nft`);
        writeFileSync(file, text);
        execFileSync('nft', ['-c', '-f', file], { stdio: 'pipe' });
        assert.equal(nftShapeProblem(text, file), undefined, name);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('files that are no nft configuration fail on their line, with a category only', () => {
    for (const [name, text, line] of INVALID) {
      const problem = nftShapeProblem(text);
      assert.equal(problem?.line, line, name);
      assert.equal(problem?.why, 'is not nftables configuration (a statement starts with no nft word)');
    }
  });

  test('a file over the token bound is a refusal on the line it passes the bound, not a throw (fuzz: nftables seed 18)', () => {
    // 2,000,001 tokens: `{` and newline make two per line, inside one table block.
    const text = `table inet t {\n${'{\n'.repeat(1_000_000)}`;
    const problem = nftShapeProblem(text, '/etc/nftables.conf');
    assert.match(problem?.why ?? '', /^holds more than \d+ tokens \(parse limit\)$/);
    assert.ok((problem?.line ?? 0) > 900_000, String(problem?.line));
  });
});
