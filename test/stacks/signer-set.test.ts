import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseOperatorMap } from '../../src/stacks/operators.js';
import { normalisePublicKey, parseStackerSet, StackerSetError } from '../../src/stacks/signer-set.js';
import { REPO_ROOT } from '../support/cli.js';
import { key, stackerSetText } from '../support/stacker-sets.js';

const DOCS_KEY = '02d0a27e4f1bf186b4391eecfcc4d4a0d403684ad089b477b8548a69dd6378bf26';
const OFF_CURVE = `02${'0'.repeat(63)}5`; // x = 5 has no y on secp256k1

function example(name: string): string {
  return readFileSync(`${REPO_ROOT}examples/stacker-sets/${name}`, 'utf8');
}

function assertRejects(text: string, where: string, reason: RegExp): void {
  assert.throws(
    () => parseStackerSet(text),
    (error: unknown) => {
      assert.ok(error instanceof StackerSetError, String(error));
      assert.equal(error.where, where);
      assert.match(error.reason, reason);
      return true;
    },
  );
}

describe('parseStackerSet: shapes', () => {
  test('the docs PoX-4 example (no reward_set_version): version 0, exact amounts', () => {
    const set = parseStackerSet(example('docs-pox4.json'));
    assert.equal(set.rewardSetVersion, 0);
    assert.equal(set.poxUstxThreshold, 110_000_000_000n);
    assert.deepEqual(set.signers, [{ signingKey: DOCS_KEY, weight: 1, stackedUstx: 2_143_020_000_000_000n, index: 0 }]);
  });

  test('the docs PoX-5 example: reward_set_version 1 with sbtc_address', () => {
    const set = parseStackerSet(example('docs-pox5.json'));
    assert.equal(set.rewardSetVersion, 1);
    assert.deepEqual(
      set.signers.map((signer) => [signer.weight, signer.stackedUstx]),
      [
        [636, 71_276_903_000_000n],
        [9, 1_000_001_500_110n],
      ],
    );
  });

  test('the inner object alone, explicit version 0, and 0x / upper-case keys are accepted', () => {
    const text = stackerSetText([{ signing_key: `0x${DOCS_KEY.toUpperCase()}`, weight: 3, stacked_amt: 5 }], {
      version: 0,
      wrapped: false,
    });
    const set = parseStackerSet(text);
    assert.equal(set.signers[0]!.signingKey, DOCS_KEY);
    assert.equal(set.rewardSetVersion, 0);
  });

  test('stacked_amt above 2^64 stays exact, as a JSON number or as a decimal string', () => {
    const u128max = (1n << 128n) - 1n;
    const over64 = (1n << 64n) + 12_345n;
    const set = parseStackerSet(
      stackerSetText([
        { signing_key: key('a'), weight: 1, stacked_amt: u128max },
        { signing_key: key('b'), weight: 2, stacked_amt: over64.toString() },
      ]),
    );
    assert.equal(set.signers[0]!.stackedUstx, u128max);
    assert.equal(set.signers[1]!.stackedUstx, over64);
  });

  test('pox_ustx_threshold may be null or absent', () => {
    assert.equal(
      parseStackerSet(stackerSetText([{ signing_key: key('a'), weight: 1, stacked_amt: 1 }], { threshold: 'null' }))
        .poxUstxThreshold,
      null,
    );
    assert.equal(
      parseStackerSet(`{"signers":[{"signing_key":"${key('a')}","weight":1,"stacked_amt":1}]}`).poxUstxThreshold,
      null,
    );
  });
});

