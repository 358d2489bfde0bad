// Issue #18: every format of hostile text is parsed within PARSE_LIMITS (size, line length, nesting, entries), each
// refused in linear time with an error naming the file, line and limit, never the content. The inputs are built at
// sizes where quadratic or recursive code would take minutes or overflow; no assertion is on a duration. Each format
// also has a realistic large input that must still parse.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readDockerInspect } from '../../src/cli/commands.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { parseInventory } from '../../src/parsers/ansible-inventory.js';
import { ComposeYamlLimitError, parseComposeYaml } from '../../src/parsers/compose-yaml.js';
import { parseNftablesConf } from '../../src/parsers/nftables.js';
import { parseNftJson } from '../../src/parsers/nftables-json.js';
import {
  jsonOverLimits,
  PARSE_LIMITS,
  ParseLimitError,
  textOverLimits,
  yamlEntriesBound,
} from '../../src/parsers/parse-limits.js';
import { loadSshdConfig } from '../../src/parsers/sshd-config.js';
import { parseUnitFile } from '../../src/parsers/systemd-unit.js';
import { parseWaivers, WaiverFileError } from '../../src/parsers/waivers.js';
import { BaselineError, parseBaseline } from '../../src/secrets/baseline.js';
import { parseStackerSet, StackerSetError } from '../../src/stacks/signer-set.js';
import { manyKeys, stackerSetText } from '../support/stacker-sets.js';

const MiB = 1024 * 1024;
/** A secret-looking word in every hostile input: no message may quote it. */
const MARK = 'QUOTEDCONTENT';

function assertNotQuoted(message: string): void {
  assert.ok(!message.includes(MARK), `the message quotes the content: ${message.slice(0, 200)}`);
}

describe('the limit checks themselves', () => {
  test('line length and line count are found with their line, in one pass', () => {
    const limits = { maxBytes: 100, maxLineBytes: 5, maxEntries: 3 };
    assert.equal(textOverLimits('ab\ncdefg\n', limits, { countLines: true }), undefined);
    assert.deepEqual(textOverLimits('ab\ncdefgh\n', limits), { limit: 'maxLineBytes', max: 5, line: 2 });
    assert.deepEqual(textOverLimits('a\nb\nc\nd', limits, { countLines: true }), {
      limit: 'maxEntries',
      max: 3,
      line: 4,
    });
    assert.equal(textOverLimits('a\nb\nc\n', limits, { countLines: true }), undefined);
  });

  test('JSON entries and depth skip strings (brackets, commas, escaped quotes inside them)', () => {
    const limits = { maxBytes: 1000, maxDepth: 2, maxEntries: 3 };
    assert.equal(jsonOverLimits('{"a,[[[\\"": [1, 2]}', limits), undefined);
    assert.deepEqual(jsonOverLimits('[[[]]]', limits), { limit: 'maxDepth', max: 2, line: 1 });
    // The comma that starts the fourth entry is on line 3.
    assert.deepEqual(jsonOverLimits('[1,\n2,\n3,\n4]', limits), { limit: 'maxEntries', max: 3, line: 3 });
    // Empty containers hold no entry.
    assert.equal(jsonOverLimits('[[], {}, []]', limits), undefined);
  });

  test('the YAML bound is never below the real count of keys and items', () => {
    const limits = { maxBytes: 1000, maxEntries: 4 };
    // a, b, c and two items: five entries.
    assert.ok(yamlEntriesBound('a:\n  b: 1\n  c:\n    - x\n    - y\n', limits));
    assert.equal(yamlEntriesBound('a:\n  b: 1\n  c: 2\n', limits), undefined);
  });
});

