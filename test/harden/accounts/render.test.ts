import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  appendLine,
  type NewAccount,
  renderGroup,
  renderGshadow,
  renderPasswd,
  renderShadow,
} from '../../../src/harden/accounts/render.js';
import { validateAccountFiles } from '../../../src/harden/accounts/validate.js';

const ACCOUNT: NewAccount = {
  name: 'stacks-signer',
  uid: 995,
  group: 'stacks-signer',
  gid: 995,
  gecos: 'Stacks signer',
  shell: '/usr/sbin/nologin',
};

describe('account file renderers', () => {
  test('passwd: a useradd --system line appended, every other byte kept', () => {
    const before = 'root:x:0:0:root:/root:/bin/bash\n# a comment\n';
    assert.equal(
      renderPasswd(before, ACCOUNT),
      `${before}stacks-signer:x:995:995:Stacks signer:/nonexistent:/usr/sbin/nologin\n`,
    );
  });

  test('a file without a final newline gets its last line ended first; an empty file gets just the line', () => {
    assert.equal(renderGroup('root:x:0:', ACCOUNT), 'root:x:0:\nstacks-signer:x:995:\n');
    assert.equal(appendLine('', 'x'), 'x\n');
  });

  test('shadow and gshadow: locked, no date (the plan is the same on every run)', () => {
    assert.equal(
      renderShadow('root:*:19000:0:99999:7:::\n', ACCOUNT),
      'root:*:19000:0:99999:7:::\nstacks-signer:!:::::::\n',
    );
    assert.equal(renderShadow('', ACCOUNT).trimEnd().split(':').length, 9);
    assert.equal(renderGshadow('root:*::\n', ACCOUNT), 'root:*::\nstacks-signer:!::\n');
  });

  test('a field with a colon or a newline is refused', () => {
    assert.throws(() => renderPasswd('', { ...ACCOUNT, gecos: 'a:b' }), RangeError);
    assert.throws(() => renderGroup('', { group: 'x\ny', gid: 1 }), RangeError);
  });
});

describe('validateAccountFiles', () => {
  const before = {
    passwd: 'root:x:0:0:root:/root:/bin/bash\n',
    group: 'root:x:0:\n',
    shadow: 'root:*:1:0:99999:7:::\n',
  };

  test('the rendered files pass', () => {
    const after = {
      passwd: renderPasswd(before.passwd, ACCOUNT),
      group: renderGroup(before.group, ACCOUNT),
      shadow: renderShadow(before.shadow, ACCOUNT),
    };
    const validations = validateAccountFiles(before, after, [ACCOUNT]);
    assert.deepEqual(
      validations.map((validation) => [validation.artefact, validation.ok]),
      [
        ['/etc/passwd', true],
        ['/etc/group', true],
        ['/etc/shadow', true],
      ],
    );
  });

  test('a duplicate uid, a duplicate group name and a broken shadow line fail with where and why', () => {
    const after = {
      passwd: `${renderPasswd(before.passwd, ACCOUNT)}other:x:995:995::/:/bin/false\n`,
      group: `${renderGroup(before.group, ACCOUNT)}stacks-signer:x:996:\n`,
      shadow: `${before.shadow}stacks-signer:!:\n`,
    };
    const [passwd, group, shadow] = validateAccountFiles(before, after, [ACCOUNT]);
    assert.equal(passwd?.ok, false);
    assert.match(passwd?.detail ?? '', /uid 995 is held by 2 entries/);
    assert.equal(group?.ok, false);
    assert.match(group?.detail ?? '', /group stacks-signer appears 2 times/);
    assert.equal(shadow?.ok, false);
    assert.match(shadow?.detail ?? '', /line 2 does not have 9 fields/);
  });
});
