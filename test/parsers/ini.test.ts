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
