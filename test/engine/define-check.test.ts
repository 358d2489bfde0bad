import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CheckDefinition, defineCheck, formatMessage } from '../../src/engine/define-check.js';

function definition(overrides: Partial<CheckDefinition<'ok'>> = {}): CheckDefinition<'ok'> {
  return {
    id: 'keys/sample-check',
    title: 'Sample',
    threats: ['host-compromise'],
    severity: 'high',
    description: 'What it checks.',
    remediation: 'What to do.',
    references: ['https://example.org/ref'],
    messages: { ok: 'all good' },
    run(_ctx, report) {
      report.pass('ok');
    },
    ...overrides,
  };
}

describe('defineCheck', () => {
  test('splits the id into family and name and keeps every field', () => {
    const check = defineCheck(definition({ id: 'ssh2/root-login-2' }));
    assert.equal(check.id, 'ssh2/root-login-2');
    assert.equal(check.family, 'ssh2');
    assert.equal(check.name, 'root-login-2');
    assert.equal(check.title, 'Sample');
    assert.equal(check.severity, 'high');
    assert.deepEqual(check.threats, ['host-compromise']);
    assert.deepEqual(check.references, ['https://example.org/ref']);
    assert.deepEqual(check.messages, { ok: 'all good' });
    assert.equal(typeof check.run, 'function');
  });

  for (const id of [
    'keys',
    'Keys/sample',
    'keys/Sample',
    'keys/sample/extra',
    '/sample',
    'keys/',
    'keys/-sample',
    'keys/sample-',
    'keys/sample--check',
    'keys/sample_check',
    '1keys/sample',
    'keys/1sample',
    ' keys/sample',
    'keys/sample ',
    'keys.sample',
  ]) {
    test(`refuses the id ${JSON.stringify(id)}`, () => {
      assert.throws(
        () => defineCheck(definition({ id })),
        (error: Error) => {
          assert.match(error.message, /not family\/name in kebab-case/);
          assert.ok(error.message.includes(`"${id}"`), error.message);
          return true;
        },
      );
    });
  }

  test('accepts digits after the first letter of each part', () => {
    assert.equal(defineCheck(definition({ id: 'a1/b2-3c' })).name, 'b2-3c');
  });

  test('the check and its lists are frozen', () => {
    const check = defineCheck(definition());
    assert.ok(Object.isFrozen(check));
    assert.ok(Object.isFrozen(check.threats));
    assert.ok(Object.isFrozen(check.references));
    assert.ok(Object.isFrozen(check.messages));
    assert.throws(() => {
      (check as { title: string }).title = 'changed';
    }, TypeError);
    assert.throws(() => {
      (check.threats as string[]).push('supply-chain');
    }, TypeError);
    assert.throws(() => {
      (check.messages as Record<string, string>).ok = 'changed';
    }, TypeError);
  });

  test('later changes to the definition do not reach the check', () => {
    const input = definition();
    const threats = ['host-compromise'] as CheckDefinition['threats'][number][];
    const references = ['https://example.org/ref'];
    const messages = { ok: 'all good' };
    const check = defineCheck({ ...input, threats, references, messages });
    threats.push('supply-chain');
    references.push('https://example.org/other');
    messages.ok = 'changed';
    assert.deepEqual(check.threats, ['host-compromise']);
    assert.deepEqual(check.references, ['https://example.org/ref']);
    assert.equal(check.messages.ok, 'all good');
  });

  test('refuses a check with no threat', () => {
    assert.throws(() => defineCheck(definition({ threats: [] })), /keys\/sample-check: no threat/);
  });

  test('refuses a check with no messages', () => {
    assert.throws(
      () => defineCheck({ ...definition(), messages: {} } as unknown as CheckDefinition<'ok'>),
      /keys\/sample-check: no messages/,
    );
  });

  for (const field of ['title', 'description', 'remediation'] as const) {
    test(`refuses an empty or blank ${field}`, () => {
      for (const value of ['', '   \n\t']) {
        assert.throws(
          () => defineCheck(definition({ [field]: value })),
          new RegExp(`keys/sample-check: empty ${field}`),
        );
      }
    });
  }

  test('an empty reference list is allowed', () => {
    assert.deepEqual(defineCheck(definition({ references: [] })).references, []);
  });
});

describe('formatMessage', () => {
  test('replaces each placeholder, with or without inner spaces, as often as it appears', () => {
    assert.equal(
      formatMessage('{{user}} owns {{ path }}; {{user}} again', { user: 'alice', path: '/etc/x' }),
      'alice owns /etc/x; alice again',
    );
  });

  test('numbers and booleans are printed as text', () => {
    assert.equal(
      formatMessage('{{count}} files, world-readable: {{open}}', { count: 3, open: false }),
      '3 files, world-readable: false',
    );
    assert.equal(formatMessage('mode {{mode}}', { mode: 0 }), 'mode 0');
  });

  test('a template without placeholders is returned as is, data or not', () => {
    assert.equal(formatMessage('nothing to fill'), 'nothing to fill');
    assert.equal(formatMessage('nothing to fill', { extra: 'unused' }), 'nothing to fill');
  });

  test('a placeholder without a value throws, naming it', () => {
    assert.throws(
      () => formatMessage('owned by {{ user }}', { path: '/x' }),
      (error: Error) => {
        assert.equal(error.message, 'message placeholder {{ user }} has no value');
        return true;
      },
    );
    assert.throws(() => formatMessage('owned by {{user}}'), /\{\{user\}\} has no value/);
  });

  test('a value that looks like a placeholder is not expanded again', () => {
    assert.equal(formatMessage('got {{value}}', { value: '{{other}}' }), 'got {{other}}');
  });

  test('text that is not a placeholder (not a word) is left verbatim', () => {
    assert.equal(formatMessage('{{not-a-name}} and {single}', {}), '{{not-a-name}} and {single}');
  });
});
