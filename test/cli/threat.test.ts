import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import Ajv2020 from 'ajv/dist/2020.js';
import { fingerprint } from '../../src/stacks/fingerprint.js';
import { compressedPublicKey, parsePrivateKeyHex } from '../../src/stacks/keys.js';
import { BIN, type CliRun, REPO_ROOT, runCli } from '../support/cli.js';
import { closedPort, startFakeNode } from '../support/fake-node.js';
import { materialiseFiles } from '../support/materialise.js';
import { key, stackerSetText } from '../support/stacker-sets.js';

const EXAMPLES = join(REPO_ROOT, 'examples/stacker-sets');
const POX4 = join(EXAMPLES, 'docs-pox4.json');
const POX5 = join(EXAMPLES, 'docs-pox5.json');
const LARGE = join(EXAMPLES, 'mainnet-like.json');
const LARGE_OPERATORS = join(EXAMPLES, 'mainnet-like.operators.json');
const POX5_SMALL_KEY = '0216436e7785e1dc55cf4350ac1f90e45daf0ec5b57bce13a32551a513446e71d1';

const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schema/threat.schema.json'), 'utf8'));
const validate = new Ajv2020.default({ allErrors: true, strict: true }).compile(schema);

// biome-ignore lint/suspicious/noExplicitAny: tests read the parsed JSON report
type Json = Record<string, any>;

function json(run: CliRun): Json {
  assert.equal(run.stderr, '', run.stderr);
  const report = JSON.parse(run.stdout) as Json;
  assert.ok(validate(report), JSON.stringify(validate.errors, null, 2));
  return report;
}

/** The CLI without blocking this process, so a server started by the test can answer it. */
function runCliAsync(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: unknown }).code as number | null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

function topKeyOf(path: string): string {
  const report = json(runCli(['threat', '--stacker-set', path, '--format', 'json']));
  return report.signers.rows[0].signingKey;
}