describe('JSON', { timeout: 300_000 }, () => {
  test('stacker set: size, nesting and entries are refused before parsing, naming the limit', () => {
    const { maxBytes, maxDepth, maxEntries } = PARSE_LIMITS.stackerSet;
    const cases: [string, RegExp][] = [
      [`{"${MARK}":"${'x'.repeat(maxBytes)}"}`, /^the document: larger than 16 MiB \(parse limit\)$/],
      [`{"${MARK}":${'['.repeat(200_000)}${']'.repeat(200_000)}}`, /^line 1: nested deeper than 64 levels/],
      [`{"${MARK}":[${'{},\n'.repeat(maxEntries + 10)}{}]}`, /^line 1999999: more than 2000000 keys and items/],
    ];
    for (const [text, expected] of cases) {
      assert.throws(
        () => parseStackerSet(text),
        (error: unknown) => {
          assert.ok(error instanceof StackerSetError);
          assert.match(error.message, expected);
          assertNotQuoted(error.message);
          return true;
        },
      );
    }
    assert.equal(maxDepth, 64);
  });

  test('a stacker set of 100,000 signers still parses', async () => {
    const keys = await manyKeys(100_000);
    const text = stackerSetText(keys.map((signingKey) => ({ signing_key: signingKey, weight: 1, stacked_amt: '1' })));
    assert.equal(jsonOverLimits(text, PARSE_LIMITS.stackerSet), undefined);
    assert.equal(parseStackerSet(text).signers.length, 100_000);
  });

  test('nft -j output: size, nesting and entries are ParseLimitErrors naming the limit', () => {
    const { maxBytes, maxEntries } = PARSE_LIMITS.nftJson;
    const cases: [string, RegExp][] = [
      [`{"nftables":[{"comment":"${MARK}${'x'.repeat(maxBytes)}"}]}`, /larger than 64 MiB/],
      [`{"nftables":[${'{"a":['.repeat(100_000)}"${MARK}"`, /nft -j list ruleset:1: nested deeper than 64 levels/],
      [`{"nftables":["${MARK}",${'0,'.repeat(maxEntries)}0]}`, /more than 8000000 keys and items/],
    ];
    for (const [text, expected] of cases) {
      assert.throws(
        () => parseNftJson(text),
        (error: unknown) => {
          assert.ok(error instanceof ParseLimitError);
          assert.match(error.message, expected);
          assertNotQuoted(error.message);
          return true;
        },
      );
    }
  });

  test('nft -j output of 40,000 rules still parses', () => {
    // The shape `nft -j list ruleset` prints for `ip saddr 10.0.0.0/24 tcp dport 1000 ct state new accept comment …`.
    const rule = (i: number) =>
      JSON.stringify({
        rule: {
          family: 'inet',
          table: 't',
          chain: 'input',
          handle: i + 3,
          comment: `rule ${i}`,
          expr: [
            {
              match: {
                op: '==',
                left: { payload: { protocol: 'ip', field: 'saddr' } },
                right: { prefix: { addr: `10.${(i >> 8) & 255}.${i & 255}.0`, len: 24 } },
              },
            },
            { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 1000 + (i % 5000) } },
            { match: { op: 'in', left: { ct: { key: 'state' } }, right: 'new' } },
            { accept: null },
          ],
        },
      });
    const items = [
      '{"metainfo":{"version":"1.0.6","release_name":"Lester Gooch #5","json_schema_version":1}}',
      '{"table":{"family":"inet","name":"t","handle":1}}',
      '{"chain":{"family":"inet","table":"t","name":"input","handle":1,"type":"filter","hook":"input","prio":0,"policy":"drop"}}',
      ...Array.from({ length: 40_000 }, (_, i) => rule(i)),
    ];
    const text = `{"nftables":[${items.join(',')}]}`;
    assert.ok(text.length > 15_000_000);
    const ruleset = parseNftJson(text);
    assert.equal(ruleset.tables[0]!.chains[0]!.rules.length, 40_000);
  });

  test('ansible-inventory --list output: nesting and entries are refused with the limit', () => {
    const deep = parseInventory(`{"all":${'{"a":'.repeat(10_000)}"${MARK}"`, 'inventory.json');
    assert.deepEqual(deep, { ok: false, line: 1, reason: 'nested deeper than 64 levels (parse limit)' });
    const wide = parseInventory(`{"all":{"hosts":["${MARK}",\n${'0,'.repeat(1_100_000)}0]}}`, 'inventory.json');
    assert.deepEqual(wide, { ok: false, line: 2, reason: 'more than 1000000 keys and items (parse limit)' });
    const large = parseInventory(`{"all":"${MARK}${'x'.repeat(PARSE_LIMITS.inventoryJson.maxBytes)}"}`, 'x.json');
    assert.deepEqual(large, { ok: false, reason: 'larger than 4 MiB (parse limit)' });
  });

  test('a baseline over a limit names the file and the limit', () => {
    const deep = `{"${MARK}":${'['.repeat(100_000)}`;
    assert.throws(() => parseBaseline(deep, '/tmp/baseline.json'), {
      name: 'BaselineError',
      message: '/tmp/baseline.json:1: nested deeper than 64 levels (parse limit); not read',
    });
    const wide = `{"fingerprints":["${MARK}",${'0,'.repeat(PARSE_LIMITS.baselineJson.maxEntries)}"0"]}`;
    assert.throws(
      () => parseBaseline(wide, '/tmp/baseline.json'),
      (error: unknown) => error instanceof BaselineError && /more than 2000000 keys and items/.test(error.message),
    );
  });

  test('--docker-inspect over a limit is a usage error naming the option, the file and the limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parse-limits-'));
    try {
      const path = join(dir, 'inspect.json');
      writeFileSync(path, `[{"Config":{"Env":["${MARK}"]},"x":${'['.repeat(100_000)}`);
      assert.throws(() => readDockerInspect(path), {
        name: UsageError.name,
        message: `--docker-inspect ${path}:1: nested deeper than 64 levels (parse limit); not read`,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('YAML', { timeout: 300_000 }, () => {
  const ids = new Set(['ssh/root-login']);

  test('waivers: 20k keys (140 KB) are refused before the quadratic duplicate-key check, with the line', () => {
    // The library compares each key with every earlier one: 80k keys took 4 minutes, 20k would take 15 s.
    const text = `${MARK}: x\n${Array.from({ length: 20_000 }, (_, i) => `k${i.toString(36)}: x`).join('\n')}\n`;
    assert.ok(text.length < 256 * 1024);
    assert.throws(
      () => parseWaivers(text, ids),
      (error: unknown) => {
        assert.ok(error instanceof WaiverFileError);
        assert.equal(error.line, 10_001);
        assert.equal(error.message, 'more than 10000 keys and items (parse limit); not read');
        return true;
      },
    );
  });

  test('a waivers file of 500 waivers still parses, and a control waived twice is still refused', () => {
    // Real files waive tens of controls; the bound counts ~10 a waiver here (`:`, `-` in ids and dates, `,`).
    const many = new Set(Array.from({ length: 500 }, (_, i) => `family/control-${i}`));
    const text = [...many]
      .map(
        (id) => `${id}:\n  justification: accepted, see ticket OPS-1234\n  expires: 2027-01-31\n  hosts: "signer-*"\n`,
      )
      .join('');
    assert.equal(parseWaivers(text, many).length, 500);
    assert.throws(() => parseWaivers(`${text}family/control-0:\n  justification: again\n`, many), WaiverFileError);
  });

  test('a YAML inventory of 15,000 hosts in one group parses, the last of repeated keys kept', () => {
    // With the library's duplicate-key check on, 80k hosts in one map took 4 minutes (15k: ~9 s). 15k hosts are
    // 460 KB, under the 512 KiB YAML bound; 100k hosts are read from `ansible-inventory --list` JSON instead.
    const hosts = Array.from({ length: 15_000 }, (_, i) => `        signer-${i}.example.net:\n`).join('');
    const text = `all:\n  children:\n    signers:\n      hosts:\n${hosts}        signer-0.example.net:\n          ansible_port: 2222\n`;
    const parsed = parseInventory(text, 'hosts.yml');
    assert.ok(parsed.ok);
    assert.equal(parsed.inventory.hostOrder.length, 15_000);
    assert.equal(parsed.inventory.hostVars.get('signer-0.example.net')?.ansible_port, 2222);
  });

  test('a YAML inventory over the entries bound is refused with its line', () => {
    const text = `all:\n  vars:\n    ${MARK}: [\n${'0,\n'.repeat(110_000)}0]\n`;
    const parsed = parseInventory(text, 'hosts.yml');
    assert.deepEqual(parsed, { ok: false, line: 100_000, reason: 'more than 100000 keys and items (parse limit)' });
    // Over 512 KiB, whatever it holds: the YAML library costs up to ~2.4 s a MB of garbage (issue #18).
    assert.deepEqual(parseInventory(`# ${'x'.repeat(512 * 1024)}\n`, 'hosts.yml'), {
      ok: false,
      reason: 'larger than 512 KiB (parse limit)',
    });
  });

  test('compose: over 50k counted entries or 512 KiB is refused before the parse, with its line; 30k keys parse', () => {
    const keys = (n: number) =>
      `services:\n  a:\n    environment:\n${Array.from({ length: n }, (_, i) => `      K${i}: v\n`).join('')}`;
    const refused = (text: string, code: string, line: number) =>
      assert.throws(
        () => parseComposeYaml(text),
        (error: unknown) => {
          assert.ok(error instanceof ComposeYamlLimitError);
          assert.equal(error.code, code);
          assert.equal(error.linePos[0]?.line, line);
          return true;
        },
      );
    // 4 entries (`:`, `:`, `:`, `[`) up to the list, then one `,` per line: the 50,001st is on line 50,000.
    refused(`services:\n  a:\n    x: [\n${'1,\n'.repeat(60_000)}1]\n`, 'TOO_MANY_NODES', 50_000);
    // 1 MB of `a:` lines took the library 2.3 s (issue #18); no compose file is near 512 KiB.
    refused(keys(40_000), 'TOO_LARGE', 1);
    const parsed = parseComposeYaml(keys(30_000)) as { services: { a: { environment: object } } };
    assert.equal(Object.keys(parsed.services.a.environment).length, 30_000);
  });
});

describe('systemd units', { timeout: 120_000 }, () => {
  const FILE = '/etc/systemd/system/stacks-signer.service.d/override.conf';
  const limitProblem = (text: string) => {
    const parsed = parseUnitFile(text, FILE);
    assert.equal(parsed.assignments.length, 0, 'nothing of a file over a limit is kept');
    assert.equal(parsed.problems.length, 1);
    const [problem] = parsed.problems;
    assert.equal(problem!.limit, true);
    assertNotQuoted(problem!.message);
    return { line: problem!.line, message: problem!.message };
  };

  test('a line over systemd LONG_LINE_MAX (1 MiB), alone or joined from continuations, names its line', () => {
    assert.deepEqual(limitProblem(`[Service]\nUser=signer\nEnvironment=${MARK}${'x'.repeat(MiB)}\n`), {
      line: 3,
      message: 'a line longer than 1 MiB (parse limit); not read',
    });
    const piece = `Environment=${MARK}${'x'.repeat(400 * 1024)} \\\n`;
    assert.deepEqual(limitProblem(`[Service]\n${piece}${piece}${piece}${piece}X=1\n`), {
      line: 2,
      message: 'a line longer than 1 MiB (parse limit); not read',
    });
  });

  test('a file over 8 MiB or with over 500k assignments is refused whole', () => {
    assert.deepEqual(limitProblem(`[Service]\n${`Environment=${MARK}\n`.repeat((8 * MiB) / 25)}`), {
      line: 0,
      message: 'larger than 8 MiB (parse limit); not read',
    });
    const many = `[Service]\nX=${MARK}\n${'A=1\n'.repeat(600_000)}`;
    assert.deepEqual(limitProblem(many), {
      line: 500_003,
      message: 'more than 500000 assignments (parse limit); not read',
    });
  });

  test('a signer unit with 130,000 Environment= lines (2 MB) still parses', () => {
    const text = `[Service]\n${Array.from({ length: 130_000 }, (_, i) => `Environment=K${i}=v`).join('\n')}\n`;
    const parsed = parseUnitFile(text, FILE);
    assert.equal(parsed.assignments.length, 130_000);
    assert.deepEqual(parsed.problems, []);
  });
});

describe('sshd_config', { timeout: 120_000 }, () => {
  const source = (files: Record<string, string>) => ({
    readText: async (path: string) => files[path],
    glob: async (pattern: string) =>
      Object.keys(files).filter((path) =>
        pattern.endsWith('/*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern,
      ),
  });
  const MAIN = '/etc/ssh/sshd_config';

  test('a file over the size, line-length or line-count bound is one problem naming it and the limit', async () => {
    const cases: [string, { line: number; message: string }][] = [
      [`# ${MARK}\n${'#'.repeat(4 * MiB)}\n`, { line: 0, message: 'larger than 4 MiB (parse limit); not read' }],
      [
        `Port 22\nAllowUsers ${MARK} ${'u'.repeat(MiB)}\n`,
        { line: 2, message: 'a line longer than 1 MiB (parse limit); not read' },
      ],
      [
        `Port ${MARK}\n${'\n'.repeat(200_000)}`,
        { line: 100_001, message: 'more than 100000 lines (parse limit); not read' },
      ],
    ];
    for (const [text, expected] of cases) {
      const config = await loadSshdConfig(source({ [MAIN]: text }), MAIN);
      assert.deepEqual(config.problems, [{ file: MAIN, ...expected, limit: true }]);
      assert.deepEqual(config.main?.nodes, [], 'nothing of the file is read');
    }
  });

  test('an included file over a limit is refused the same way, the main file still read', async () => {
    const included = '/etc/ssh/sshd_config.d/big.conf';
    const config = await loadSshdConfig(
      source({
        [MAIN]: 'Include /etc/ssh/sshd_config.d/*\nPort 22\n',
        [included]: `PasswordAuthentication ${MARK}${' x'.repeat(MiB)}\n`,
      }),
      MAIN,
    );
    assert.deepEqual(config.problems, [
      { file: included, line: 1, message: 'a line longer than 1 MiB (parse limit); not read', limit: true },
    ]);
  });

  test('a real sshd_config with an AllowUsers line of 10,000 names still parses', async () => {
    const users = Array.from({ length: 10_000 }, (_, i) => `operator${i}@10.0.0.0/8`).join(' ');
    const text = `Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\nX11Forwarding yes\nPrintMotd no\nAcceptEnv LANG LC_*\nSubsystem sftp /usr/lib/openssh/sftp-server\nPasswordAuthentication no\nAllowUsers ${users}\n`;
    assert.ok(text.length > 200_000);
    const config = await loadSshdConfig(source({ [MAIN]: text }), MAIN);
    assert.deepEqual(config.problems, []);
  });
});

describe('nftables text', { timeout: 120_000 }, () => {
  const MAIN = '/etc/nftables.conf';
  const parse = (text: string) =>
    parseNftablesConf(MAIN, { read: (path) => (path === MAIN ? text : undefined), resolve: () => [] });
  const refused = (text: string) => {
    const ruleset = parse(text);
    assert.deepEqual(ruleset.tables, [], 'nothing of the file is read');
    assert.equal(ruleset.problems.length, 1);
    const [problem] = ruleset.problems;
    assertNotQuoted(problem!.message);
    return problem;
  };

  test('size, line length, brace nesting and token count: a `rejects` problem naming file, line and limit', () => {
    const table = `table inet filter {\n chain input {\n  comment "${MARK}"\n`;
    assert.deepEqual(refused(`${table}${`  tcp dport 22 accept\n`.repeat((16 * MiB) / 21)}}}\n`), {
      file: MAIN,
      message: 'larger than 16 MiB (parse limit); not read',
      rejects: true,
      limit: true,
    });
    assert.deepEqual(refused(`${table}  ip saddr { ${'10.0.0.1, '.repeat(MiB)}10.0.0.2 } drop\n }\n}\n`), {
      file: MAIN,
      line: 4,
      message: 'a line longer than 8 MiB (parse limit); not read',
      rejects: true,
      limit: true,
    });
    assert.deepEqual(refused(`${table}${'{\n'.repeat(100_000)}`), {
      file: MAIN,
      line: 66,
      message: 'nested deeper than 64 levels (parse limit); not read',
      rejects: true,
      limit: true,
    });
    assert.deepEqual(refused(`${table}${';\n'.repeat(1_100_000)}`), {
      file: MAIN,
      line: 999_998,
      message: 'more than 2000000 tokens (parse limit); not read',
      rejects: true,
      limit: true,
    });
  });

  test('a ruleset of 40,000 rules and a one-line set of 240,000 addresses still parses', () => {
    const rules = Array.from(
      { length: 40_000 },
      (_, i) =>
        `  ip saddr 10.${(i >> 8) & 255}.${i & 255}.0/24 tcp dport ${1000 + (i % 5000)} ct state new accept comment "rule ${i}"\n`,
    ).join('');
    const banned = Array.from({ length: 240_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    const text = `table inet filter {\n chain input {\n  type filter hook input priority 0; policy drop;\n  ip saddr { ${banned.join(', ')} } drop\n${rules} }\n}\n`;
    const ruleset = parse(text);
    assert.deepEqual(ruleset.problems, []);
    assert.equal(ruleset.tables[0]!.chains[0]!.rules.length, 40_001);
  });
});
