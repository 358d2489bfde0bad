import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allChecks } from '../../src/checks/index.js';
import { hostMatches, isCalendarDate, parseWaivers, WaiverFileError } from '../../src/parsers/waivers.js';
import { attachWaivers, checksToRun, resolveWaivers } from '../../src/report/waivers.js';

const KNOWN = new Set(allChecks.map((check) => check.id));

function parseError(text: string): WaiverFileError {
  try {
    parseWaivers(text, KNOWN);
  } catch (error) {
    assert.ok(error instanceof WaiverFileError, String(error));
    return error;
  }
  assert.fail('expected a WaiverFileError');
}

describe('parseWaivers', () => {
  test('reads every field, with the line of each waiver', () => {
    const waivers = parseWaivers(
      [
        '# accepted risks',
        'ssh/non-standard-port:',
        '  justification: SSH stays on 22 behind the bastion',
        '  expires: 2027-01-31',
        'service/exposure-score:',
        '  justification: "reviewed"',
        '  hosts: "signer-[0-9]*"',
        '  run: false',
        '',
      ].join('\n'),
      KNOWN,
    );
    assert.deepEqual(waivers, [
      {
        id: 'ssh/non-standard-port',
        justification: 'SSH stays on 22 behind the bastion',
        run: true,
        line: 2,
        expires: '2027-01-31',
      },
      { id: 'service/exposure-score', justification: 'reviewed', run: false, line: 5, hosts: 'signer-[0-9]*' },
    ]);
  });

  test('an empty file waives nothing', () => {
    assert.deepEqual(parseWaivers('', KNOWN), []);
    assert.deepEqual(parseWaivers('# nothing yet\n', KNOWN), []);
  });

  const bad: [string, string, number, RegExp][] = [
    ['an unknown control id', 'ssh/root-logins:\n  justification: x\n', 1, /not a control id/],
    ['a missing justification', 'ssh/root-login:\n  expires: 2027-01-01\n', 1, /needs a justification/],
    ['an empty justification', 'ssh/root-login:\n  justification: "  "\n', 2, /needs a justification/],
    ['a malformed date', 'ssh/root-login:\n  justification: j\n  expires: 31/01/2027\n', 3, /YYYY-MM-DD/],
    ['an impossible date', 'ssh/root-login:\n  justification: j\n  expires: 2027-02-30\n', 3, /YYYY-MM-DD/],
    ['a number for a date', 'ssh/root-login:\n  justification: j\n  expires: 20270131\n', 3, /YYYY-MM-DD/],
    ['run not a boolean', 'ssh/root-login:\n  justification: j\n  run: "no"\n', 3, /true or false/],
    ['an unknown field', 'ssh/root-login:\n  justification: j\n  expiry: 2027-01-01\n', 3, /unknown field expiry/],
    ['a control waived twice', 'ssh/root-login:\n  justification: a\nssh/root-login:\n  justification: b\n', 3, /YAML/],
    ['a list, not a map', '- ssh/root-login\n', 1, /map of control ids/],
    ['broken YAML (where the parser gave up)', 'ssh/root-login:\n  justification: "unclosed\n', 3, /not valid YAML/],
    ['a waiver that is a string', 'ssh/root-login: because\n', 1, /expected justification/],
  ];
  for (const [name, text, line, message] of bad) {
    test(`refuses ${name}, naming the line`, () => {
      const error = parseError(text);
      assert.match(error.message, message);
      assert.equal(error.line, line);
    });
  }

  test('calendar dates and host globs', () => {
    assert.ok(isCalendarDate('2028-02-29'));
    assert.ok(!isCalendarDate('2027-02-29'));
    assert.ok(!isCalendarDate('2027-1-01'));
    assert.ok(hostMatches('signer-*', 'signer-eu1'));
    assert.ok(hostMatches('SIGNER-?', 'signer-1'));
    assert.ok(hostMatches('signer-[12]', 'signer-2'));
    assert.ok(!hostMatches('signer-[!12]', 'signer-2'));
    assert.ok(!hostMatches('signer-*', 'node-1'));
    assert.ok(!hostMatches('signer.example', 'signerXexample'), 'a dot is literal');
    assert.ok(hostMatches('[a-c]??-*.ex*ample', 'bb1-x.example'), 'ranges, ? and several stars');
    assert.ok(hostMatches('signer-[', 'signer-['), 'an unclosed [ is literal');
    assert.ok(hostMatches('**', ''));
  });

  test('glob matching retries only from the last star: *a*a*…*b against a long name ends at once', () => {
    // As a regular expression (.*a.*a…b) this backtracked for minutes; the answer is no match, found in one walk.
    assert.equal(hostMatches(`${'*a'.repeat(30)}*b`, 'a'.repeat(253)), false);
    assert.equal(hostMatches(`${'*a'.repeat(30)}*b`, `${'a'.repeat(252)}b`), true);
    assert.equal(hostMatches('*', 'x'.repeat(2000)), false, 'a name longer than any host name matches nothing');
  });
});

describe('resolveWaivers', () => {
  const text = [
    'ssh/non-standard-port:',
    '  justification: kept on 22',
    '  expires: 2027-01-31',
    'ssh/root-login:',
    '  justification: old decision',
    '  expires: 2026-12-06',
    'ssh/password-authentication:',
    '  justification: only on the lab hosts',
    '  hosts: lab-*',
    'os/security-updates:',
    '  justification: patched by the image pipeline',
    '  run: false',
    'keys/key-in-git:',
    '  justification: not selected in this run',
    '',
  ].join('\n');
  const file = { file: '/etc/signer-opsec/waivers.yml', waivers: parseWaivers(text, KNOWN) };
  const selected = allChecks.filter((check) => check.family === 'ssh' || check.family === 'os');

  test('applies through the expiry day, expires after it, matches hosts, leaves unselected controls alone', () => {
    const resolved = resolveWaivers(file, selected, 'signer-1', '2027-01-31');
    const states = Object.fromEntries(resolved.report.entries.map((entry) => [entry.id, entry.state]));
    assert.deepEqual(states, {
      'ssh/non-standard-port': 'applied',
      'ssh/root-login': 'expired',
      'ssh/password-authentication': 'other-host',
      'os/security-updates': 'applied',
      'keys/key-in-git': 'not-selected',
    });
    assert.equal(resolveWaivers(file, selected, 'signer-1', '2027-02-01').applied.has('ssh/non-standard-port'), false);
    assert.equal(
      resolveWaivers(file, selected, 'lab-3', '2027-01-31').applied.has('ssh/password-authentication'),
      true,
    );
    // An unknown host name never matches a hosts glob.
    assert.equal(
      resolveWaivers(file, selected, undefined, '2027-01-31').applied.has('ssh/password-authentication'),
      false,
    );
  });

  test('run: false keeps the control from running; its result says so and carries the waiver', () => {
    const resolved = resolveWaivers(file, selected, 'signer-1', '2027-01-31');
    const toRun = checksToRun(selected, resolved).map((check) => check.id);
    assert.ok(!toRun.includes('os/security-updates'));
    assert.ok(toRun.includes('ssh/non-standard-port'));
    const results = attachWaivers(selected, [], resolved);
    assert.equal(results.length, 1);
    assert.equal(results[0]!.id, 'os/security-updates');
    assert.equal(results[0]!.status, 'not_evaluable');
    assert.match(results[0]!.message, /Not run: waived with run: false \(patched by the image pipeline\)/);
    assert.deepEqual(results[0]!.waiver, {
      state: 'applied',
      justification: 'patched by the image pipeline',
      file: '/etc/signer-opsec/waivers.yml',
      line: 10,
    });
  });
});