describe('signer-opsec threat: figures', () => {
  test('the docs PoX-4 example, as text', () => {
    const run = runCli(['threat', '--stacker-set', POX4]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /reward_set_version 0 · 1 signer · total weight 1 · 2,143,020,000 STX stacked/);
    assert.match(run.stdout, /approve any block \(≥ 70%\) +1 signer\n/);
    assert.match(run.stdout, /halt the chain \(> 30%\) +1 signer\n/);
    assert.match(run.stdout, /largest single share +100\.00%/);
    assert.match(run.stdout, /HHI \(0–10,000\) +10,000/);
    assert.match(
      run.stdout,
      /02d0a27e…bf26 +1 +100\.00% +100\.00% +2,143,020,000 +← halt \(> 30%\) ← approve \(≥ 70%\)/,
    );
  });

  test('the docs PoX-5 example, as JSON: thresholds, shares, HHI, exact amounts, my key', () => {
    const report = json(runCli(['threat', '--stacker-set', POX5, '--format', 'json', '--me', POX5_SMALL_KEY]));
    assert.equal(report.rewardSetVersion, 1);
    assert.deepEqual(report.source, { kind: 'file', path: POX5 });
    assert.equal(report.poxUstxThreshold, '112082393974');
    assert.equal(report.totalStackedUstx, '72276904500110');
    const figures = report.signers.figures;
    assert.equal(figures.approveThreshold, 452);
    assert.equal(figures.haltWeight, 194);
    assert.equal(figures.fewestToApprove, 1);
    assert.equal(figures.fewestToHalt, 1);
    assert.equal(figures.largestShare, 636 / 645);
    assert.equal(figures.hhi.toFixed(2), '9724.82');
    assert.deepEqual(report.me, {
      weight: 9,
      share: 9 / 645,
      canHaltAlone: false,
      canApproveAlone: false,
      keys: [POX5_SMALL_KEY],
      missing: [],
      operator: null,
    });
    assert.deepEqual(
      report.signers.rows.map((row: Json) => [row.rank, row.weight, row.mine, row.crosses]),
      [
        [1, 636, false, ['halt', 'approve']],
        [2, 9, true, []],
      ],
    );
  });

  test('the larger example with operators: both tables, my operator, schema-valid JSON', () => {
    const me = topKeyOf(LARGE);
    const text = runCli(['threat', '--stacker-set', LARGE, '--operators', LARGE_OPERATORS, '--me', me]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /Fewest signers that can …\n +approve any block \(≥ 70%\) +7 signers\n +halt the chain \(> 30%\) +3 signers/,
    );
    assert.match(
      text.stdout,
      /Fewest operators that can … \(7 named operators[^\n]*\n +approve any block \(≥ 70%\) +5 operators\n +halt the chain \(> 30%\) +2 operators/,
    );
    assert.match(text.stdout, /Your operator \(Pool A\): weight 989, 23\.93%\. It alone can neither halt/);
    assert.match(text.stdout, /\* +1 +Pool A +2 +989 +23\.93% +23\.93%/);
    const report = json(
      runCli(['threat', '--stacker-set', LARGE, '--operators', LARGE_OPERATORS, '--me', me, '--format', 'json']),
    );
    assert.equal(report.operators.rows[0].name, 'Pool A');
    assert.equal(report.me.operator.weight, 989);
  });

  test('stacked_amt above 2^64 comes out exact', async () => {
    const big = (1n << 64n) + 7n;
    const fixture = await materialiseFiles({
      'set.json': stackerSetText([
        { signing_key: key('a'), weight: 3, stacked_amt: big },
        { signing_key: key('b'), weight: 1, stacked_amt: '5' },
      ]),
    });
    try {
      const report = json(runCli(['threat', '--stacker-set', join(fixture.root, 'set.json'), '--format', 'json']));
      assert.equal(report.signers.rows[0].stackedUstx, big.toString());
      assert.equal(report.totalStackedUstx, (big + 5n).toString());
      const text = runCli(['threat', '--stacker-set', join(fixture.root, 'set.json')]);
      assert.match(text.stdout, /18,446,744,073,709\.551628 STX stacked/); // 2^64 + 7 + 5 µSTX
      assert.match(text.stdout, / 18,446,744,073,709\.551623 +← halt/);
    } finally {
      fixture.cleanup();
    }
  });

  test('--output writes the report atomically, nothing on stdout', async () => {
    const fixture = await materialiseFiles({ 'out/.keep': '' });
    try {
      const output = join(fixture.root, 'out/threat.json');
      const run = runCli(['threat', '--stacker-set', POX4, '--format', 'json', '--output', output]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, '');
      assert.ok(validate(JSON.parse(readFileSync(output, 'utf8'))));
    } finally {
      fixture.cleanup();
    }
  });
});

describe('signer-opsec threat: my key from the signer config', () => {
  const PRIVATE_KEY = 'c0ffee5e1f2e3d4c5b6a79880716253443526170f9e8d7c6b5a4938271605f4e01';
  const parsed = parsePrivateKeyHex(PRIVATE_KEY);
  assert.ok(parsed.ok);
  const publicKey = bytesToHex(compressedPublicKey(parsed.bytes));
  const leakForms = [
    PRIVATE_KEY,
    PRIVATE_KEY.slice(0, 64),
    PRIVATE_KEY.toUpperCase(),
    PRIVATE_KEY.slice(0, 64).toUpperCase(),
  ];

  function assertNoKey(run: CliRun): void {
    for (const form of leakForms) {
      assert.ok(!run.stdout.includes(form) && !run.stderr.includes(form), 'the private key leaked');
    }
  }

  test('derives the public key, finds it in the set, never prints the private key', async () => {
    const fixture = await materialiseFiles({
      'signer.toml': { content: `stacks_private_key = "${PRIVATE_KEY}"\nnetwork = "mainnet"\n`, mode: 0o600 },
      'set.json': stackerSetText([
        { signing_key: publicKey, weight: 40, stacked_amt: 1 },
        { signing_key: key('other'), weight: 60, stacked_amt: 1 },
      ]),
    });
    try {
      const args = [
        'threat',
        '--stacker-set',
        join(fixture.root, 'set.json'),
        '--config',
        join(fixture.root, 'signer.toml'),
      ];
      for (const format of ['text', 'json']) {
        const run = runCli([...args, '--format', format]);
        assert.equal(run.code, 0, run.stderr);
        assertNoKey(run);
        if (format === 'json') {
          const report = json(run);
          assert.deepEqual(report.me.keys, [publicKey]);
          assert.equal(report.me.canHaltAlone, true); // 40 > 30
        } else {
          assert.match(run.stdout, /Your key alone can halt the chain/);
        }
      }
      // A private key given to --me by mistake is refused without being echoed.
      const mistaken = runCli(['threat', '--stacker-set', join(fixture.root, 'set.json'), '--me', PRIVATE_KEY]);
      assert.equal(mistaken.code, 2);
      assert.match(mistaken.stderr, /looks like a private key/);
      assertNoKey(mistaken);
      const mistakenMap = await materialiseFiles({ 'ops.json': `{"${publicKey}": "Me", "${PRIVATE_KEY}": "Oops"}` });
      try {
        const run = runCli([...args, '--operators', join(mistakenMap.root, 'ops.json')]);
        assert.equal(run.code, 2);
        assert.match(run.stderr, /ops\.json: entry 2: the key is not a 33-byte compressed/);
        assertNoKey(run);
      } finally {
        mistakenMap.cleanup();
      }
      const failing = runCli([...args, '--fail-if-me-above', '33.3']);
      assert.equal(failing.code, 1);
      assert.match(failing.stderr, /your signer weight is 40\.00% of the weight, above --fail-if-me-above 33\.3/);
      assertNoKey(failing);
    } finally {
      fixture.cleanup();
    }
  });

  test('a private key that also parses as a public key is never echoed back, even when it is not in the set', () => {
    // 66 hex ending 01 whose first 33 bytes are also a compressed point: accepted by --me as a public key (1 in 256
    // keys), so the report must name keys it cannot find by fingerprint only.
    let lookalike = '';
    for (let i = 0; !lookalike; i++) {
      const parsed = parsePrivateKeyHex(bytesToHex(sha256(utf8ToBytes(`lookalike ${i}`))));
      if (!parsed.ok) continue;
      const candidate = bytesToHex(compressedPublicKey(parsed.bytes));
      if (candidate.endsWith('01')) lookalike = candidate;
    }
    for (const format of ['text', 'json']) {
      const run = runCli(['threat', '--stacker-set', POX4, '--me', lookalike, '--format', format]);
      assert.equal(run.code, 0, run.stderr);
      for (const form of [lookalike, lookalike.slice(0, 16), lookalike.slice(-16)])
        assert.ok(!run.stdout.includes(form) && !run.stderr.includes(form), `${format}: the --me value was echoed`);
      if (format === 'json') assert.deepEqual(json(run).me.missing, [fingerprint(lookalike)]);
    }
  });

  test('a config with a bad or missing key: exit 2, the line named, no key material shown', async () => {
    const badKey = `${PRIVATE_KEY.slice(0, 64)}02`;
    const fixture = await materialiseFiles({
      'bad.toml': `network = "mainnet"\nstacks_private_key = "${badKey}"\n`,
      'none.toml': 'network = "mainnet"\n',
      'broken.toml': `stacks_private_key = "${PRIVATE_KEY}\n`,
    });
    try {
      const bad = runCli(['threat', '--stacker-set', POX4, '--config', join(fixture.root, 'bad.toml')]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /bad\.toml:2: stacks_private_key: the key has 66 hex characters but does not end in 01/);
      assert.ok(!bad.stderr.includes(badKey.slice(0, 64)));
      const none = runCli(['threat', '--stacker-set', POX4, '--config', join(fixture.root, 'none.toml')]);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /none\.toml: no stacks_private_key/);
      const broken = runCli(['threat', '--stacker-set', POX4, '--config', join(fixture.root, 'broken.toml')]);
      assert.equal(broken.code, 2);
      assert.match(broken.stderr, /broken\.toml:1: invalid TOML/);
      assertNoKey(broken);
    } finally {
      fixture.cleanup();
    }
  });
});

