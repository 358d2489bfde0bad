import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectChecks } from '../../src/cli/select.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { type Check, defineCheck } from '../../src/engine/define-check.js';

function check(id: string): Check {
  return defineCheck({
    id,
    title: `title of ${id}`,
    threats: ['host-compromise'],
    severity: 'high',
    description: 'test control',
    remediation: 'none',
    references: [],
    messages: { ok: 'ok' },
    run: () => {},
  });
}

const CATALOGUE = [
  check('ssh/root-login'),
  check('ssh/password-authentication'),
  check('keys/key-format'),
  check('keys/config-permissions'),
  check('topology/node-host-trusted'),
];

function ids(only: string[], skip: string[] = []): string[] {
  return selectChecks(CATALOGUE, only, skip).map((selected) => selected.id);
}

describe('selectChecks', () => {
  test('no --only and no --skip selects the whole catalogue, in catalogue order', () => {
    assert.deepEqual(
      ids([]),
      CATALOGUE.map((entry) => entry.id),
    );
  });

  test('--only by id selects exactly that control', () => {
    assert.deepEqual(ids(['keys/key-format']), ['keys/key-format']);
  });

  test('--only by family selects every control of the family', () => {
    assert.deepEqual(ids(['ssh']), ['ssh/root-login', 'ssh/password-authentication']);
  });

  test('comma lists and repeated flags combine, with spaces and empty items ignored; order is the catalogue’s', () => {
    assert.deepEqual(ids(['topology, ssh/root-login', 'keys/key-format,,']), [
      'ssh/root-login',
      'keys/key-format',
      'topology/node-host-trusted',
    ]);
  });

  test('a control named twice, or by id and by family, is selected once', () => {
    assert.deepEqual(ids(['ssh', 'ssh/root-login', 'ssh']), ['ssh/root-login', 'ssh/password-authentication']);
  });

  test('--skip removes by id or family, and wins over --only', () => {
    assert.deepEqual(ids([], ['ssh', 'keys/key-format']), ['keys/config-permissions', 'topology/node-host-trusted']);
    assert.deepEqual(ids(['ssh'], ['ssh/root-login']), ['ssh/password-authentication']);
    assert.deepEqual(ids(['keys/key-format'], ['keys']), []);
  });

  test('an unknown --only selector is a UsageError naming the flag and the selector', () => {
    assert.throws(
      () => ids(['ssh', 'sshd']),
      (error: unknown) =>
        error instanceof UsageError && /^--only sshd: no control or family has that name/.test(error.message),
    );
  });

  test('an unknown --skip selector is a UsageError too, even inside a comma list', () => {
    assert.throws(
      () => ids([], ['keys,keys/no-such-check']),
      (error: unknown) => error instanceof UsageError && error.message.startsWith('--skip keys/no-such-check:'),
    );
  });

  test('selectors match whole ids and family names, case-sensitively', () => {
    for (const selector of ['SSH', 'ssh/root', 'ssh/', 'root-login', 'ssh/root-login/extra']) {
      assert.throws(
        () => ids([selector]),
        (error: unknown) => error instanceof UsageError && error.message.includes(` ${selector}:`),
        selector,
      );
    }
  });
});
