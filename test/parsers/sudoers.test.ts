import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expandPrincipals, parseSudoers } from '../../src/parsers/sudoers.js';

function principalsOf(text: string): string[][] {
  return parseSudoers(text).rules.map((rule) => rule.principals);
}

describe('parseSudoers: user specifications', () => {
  test('principals are kept as written: user, %group, #uid, %#gid, ALL', () => {
    const text = [
      'root ALL=(ALL:ALL) ALL',
      '%sudo   ALL=(ALL:ALL) ALL',
      '#1001 ALL=(ALL) ALL',
      '%#997 ALL=(root) /usr/bin/systemctl',
      'ALL ALL=(ALL) /usr/bin/id',
    ].join('\n');
    assert.deepEqual(principalsOf(text), [['root'], ['%sudo'], ['#1001'], ['%#997'], ['ALL']]);
    assert.deepEqual(
      parseSudoers(text).rules.map((rule) => rule.line),
      [1, 2, 3, 4, 5],
    );
  });

  test('a comma list names every principal, with or without spaces after the commas', () => {
    assert.deepEqual(principalsOf('alice,bob ALL=(ALL) ALL\nalice, bob ,  %wheel ALL = (ALL) ALL\n'), [
      ['alice', 'bob'],
      ['alice', 'bob', '%wheel'],
    ]);
  });

  test('a host list with spaces after its commas is not mistaken for more users', () => {
    assert.deepEqual(principalsOf('alice host1, host2 = (ALL) ALL\n'), [['alice']]);
  });

  test('a backslash-escaped space stays inside the name as written', () => {
    assert.deepEqual(principalsOf('%domain\\ admins, alice ALL=(ALL) ALL\n'), [['%domain\\ admins', 'alice']]);
  });

  test('negations keep their "!", with any space after it removed', () => {
    assert.deepEqual(principalsOf('ALL, !bob ALL=ALL\nALL, ! carol, dave ALL=ALL\n'), [
      ['ALL', '!bob'],
      ['ALL', '!carol', 'dave'],
    ]);
  });

  test('"#123" at the start of a line is a uid; "# 123" and "#comment" are comments', () => {
    const text = '#1234 ALL=(ALL) ALL\n# 1235 ALL=(ALL) ALL\n#alice ALL=(ALL) ALL\n##1236 ALL=ALL\n';
    assert.deepEqual(principalsOf(text), [['#1234']]);
  });

  test('a trailing comment does not hide the rule; a "#" inside %#gid is not a comment', () => {
    const { rules } = parseSudoers('%#1000 ALL=(ALL) NOPASSWD: ALL # ops team\n');
    assert.deepEqual(rules, [{ principals: ['%#1000'], noPassword: true, line: 1 }]);
  });

  test('long blank runs and many " #" parse in linear time, with the same reading (issue #18)', {
    timeout: 30_000,
  }, () => {
    // The long run's 350 kB line of blanks took 48 s (the lazy host list retried the blanks before "="), and a comment
    // was scanned to the line's end from every " #". 200,000 of either would take minutes; the timeout is the bound.
    const blanks = ' '.repeat(200_000);
    const text = [
      `alice${blanks}ALL${blanks}=${blanks}NOPASSWD: ALL${blanks}`,
      `$${blanks}\u{d800}${blanks}\`${blanks}$${blanks}Defaults\tsecure_path="/usr/bin"`,
      `bob ALL=ALL${' #'.repeat(200_000)}\rx`,
      `carol ALL=${blanks}`,
      `dave ALL=ALL # a #${' #'.repeat(200_000)}`,
    ].join('\n');
    assert.deepEqual(parseSudoers(text).rules, [
      { principals: ['alice'], noPassword: true, line: 1 },
      // Read as before: a user `$` with a host list of blanks and odd characters.
      { principals: ['$'], noPassword: false, line: 2 },
      // Bob's line has a CR inside: no comment runs to its end, and commands hold no line terminator.
      { principals: ['dave'], noPassword: false, line: 5 },
    ]);
  });

  test('NOPASSWD anywhere in the command list marks the rule; PASSWD alone does not', () => {
    const { rules } = parseSudoers(
      [
        'alice ALL=(ALL) NOPASSWD:ALL',
        'bob ALL=(ALL) /bin/ls, NOPASSWD: /bin/cat',
        'carol ALL=(ALL) PASSWD: ALL',
        'dave ALL=(ALL) ALL',
        'erin ALL = (ALL) ALL : otherhost = (root) NOPASSWD : /bin/true',
      ].join('\n'),
    );
    assert.deepEqual(
      rules.map((rule) => [rule.principals[0], rule.noPassword]),
      [
        ['alice', true],
        ['bob', true],
        ['carol', false],
        ['dave', false],
        ['erin', true],
      ],
    );
  });

  test('backslash continuation joins lines and keeps the number of the first', () => {
    const { rules } = parseSudoers('# header\nalice, \\\n  bob \\\n  ALL = (ALL) \\\n  NOPASSWD: ALL\ncarol ALL=ALL\n');
    assert.deepEqual(rules, [
      { principals: ['alice', 'bob'], noPassword: true, line: 2 },
      { principals: ['carol'], noPassword: false, line: 6 },
    ]);
  });

  test('CRLF line endings are handled, also before a continuation', () => {
    const { rules } = parseSudoers('alice \\\r\nALL=(ALL) ALL\r\nbob ALL=ALL\r\n');
    assert.deepEqual(
      rules.map((rule) => [rule.principals, rule.line]),
      [
        [['alice'], 1],
        [['bob'], 3],
      ],
    );
  });

  test('Defaults lines of every form are ignored', () => {
    const text = [
      'Defaults env_reset',
      'Defaults:alice !requiretty',
      'Defaults>root !set_logname',
      'Defaults@host1 log_output',
      'Defaults!/bin/ls noexec',
      '\tDefaults secure_path="/usr/sbin:/usr/bin"',
    ].join('\n');
    assert.deepEqual(parseSudoers(text).rules, []);
  });

  test('lines that are not a user specification are skipped', () => {
    assert.deepEqual(parseSudoers('just some words\nalice\n=ALL\n').rules, []);
  });
});