describe('parseStackerSet: bad input names the field and why', () => {
  const good = { signing_key: key('good'), weight: 4, stacked_amt: 10 };

  test('malformed JSON: line and column', () => {
    assertRejects(
      '{"stacker_set": {"signers": [\n  {"weight": 1,,}\n]}}',
      '2:16',
      /invalid JSON: expected a quoted key/,
    );
  });

  test('negative, fractional, exponent, string and oversized weights', () => {
    const cases: [string, RegExp][] = [
      ['-1', /non-negative integer; got -1/],
      ['1.5', /non-negative integer; got 1\.5/],
      ['1e3', /non-negative integer; got 1e3/],
      ['"7"', /non-negative integer; got "7"/],
      ['null', /got null/],
      ['4294967296', /larger than a u32 weight/],
    ];
    for (const [weight, reason] of cases) {
      assertRejects(
        stackerSetText([good, { signing_key: key('x'), weight, stacked_amt: 1 }]),
        'stacker_set.signers[1].weight',
        reason,
      );
    }
  });

  test('negative, fractional and oversized amounts', () => {
    for (const [amount, reason] of [
      ['-5', /got -5/],
      ['2.5', /got 2\.5/],
      ['"12abc"', /got "12abc"/],
      [((1n << 128n) + 0n).toString(), /larger than a u128 amount/],
    ] as const) {
      const text = stackerSetText([good]).replace('"stacked_amt":10', `"stacked_amt":${amount}`);
      assertRejects(text, 'stacker_set.signers[0].stacked_amt', reason);
    }
    assertRejects(
      stackerSetText([{ signing_key: key('a'), weight: 1, stacked_amt: 1 }]).replace(',"stacked_amt":1', ''),
      'stacker_set.signers[0].stacked_amt',
      /got missing/,
    );
  });

  test('signing keys: wrong length, uncompressed prefix, off the curve, not a string', () => {
    for (const bad of [DOCS_KEY.slice(0, 64), `04${DOCS_KEY.slice(2)}`, OFF_CURVE, `${DOCS_KEY}00`]) {
      assertRejects(
        stackerSetText([good, { signing_key: bad, weight: 1, stacked_amt: 1 }]),
        'stacker_set.signers[1].signing_key',
        /33-byte compressed secp256k1 public key/,
      );
    }
    assertRejects(
      stackerSetText([good]).replace(`"${good.signing_key}"`, '42'),
      'stacker_set.signers[0].signing_key',
      /expected a hex string, got 42/,
    );
  });

  test('the same key twice is refused, whatever its spelling', () => {
    assertRejects(
      stackerSetText([good, { ...good, signing_key: `0x${good.signing_key.toUpperCase()}`, weight: 1 }]),
      'stacker_set.signers[1].signing_key',
      /same key as stacker_set\.signers\[0\]/,
    );
  });

  test('empty, missing, null, not an array; all weights zero; total beyond u32', () => {
    assertRejects(stackerSetText([]), 'stacker_set.signers', /the signer set is empty/);
    assertRejects('{"stacker_set":{"rewarded_addresses":[]}}', 'stacker_set.signers', /no signers/);
    assertRejects('{"stacker_set":{"signers":null}}', 'stacker_set.signers', /no signers/);
    assertRejects('{"stacker_set":{"signers":{}}}', 'stacker_set.signers', /expected an array, got an object/);
    assertRejects(stackerSetText([{ ...good, weight: 0 }]), 'stacker_set.signers', /every signer has weight 0/);
    assertRejects(
      stackerSetText([
        { ...good, weight: 4_294_967_295 },
        { signing_key: key('y'), weight: 1, stacked_amt: 1 },
      ]),
      'stacker_set.signers',
      /more than a u32 total/,
    );
  });

  test('unknown reward_set_version, and documents that are not objects', () => {
    assertRejects(stackerSetText([good], { version: 2 }), 'stacker_set.reward_set_version', /unknown version 2/);
    assertRejects('[1,2]', 'document', /expected a JSON object, got an array/);
    assertRejects('{"stacker_set":[]}', 'stacker_set', /expected an object/);
    assertRejects(stackerSetText([good]).replace('"signers":[{', '"signers":[7,{'), 'stacker_set.signers[0]', /got 7/);
  });
});

describe('normalisePublicKey', () => {
  test('lower-case hex without 0x; undefined for anything else', () => {
    assert.equal(normalisePublicKey(`0X${DOCS_KEY.toUpperCase()}`), DOCS_KEY);
    assert.equal(normalisePublicKey(OFF_CURVE), undefined);
    assert.equal(normalisePublicKey(` ${DOCS_KEY}`), undefined);
    assert.equal(normalisePublicKey(''), undefined);
  });
});

describe('parseOperatorMap', () => {
  test('maps normalised keys to trimmed names', () => {
    const map = parseOperatorMap(`{"0x${DOCS_KEY.toUpperCase()}": " Pool A ", "${key('b')}": "Pool B"}`);
    assert.deepEqual(
      [...map],
      [
        [DOCS_KEY, 'Pool A'],
        [key('b'), 'Pool B'],
      ],
    );
  });

  test('bad keys, names and documents are errors that say where', () => {
    const cases: [string, string, RegExp][] = [
      [`{"${DOCS_KEY}": "A", "${OFF_CURVE}": "X"}`, 'entry 2', /compressed secp256k1 public key/],
      [`{"${DOCS_KEY}": 3}`, JSON.stringify(DOCS_KEY), /must be a string/],
      [`{"${DOCS_KEY}": "  "}`, JSON.stringify(DOCS_KEY), /1–100 characters/],
      [`{"${DOCS_KEY}": "a\\u0007b"}`, JSON.stringify(DOCS_KEY), /control characters/],
      [`{"${DOCS_KEY}": "A", "0x${DOCS_KEY}": "B"}`, JSON.stringify(`0x${DOCS_KEY}`), /already mapped to "A"/],
      ['["x"]', 'document', /expected a JSON object/],
      ['{"a":', '1:6', /invalid JSON/],
    ];
    for (const [text, where, reason] of cases) {
      assert.throws(
        () => parseOperatorMap(text),
        (error: unknown) => error instanceof StackerSetError && error.where === where && reason.test(error.reason),
        text,
      );
    }
  });
});
