import assert from 'node:assert/strict';
import { test } from 'node:test';
import { osFamily, parseOsRelease } from '../../src/parsers/os-release.js';

test('quoted and unquoted values', () => {
  const fields = parseOsRelease(
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID=\'12\'\n# comment\nNAME="say \\"hi\\""\n',
  );
  assert.deepEqual(fields, {
    PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
    ID: 'debian',
    VERSION_ID: '12',
    NAME: 'say "hi"',
  });
});

test('families from ID and ID_LIKE', () => {
  assert.equal(osFamily({ ID: 'debian' }), 'debian');
  assert.equal(osFamily({ ID: 'ubuntu', ID_LIKE: 'debian' }), 'debian');
  assert.equal(osFamily({ ID: 'linuxmint', ID_LIKE: 'ubuntu debian' }), 'debian');
  assert.equal(osFamily({ ID: 'rocky', ID_LIKE: 'rhel centos fedora' }), 'rhel');
  assert.equal(osFamily({ ID: 'fedora' }), 'rhel');
  assert.equal(osFamily({ ID: 'amzn', ID_LIKE: 'fedora' }), 'rhel');
  assert.equal(osFamily({ ID: 'alpine' }), undefined);
  assert.equal(osFamily({ ID: 'arch' }), undefined);
  assert.equal(osFamily({}), undefined);
});
