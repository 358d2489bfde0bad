import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iniBoolean, iniValue, parseIni } from '../../src/parsers/ini.js';

const AUTOMATIC = [
  '[commands]',
  '# apply_updates = yes',
  'upgrade_type = security',
  'download_updates = yes',
  'apply_updates = no',
  '; comment',
  'Apply_Updates: yes',
  '',
  '[emitters]',
  'apply_updates = no',
].join('\n');

test('sections, both separators, comments, case-insensitive keys, last value wins', () => {
  const entries = parseIni(AUTOMATIC);
  assert.deepEqual(iniValue(entries, 'commands', 'apply_updates'), {
    section: 'commands',
    key: 'apply_updates',
    value: 'yes',
    line: 7,
  });
  assert.equal(iniValue(entries, 'commands', 'upgrade_type')?.value, 'security');
  assert.equal(iniValue(entries, 'emitters', 'apply_updates')?.value, 'no');
  assert.equal(iniValue(entries, 'base', 'debuglevel'), undefined);
});

test('configparser booleans', () => {
  for (const value of ['yes', 'True', '1', 'on']) assert.equal(iniBoolean(value), true, value);
  for (const value of ['no', 'FALSE', '0', 'off']) assert.equal(iniBoolean(value), false, value);
  assert.equal(iniBoolean('maybe'), undefined);
});

test('blank runs around "=" parse in linear time, read as before (issue #18)', { timeout: 30_000 }, () => {
  // The long run's 350 kB line of blanks took 24 s: the lazy key retried the blank run before "=" at each step.
  const blanks = ' '.repeat(200_000);
  assert.deepEqual(parseIni(`[a]\nKey${blanks}x${blanks}=${blanks}v${blanks}w\nb=c\rd\ne =\u2028 f\n=g\n`), [
    { section: 'a', key: `key${blanks}x`, value: `v${blanks}w`, line: 2 },
    { section: 'a', key: 'e', value: 'f', line: 4 },
  ]);
});