describe('parseSudoers: aliases', () => {
  test('User_Alias definitions, including several joined by ":"', () => {
    const { userAliases, rules } = parseSudoers(
      'User_Alias ADMINS = alice, bob : OPS = %ops, #1005\nUser_Alias SIGNERS=stacks-signer\n',
    );
    assert.deepEqual(rules, []);
    assert.deepEqual(
      [...userAliases],
      [
        ['ADMINS', ['alice', 'bob']],
        ['OPS', ['%ops', '#1005']],
        ['SIGNERS', ['stacks-signer']],
      ],
    );
  });

  test('other alias kinds are neither rules nor user aliases', () => {
    const { userAliases, rules } = parseSudoers(
      'Runas_Alias OP = root\nHost_Alias SERVERS = host1, host2\nCmnd_Alias SHUTDOWN = /sbin/halt\nCmd_Alias X = /bin/x\n',
    );
    assert.equal(userAliases.size, 0);
    assert.deepEqual(rules, []);
  });

  test('a rule naming an alias keeps the alias name as a principal', () => {
    assert.deepEqual(principalsOf('User_Alias ADMINS = alice\nADMINS ALL=(ALL) ALL\n'), [['ADMINS']]);
  });
});

describe('parseSudoers: includes', () => {
  test('#include, @include, #includedir and @includedir in order, with their lines', () => {
    const { includes, rules } = parseSudoers(
      [
        '#include /etc/sudoers.local',
        '@include sudoers.extra',
        '#includedir /etc/sudoers.d',
        '  @includedir /etc/sudoers.more',
        '@include "/etc/sudo file"',
      ].join('\n'),
    );
    assert.deepEqual(rules, []);
    assert.deepEqual(includes, [
      { path: '/etc/sudoers.local', directory: false, line: 1 },
      { path: 'sudoers.extra', directory: false, line: 2 },
      { path: '/etc/sudoers.d', directory: true, line: 3 },
      { path: '/etc/sudoers.more', directory: true, line: 4 },
      { path: '/etc/sudo file', directory: false, line: 5 },
    ]);
  });

  test('a comment that merely starts with "#include" is not an include', () => {
    assert.deepEqual(parseSudoers('#included by hand\n# include /etc/x\n#includes\n').includes, []);
  });
});

describe('expandPrincipals', () => {
  const aliases = new Map([
    ['ADMINS', ['alice', 'OPS']],
    ['OPS', ['%ops', '#1005']],
    ['LOOP_A', ['LOOP_B']],
    ['LOOP_B', ['LOOP_A', 'x']],
  ]);

  test('expands aliases recursively and leaves other principals alone', () => {
    assert.deepEqual(expandPrincipals(['ADMINS', 'carol', '%sudo'], aliases), [
      'alice',
      '%ops',
      '#1005',
      'carol',
      '%sudo',
    ]);
  });

  test('a negated alias grants nothing; a negated user is kept with its "!"', () => {
    assert.deepEqual(expandPrincipals(['ALL', '!ADMINS', '!dave'], aliases), ['ALL', '!dave']);
  });

  test('an alias loop terminates and still yields the real members', () => {
    const expanded = expandPrincipals(['LOOP_A'], aliases);
    assert.ok(expanded.includes('x'), JSON.stringify(expanded));
  });
});
