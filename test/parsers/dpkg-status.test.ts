import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installedPackage, parseDpkgStatus } from '../../src/parsers/dpkg-status.js';

const STATUS = [
  'Package: adduser',
  'Status: install ok installed',
  'Priority: important',
  'Description: add and remove users',
  ' continuation line mentioning Package: fake',
  '',
  'Package: unattended-upgrades',
  'Status: deinstall ok config-files',
  'Version: 2.9.1',
  '',
  'Package: apt',
  'Status: hold ok installed',
  '',
].join('\n');

test('parses stanzas with the line of each Package field', () => {
  assert.deepEqual(parseDpkgStatus(STATUS), [
    { name: 'adduser', status: 'install ok installed', line: 1 },
    { name: 'unattended-upgrades', status: 'deinstall ok config-files', line: 7 },
    { name: 'apt', status: 'hold ok installed', line: 11 },
  ]);
});

test('installedPackage: only an "ok installed" status counts', () => {
  const packages = parseDpkgStatus(STATUS);
  assert.equal(installedPackage(packages, 'unattended-upgrades'), undefined);
  assert.equal(installedPackage(packages, 'adduser')?.line, 1);
  assert.equal(installedPackage(packages, 'apt')?.status, 'hold ok installed');
  assert.equal(installedPackage(packages, 'missing'), undefined);
});

test('CRLF and no trailing blank line', () => {
  assert.deepEqual(parseDpkgStatus('Package: a\r\nStatus: install ok installed'), [
    { name: 'a', status: 'install ok installed', line: 1 },
  ]);
});
