import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ExactJsonValue, JsonNumber, JsonSyntaxError, parseExactJson } from '../../src/parsers/exact-json.js';

/** Back to what JSON.parse gives, numbers through Number(): the oracle comparison. */
function plain(value: ExactJsonValue): unknown {
  if (value instanceof JsonNumber) return Number(value.text);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
  return value;
}

describe('parseExactJson', () => {
  test('agrees with JSON.parse on valid documents', () => {
    const documents = [
      '{"a":1,"b":[true,false,null],"c":{"d":"e"}}',
      ' [ -0 , 0.5 , 1e3 , -2.5E-2 , 10 ] ',
      '"\\u00e9\\n\\t\\"\\\\\\/"',
      '{"":{},"x":[]}',
      '\ufeff{"bom":true}',
      '{"dup":1,"dup":2}',
      '"snow ☃ and 😀"',
    ];
    for (const text of documents) {
      assert.deepEqual(plain(parseExactJson(text)), JSON.parse(text.replace(/^\ufeff/, '')), text);
    }
  });

  test('keeps integers beyond 2^53 and 2^64 exactly', () => {
    const text = '{"u128max":340282366920938463463374607431768211455,"over64":18446744073709551617}';
    const value = parseExactJson(text) as Record<string, JsonNumber>;
    assert.equal(BigInt(value['u128max']!.text), (1n << 128n) - 1n);
    assert.equal(BigInt(value['over64']!.text), (1n << 64n) + 1n);
    // What JSON.parse would have done to it:
    assert.notEqual(BigInt(JSON.parse(text).over64), (1n << 64n) + 1n);
  });

  test('"__proto__" is an ordinary key', () => {
    const value = parseExactJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    assert.ok(Object.hasOwn(value, '__proto__'));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('rejects what JSON.parse rejects, with line and column', () => {
    const invalid = [
      '',
      '{',
      '[1,]',
      '{"a":1,}',
      '01',
      '+1',
      '.5',
      '1.',
      'NaN',
      "{'a':1}",
      '"unterminated',
      '"tab\there"',
      '{"a" 1}',
      '[1 2]',
      'tru',
      '"\\x"',
      '"\\u12G4"',
      '{} extra',
      '{a:1}',
    ];
    for (const text of invalid) {
      assert.throws(() => JSON.parse(text), SyntaxError, `oracle accepts ${JSON.stringify(text)}`);
      assert.throws(() => parseExactJson(text), JsonSyntaxError, JSON.stringify(text));
    }
    assert.throws(
      () => parseExactJson('{\n  "a": 1,\n  "b": ]\n}'),
      (error: JsonSyntaxError) => error.line === 3 && error.column === 8 && /expected a value/.test(error.message),
    );
  });

  test('deep nesting is an error, not a stack overflow', () => {
    assert.throws(() => parseExactJson('['.repeat(100_000)), /nesting deeper than/);
  });
});
