import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findConfigArg, parseExecCommand, parseExecLine, stacksRoleOf } from '../../src/parsers/exec-command.js';

describe('parseExecLine', () => {
  test('a plain command: path is argv[0]', () => {
    assert.deepEqual(parseExecCommand('/usr/local/bin/stacks-signer run --config /etc/stacks/signer.toml'), {
      path: '/usr/local/bin/stacks-signer',
      argv: ['/usr/local/bin/stacks-signer', 'run', '--config', '/etc/stacks/signer.toml'],
      prefixes: [],
    });
  });

  test('prefixes: each once, "@" takes argv[0] from the next word', () => {
    assert.deepEqual(parseExecCommand('-@/usr/bin/stacks-node node start'), {
      path: '/usr/bin/stacks-node',
      argv: ['node', 'start'],
      prefixes: ['-', '@'],
    });
    assert.deepEqual(parseExecCommand(':+/bin/true')?.prefixes, [':', '+']);
    assert.deepEqual(parseExecCommand('!!/bin/true')?.prefixes, ['!!']);
    assert.deepEqual(parseExecCommand('-!/bin/true')?.prefixes, ['-', '!']);
    // "+" and "!" exclude each other: the "!" stays in the path, which is then not absolute: rejected.
    assert.equal(parseExecCommand('+!/bin/true'), undefined);
    assert.equal(parseExecCommand('--/bin/true'), undefined);
  });

  test('double and single quotes group words; backslash escapes are decoded', () => {
    assert.deepEqual(parseExecCommand(`/bin/sh -c "echo 'a b'" 'x "y"' a\\ b c\\td`)?.argv, [
      '/bin/sh',
      '-c',
      "echo 'a b'",
      'x "y"',
      // "\ " is no C escape: systemd keeps it verbatim (with a warning), so the space does not split.
      'a\\ b',
      'c\td',
    ]);
    assert.deepEqual(parseExecCommand('"/opt/my dir/stacks-signer" run')?.path, '/opt/my dir/stacks-signer');
  });

  test('specifiers are left as written', () => {
    assert.deepEqual(parseExecCommand('/bin/echo %i %% %{HOME}')?.argv, ['/bin/echo', '%i', '%%', '%{HOME}']);
  });

  test('";" separates commands, "\\;" is a literal argument', () => {
    const parsed = parseExecLine('/bin/a x ; /bin/b \\; y');
    assert.deepEqual(
      parsed.commands.map((c) => c.argv),
      [
        ['/bin/a', 'x'],
        ['/bin/b', ';', 'y'],
      ],
    );
    assert.equal(parsed.problem, undefined);
  });

  test('unknown escapes are kept with a warning; unbalanced quotes are a problem', () => {
    const relaxed = parseExecLine('/bin/echo a\\qb');
    assert.deepEqual(relaxed.commands[0]?.argv, ['/bin/echo', 'a\\qb']);
    assert.equal(relaxed.warnings.length, 1);
    const broken = parseExecLine('/bin/echo "unterminated');
    assert.deepEqual(broken.commands, []);
    assert.match(broken.problem ?? '', /unbalanced/);
  });

  test('empty value (a reset), bare names and bad paths', () => {
    assert.deepEqual(parseExecLine('   '), { commands: [], warnings: [] });
    assert.equal(parseExecCommand('stacks-signer run')?.path, 'stacks-signer');
    assert.equal(parseExecCommand('bin/stacks-signer run'), undefined);
    assert.equal(parseExecCommand('@/bin/true'), undefined);
  });
});

describe('findConfigArg', () => {
  test('the three spellings, for the signer and the node', () => {
    assert.equal(findConfigArg(['/s', 'run', '--config', '/etc/a.toml'], 'signer'), '/etc/a.toml');
    assert.equal(findConfigArg(['/s', 'run', '--config=/etc/b.toml'], 'signer'), '/etc/b.toml');
    assert.equal(findConfigArg(['/s', 'run', '-c', '/etc/c.toml'], 'signer'), '/etc/c.toml');
    assert.equal(findConfigArg(['/n', 'start', '--config', '/etc/n.toml'], 'node'), '/etc/n.toml');
    assert.equal(findConfigArg(['/n', 'start', '-c/etc/m.toml'], 'node'), '/etc/m.toml');
  });

  test('other subcommands and missing values give nothing', () => {
    assert.equal(findConfigArg(['/s', 'check-config', '--config', '/etc/a.toml'], 'signer'), undefined);
    assert.equal(findConfigArg(['/n', 'run', '--config', '/etc/a.toml'], 'node'), undefined);
    assert.equal(findConfigArg(['/s', 'run'], 'signer'), undefined);
    assert.equal(findConfigArg(['/s', 'run', '--config'], 'signer'), undefined);
    assert.equal(findConfigArg(['/s'], 'signer'), undefined);
  });

  test('works on a parsed ExecStart with quoting', () => {
    const command = parseExecCommand(`/usr/local/bin/stacks-signer run --config "/etc/stacks signer/config.toml"`)!;
    assert.equal(stacksRoleOf(command), 'signer');
    assert.equal(findConfigArg(command.argv, 'signer'), '/etc/stacks signer/config.toml');
    assert.equal(stacksRoleOf({ path: '/usr/bin/stacks-node' }), 'node');
    assert.equal(stacksRoleOf({ path: '/usr/bin/stacks-signer.sh' }), undefined);
  });
});