describe('signer-opsec threat: exit codes and bad input', () => {
  test('--fail-if-me-above: over the limit exits 1, at or under exits 0; the operator group counts when given', () => {
    const me = topKeyOf(LARGE); // 612 of 4133 = 14.81%; Pool A 989 = 23.93%
    assert.equal(runCli(['threat', '--stacker-set', LARGE, '--me', me, '--fail-if-me-above', '14.8']).code, 1);
    assert.equal(runCli(['threat', '--stacker-set', LARGE, '--me', me, '--fail-if-me-above', '15']).code, 0);
    const grouped = runCli([
      'threat',
      '--stacker-set',
      LARGE,
      '--me',
      me,
      '--operators',
      LARGE_OPERATORS,
      '--fail-if-me-above',
      '20',
    ]);
    assert.equal(grouped.code, 1);
    assert.match(grouped.stderr, /your operator holds 23\.93%/);
    // Exactly at the limit is not above it: 1 of 4 is 25%.
    const fixtureText = stackerSetText([
      { signing_key: key('q1'), weight: 1, stacked_amt: 1 },
      { signing_key: key('q2'), weight: 3, stacked_amt: 1 },
    ]);
    return materialiseFiles({ 'set.json': fixtureText }).then((fixture) => {
      try {
        const path = join(fixture.root, 'set.json');
        assert.equal(runCli(['threat', '--stacker-set', path, '--me', key('q1'), '--fail-if-me-above', '25']).code, 0);
        assert.equal(
          runCli(['threat', '--stacker-set', path, '--me', key('q1'), '--fail-if-me-above', '24.999999']).code,
          1,
        );
      } finally {
        fixture.cleanup();
      }
    });
  });

  test('malformed JSON, negative or fractional amounts, an empty set: exit 2 naming the file, field and index', async () => {
    const good = { signing_key: key('g'), weight: 2, stacked_amt: 5 };
    const fixture = await materialiseFiles({
      'malformed.json': '{"stacker_set": {\n  "signers": [,]\n}}',
      'negative.json': stackerSetText([good, { signing_key: key('n'), weight: 1, stacked_amt: -3 }]),
      'fraction.json': stackerSetText([good, { signing_key: key('f'), weight: '0.5', stacked_amt: 1 }]),
      'empty.json': stackerSetText([]),
    });
    try {
      const cases: [string, RegExp][] = [
        ['malformed.json', /malformed\.json: 2:15: invalid JSON: unexpected character: expected a value/],
        [
          'negative.json',
          /negative\.json: stacker_set\.signers\[1\]\.stacked_amt: expected a u128 amount, a non-negative integer; got -3/,
        ],
        [
          'fraction.json',
          /fraction\.json: stacker_set\.signers\[1\]\.weight: expected a u32 weight, a non-negative integer; got 0\.5/,
        ],
        ['empty.json', /empty\.json: stacker_set\.signers: the signer set is empty/],
      ];
      for (const [name, message] of cases) {
        const run = runCli(['threat', '--stacker-set', join(fixture.root, name)]);
        assert.equal(run.code, 2, name);
        assert.equal(run.stdout, '');
        assert.match(run.stderr, message);
        assert.equal(run.stderr.split('\n').length, 2, 'one line, no stack trace');
      }
    } finally {
      fixture.cleanup();
    }
  });

  test('usage mistakes are one line and exit 2', () => {
    const cases: [string[], RegExp][] = [
      [[], /give either --stacker-set FILE or --node URL --cycle N/],
      [['--stacker-set', POX4, '--node', 'http://127.0.0.1:20443'], /give either/],
      [['--node', 'http://127.0.0.1:20443'], /--node needs --cycle N/],
      [['--node', 'http://127.0.0.1:20443', '--cycle', '12a'], /--cycle 12a: expected a reward cycle number/],
      [['--node', 'http://127.0.0.1:20443', '--cycle', '12345678901'], /--cycle 12345678901: expected a reward cycle/],
      [['--node', 'ftp://x', '--cycle', '1'], /expected an http:\/\/ or https:\/\/ URL/],
      [['--node', 'http://u:secret@127.0.0.1:20443', '--cycle', '1'], /must not contain a user name or password/],
      [['--node', 'http://127.0.0.1:20443', '--cycle', '1', '--timeout', '0'], /--timeout 0: expected seconds/],
      [['--stacker-set', POX4, '--cycle', '3'], /--cycle goes with --node/],
      [['--stacker-set', POX4, '--me', '02abc'], /--me: expected a 33-byte compressed public key/],
      [['--stacker-set', POX4, '--fail-if-me-above', '10'], /needs --me PUBKEY or --config FILE/],
      [['--stacker-set', POX4, '--me', POX5_SMALL_KEY, '--fail-if-me-above', '150'], /expected a percentage, 0–100/],
      [['--stacker-set', POX4, '--format', 'xml'], /--format xml: expected one of text, json, prometheus/],
      [['--stacker-set', '/nonexistent/set.json'], /--stacker-set \/nonexistent\/set\.json: does not exist/],
      [
        ['--stacker-set', POX4, '--operators', POX4],
        /operators file|docs-pox4\.json: .*compressed secp256k1 public key/,
      ],
      [['--stacker-set', POX4, '--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const run = runCli(['threat', ...args]);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, message, args.join(' '));
      assert.equal(run.stdout, '');
    }
    assert.ok(
      !runCli(['threat', '--node', 'http://u:secret@127.0.0.1:20443', '--cycle', '1']).stderr.includes('secret'),
    );
  });
});

describe('signer-opsec threat --node', () => {
  const NOT_READY =
    '{"response":"error","err_type":"not_available_try_again","err_msg":"Could not read reward set. Prepare phase may not have started for this cycle yet."}';

  test('reads the set from the node; not-ready and unreachable nodes are clear errors', async () => {
    const node = await startFakeNode({
      '/v3/stacker_set/100': { status: 200, body: readFileSync(POX5, 'utf8') },
      '/v3/stacker_set/101': { status: 400, body: NOT_READY },
    });
    try {
      const ok = await runCliAsync(['threat', '--node', node.url, '--cycle', '100', '--format', 'json']);
      assert.equal(ok.code, 0, ok.stderr);
      const report = json(ok);
      assert.deepEqual(report.source, { kind: 'node', url: `${node.url}/v3/stacker_set/100`, cycle: 100 });
      assert.equal(report.signers.figures.totalWeight, 645);

      const text = await runCliAsync(['threat', '--node', `${node.url}/`, '--cycle', '100']);
      assert.match(text.stdout, new RegExp(`^Stake concentration — cycle 100 from ${node.url}/v3/stacker_set/100\n`));

      const early = await runCliAsync(['threat', '--node', node.url, '--cycle', '101']);
      assert.equal(early.code, 2);
      assert.match(early.stderr, /^signer-opsec: cycle 101's signer set is not available yet: .*try again later/);
    } finally {
      await node.close();
    }
    const port = await closedPort();
    const refused = await runCliAsync(['threat', '--node', `http://127.0.0.1:${port}`, '--cycle', '1']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /cannot reach http:\/\/127\.0\.0\.1:\d+\/v3\/stacker_set\/1: connection refused/);
  });
});
