import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadUserDatabase } from '../../src/discovery/users.js';
import type { UserDatabase } from '../../src/parsers/passwd.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

async function load(files: FileSpec): Promise<UserDatabase> {
  const tree = await materialiseFiles(files);
  try {
    return await loadUserDatabase(new DirectoryTarget(tree.root, { live: false }));
  } finally {
    tree.cleanup();
  }
}

describe('loadUserDatabase', () => {
  test("reads the target's own passwd and group, not the auditor's", async () => {
    const users = await load({
      'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nstacks-signer:x:4242:4243::/var/lib/signer:/usr/sbin/nologin\n',
      'etc/group': 'root:x:0:\nstacks-signer:x:4243:\ndocker:x:999:stacks-signer\n',
    });
    assert.deepEqual(users.problems, []);
    assert.equal(users.userName(4242), 'stacks-signer');
    assert.equal(users.groupName(4243), 'stacks-signer');
    assert.deepEqual(
      users
        .groupsOf('stacks-signer')
        .map((group) => group.name)
        .sort(),
      ['docker', 'stacks-signer'],
    );
  });

  test('missing passwd and group give an empty table and one problem each, not a crash', async () => {
    const users = await load({ 'etc/hostname': 'signer\n' });
    assert.deepEqual(users.users, []);
    assert.deepEqual(users.groups, []);
    assert.equal(users.problems.length, 2, users.problems.join('\n'));
    assert.match(users.problems[0]!, /^\/etc\/passwd: no such file/);
    assert.match(users.problems[1]!, /^\/etc\/group: no such file/);
    assert.equal(users.userName(0), 'uid 0');
  });

  test('an unreadable passwd is a problem while group is still read', async () => {
    const users = await load({
      'etc/passwd': { dir: true },
      'etc/group': 'sudo:x:27:alice\n',
    });
    assert.deepEqual(users.users, []);
    assert.deepEqual(users.problems.length, 1);
    assert.match(users.problems[0]!, /^\/etc\/passwd: is a directory/);
    assert.equal(users.group('sudo')?.gid, 27);
  });

  test('a passwd that is a symlink loop is a problem', async () => {
    const users = await load({ 'etc/passwd': { symlink: 'passwd' }, 'etc/group': '' });
    assert.equal(users.problems.length, 1);
    assert.match(users.problems[0]!, /^\/etc\/passwd: too many levels of symbolic links/);
  });

  test('malformed lines are problems with file and line; valid lines still load', async () => {
    const users = await load({
      'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\ngarbage\nalice:x:1000:1000::/home/alice:/bin/sh\n',
      'etc/group': 'root:x:0:\nwheel:x:ten:alice\n',
    });
    assert.deepEqual(users.problems, [
      '/etc/passwd:2: not a passwd entry (name:x:uid:gid:gecos:home:shell)',
      '/etc/group:2: not a group entry (name:x:gid:members)',
    ]);
    assert.deepEqual(
      users.users.map((user) => user.name),
      ['root', 'alice'],
    );
  });

  test('a problem never quotes the offending line (it could hold a password hash)', async () => {
    const users = await load({
      'etc/passwd': 'alice:$6$saltsalt$HASHVALUE:notanumber:0::/:/bin/sh\n',
      'etc/group': '',
    });
    assert.equal(users.problems.length, 1);
    assert.doesNotMatch(users.problems[0]!, /HASHVALUE|saltsalt/);
  });
});
