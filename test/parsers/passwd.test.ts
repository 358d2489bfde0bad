import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseGroup, parsePasswd, UserDatabase } from '../../src/parsers/passwd.js';

describe('parsePasswd', () => {
  test('reads name, uid, gid, home and shell with the physical line number', () => {
    const { entries, problems } = parsePasswd(
      'root:x:0:0:root:/root:/bin/bash\nstacks-signer:x:998:997:Stacks signer,,,:/var/lib/stacks-signer:/usr/sbin/nologin\n',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(entries, [
      { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash', line: 1 },
      {
        name: 'stacks-signer',
        uid: 998,
        gid: 997,
        home: '/var/lib/stacks-signer',
        shell: '/usr/sbin/nologin',
        line: 2,
      },
    ]);
  });

  test('skips comments and blank lines but keeps counting lines', () => {
    const { entries, problems } = parsePasswd('# local users\n\n   \nalice:x:1000:1000::/home/alice:/bin/sh\n');
    assert.deepEqual(problems, []);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.name, 'alice');
    assert.equal(entries[0]?.line, 4);
  });

  test('CRLF line endings do not leak a carriage return into the shell', () => {
    const { entries } = parsePasswd(
      'alice:x:1000:1000::/home/alice:/bin/bash\r\nbob:x:1001:1001::/home/bob:/usr/sbin/nologin\r\n',
    );
    assert.deepEqual(
      entries.map((entry) => entry.shell),
      ['/bin/bash', '/usr/sbin/nologin'],
    );
  });

  test('an empty gecos, home or shell is kept as an empty string', () => {
    const { entries } = parsePasswd('svc:x:500:500:::\n');
    assert.deepEqual(entries, [{ name: 'svc', uid: 500, gid: 500, home: '', shell: '', line: 1 }]);
  });

  test('malformed lines become problems with their line number; good lines around them still parse', () => {
    const text = [
      'root:x:0:0:root:/root:/bin/bash',
      'short:x:1',
      'letters:x:abc:1::/:/bin/sh',
      ':x:5:5::/:/bin/sh',
      'negative:x:-1:0::/:/bin/sh',
      'hugeuid:x:12345678901:0::/:/bin/sh',
      'badgid:x:7:seven::/:/bin/sh',
      'bob:x:1001:1001::/home/bob:/bin/sh',
    ].join('\n');
    const { entries, problems } = parsePasswd(text);
    assert.deepEqual(
      entries.map((entry) => entry.name),
      ['root', 'bob'],
    );
    assert.deepEqual(
      problems.map((problem) => problem.line),
      [2, 3, 4, 5, 6, 7],
    );
    for (const problem of problems) assert.match(problem.message, /not a passwd entry/);
  });

  test('an empty file has no entries and no problems', () => {
    assert.deepEqual(parsePasswd(''), { entries: [], problems: [] });
  });
});

describe('parseGroup', () => {
  test('reads members, trimming blanks and dropping empty names', () => {
    const { entries, problems } = parseGroup('sudo:x:27:alice, bob,,\nsigner:x:997:\n');
    assert.deepEqual(problems, []);
    assert.deepEqual(entries, [
      { name: 'sudo', gid: 27, members: ['alice', 'bob'], line: 1 },
      { name: 'signer', gid: 997, members: [], line: 2 },
    ]);
  });

  test('CRLF does not leave a carriage return on the last member', () => {
    const { entries } = parseGroup('docker:x:999:alice\r\n');
    assert.deepEqual(entries[0]?.members, ['alice']);
  });

  test('comments are skipped; malformed lines are problems', () => {
    const { entries, problems } = parseGroup('# groups\nwheel:x:10:root\nbroken:x\nbadgid:x:ten:root\n');
    assert.deepEqual(
      entries.map((entry) => entry.name),
      ['wheel'],
    );
    assert.deepEqual(problems, [
      { line: 3, message: 'not a group entry (name:x:gid:members)' },
      { line: 4, message: 'not a group entry (name:x:gid:members)' },
    ]);
  });
});

function database(passwd: string, group: string): UserDatabase {
  return new UserDatabase(parsePasswd(passwd).entries, parseGroup(group).entries);
}

describe('UserDatabase', () => {
  test('the first entry wins for a duplicated name and for a duplicated uid, as getpwnam/getpwuid do', () => {
    const users = database(
      'alice:x:1000:1000::/home/alice:/bin/bash\nalice:x:2000:2000::/tmp:/bin/sh\ntoor:x:0:0::/root:/bin/sh\nroot:x:0:0::/root:/bin/bash\n',
      'staff:x:50:\nstaff:x:51:\nalpha:x:60:\nbeta:x:60:\n',
    );
    assert.equal(users.user('alice')?.uid, 1000);
    assert.equal(users.user(0)?.name, 'toor');
    assert.equal(users.userName(0), 'toor');
    assert.equal(users.user('root')?.uid, 0, 'a name shadowed by uid is still found by name');
    assert.equal(users.group('staff')?.gid, 50);
    assert.equal(users.group(60)?.name, 'alpha');
    assert.equal(users.groupName(60), 'alpha');
  });

  test('a numeric string is a name first, then an id', () => {
    const users = database(
      'alice:x:1000:1000::/home/alice:/bin/sh\n1000:x:2000:2000::/home/odd:/bin/sh\n',
      'devs:x:1000:\n1000:x:3000:\n',
    );
    assert.equal(users.user('1000')?.uid, 2000, 'a user literally named "1000" wins over uid 1000');
    assert.equal(users.user(1000)?.name, 'alice', 'a number is always a uid');
    assert.equal(users.user('2000')?.name, '1000', 'no user is named "2000", so it is uid 2000');
    assert.equal(users.user('4242'), undefined);
    assert.equal(users.group('1000')?.gid, 3000);
    assert.equal(users.group(1000)?.name, 'devs');
    assert.equal(users.group('3000')?.name, '1000');
  });

  test('unknown ids are named by number', () => {
    const users = database('', '');
    assert.equal(users.userName(4242), 'uid 4242');
    assert.equal(users.groupName(77), 'gid 77');
    assert.equal(users.user('nobody'), undefined);
    assert.equal(users.group('nogroup'), undefined);
  });

  test('groupsOf gives the primary group and every group listing the user, once each', () => {
    const users = database(
      'signer:x:998:997::/var/lib/signer:/usr/sbin/nologin\n',
      'signer:x:997:signer\ndocker:x:999:alice,signer\nsudo:x:27:alice\nadm:x:4:signer\n',
    );
    assert.deepEqual(
      users
        .groupsOf('signer')
        .map((group) => group.name)
        .sort(),
      ['adm', 'docker', 'signer'],
    );
  });

  test('groupsOf matches member names exactly, not as substrings', () => {
    const users = database('sig:x:1:1::/:/bin/sh\n', 'one:x:1:\nsigners:x:5:signer,signer2\n');
    assert.deepEqual(
      users.groupsOf('sig').map((group) => group.name),
      ['one'],
    );
  });

  test('groupsOf with a primary gid that has no group entry still lists supplementary groups', () => {
    const users = database('lone:x:1500:1500::/:/bin/sh\n', 'sudo:x:27:lone\n');
    assert.deepEqual(
      users.groupsOf('lone').map((group) => group.name),
      ['sudo'],
    );
  });

  test('groupsOf an unknown user lists only groups that name them', () => {
    const users = database('', 'wheel:x:10:ghost\nother:x:11:\n');
    assert.deepEqual(
      users.groupsOf('ghost').map((group) => group.name),
      ['wheel'],
    );
    assert.deepEqual(users.groupsOf('nobody-at-all'), []);
  });

  test('keeps the problems it was given', () => {
    const users = new UserDatabase([], [], ['/etc/passwd: permission denied']);
    assert.deepEqual(users.problems, ['/etc/passwd: permission denied']);
  });
});
