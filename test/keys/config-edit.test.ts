import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setStacksPrivateKey, setTomlString } from '../../src/keys/config-edit.js';
import { parseSignerConfig } from '../../src/parsers/signer-config.js';

const OLD = '6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01';
const NEW = `${'ab'.repeat(32)}01`;

function edited(text: string): string {
  const result = setStacksPrivateKey(text, NEW);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.text;
}

describe('setStacksPrivateKey: replacing', () => {
  test('only the value changes: comments, spacing, trailing comment and other keys keep every byte', () => {
    const before = `# signer\nnode_host   =  "127.0.0.1:20443"\n  stacks_private_key\t= "${OLD}"   # the key\nnetwork = "testnet"\n`;
    const result = setStacksPrivateKey(before, NEW);
    assert.ok(result.ok);
    assert.equal(result.text, before.replace(OLD, NEW));
    assert.equal(result.previous, OLD);
    assert.equal(result.action, 'replaced');
    assert.equal(result.line, 3);
  });

  test('CRLF line endings, single quotes and a file without a final newline stay as they were', () => {
    const before = `network = 'mainnet'\r\nstacks_private_key = '${OLD}'\r\ndb_path = ":memory:"`;
    assert.equal(edited(before), before.replace(OLD, NEW));
  });

  test('a quoted key name and an empty or placeholder value are replaced in place', () => {
    assert.equal(edited('"stacks_private_key" = ""\n'), `"stacks_private_key" = "${NEW}"\n`);
    const template = 'stacks_private_key = "<YOUR_SIGNER_PRIVATE_KEY_HEX>"\n';
    const result = setStacksPrivateKey(template, NEW);
    assert.ok(result.ok);
    assert.equal(result.previous, '<YOUR_SIGNER_PRIVATE_KEY_HEX>');
    assert.equal(result.text, `stacks_private_key = "${NEW}"\n`);
  });

  test('a UTF-8 byte order mark and non-ASCII comments survive', () => {
    const before = `\uFEFF# clé de signature ✓\nstacks_private_key = "${OLD}"\n`;
    assert.equal(edited(before), before.replace(OLD, NEW));
  });
});

describe('setStacksPrivateKey: inserting', () => {
  test("at the end of a flat config, adding the missing final newline with the file's own line ending", () => {
    assert.equal(
      edited('network = "mainnet"\r\nnode_host = "x:1"'),
      `network = "mainnet"\r\nnode_host = "x:1"\r\nstacks_private_key = "${NEW}"\r\n`,
    );
    assert.equal(edited(''), `stacks_private_key = "${NEW}"\n`);
  });

  test('before the first table header and the comments directly above it, so it stays top-level', () => {
    const before = 'network = "mainnet"\n\n# stray table\n[extra]\nx = 1\n';
    const result = setStacksPrivateKey(before, NEW);
    assert.ok(result.ok);
    assert.equal(result.text, `network = "mainnet"\n\nstacks_private_key = "${NEW}"\n# stray table\n[extra]\nx = 1\n`);
    assert.equal(result.line, 3);
    const parsed = parseSignerConfig(result.text);
    assert.ok(parsed.ok);
    assert.equal(parsed.config.stacksPrivateKey, NEW);
  });
});

describe('setStacksPrivateKey: refusing', () => {
  const refusals: [string, string, RegExp][] = [
    ['malformed TOML', `stacks_private_key = "${OLD}\nnetwork = `, /invalid TOML.*line/],
    ['a duplicated key', `stacks_private_key = "${OLD}"\nstacks_private_key = "${OLD}"\n`, /invalid TOML/],
    ['a number', 'stacks_private_key = 12\n', /not a string \(line 1\)/],
    ['a table', '[stacks_private_key]\nx = 1\n', /not a string/],
    ['a multi-line string', `stacks_private_key = """\n${OLD}"""\n`, /multi-line string/],
  ];
  for (const [name, text, message] of refusals) {
    test(`${name}: an error that never shows the old value`, () => {
      const result = setStacksPrivateKey(text, NEW);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && message.test(result.message), result.ok ? '' : result.message);
      assert.ok(!result.ok && !result.message.includes(OLD.slice(0, 16)));
    });
  }

  test('the new key must be a key in the config form', () => {
    assert.throws(() => setStacksPrivateKey('', 'nothex'), RangeError);
  });
});

describe('setTomlString: any top-level or [table] string', () => {
  test('replaces a value in a table, keeping quotes, CRLF and comments', () => {
    const before =
      '[node]\r\nrpc_bind = "0.0.0.0:20443"\r\n\r\n[connection_options]\r\n# shared with the signer\r\nauth_token = \'12345\' # weak\r\n';
    const result = setTomlString(before, { table: 'connection_options', key: 'auth_token' }, 'abcdef');
    assert.ok(result.ok);
    assert.equal(result.text, before.replace("'12345'", "'abcdef'"));
    assert.equal(result.line, 6);
    assert.equal(result.action, 'replaced');
  });

  test('inserts under an existing header, or appends a new table', () => {
    const withTable = '[node]\nstacker = true\n\n[connection_options]\nprivate_neighbors = false\n';
    const inserted = setTomlString(withTable, { table: 'connection_options', key: 'auth_token' }, 'abc');
    assert.ok(inserted.ok);
    assert.equal(
      inserted.text,
      '[node]\nstacker = true\n\n[connection_options]\nauth_token = "abc"\nprivate_neighbors = false\n',
    );
    assert.equal(inserted.line, 5);
    const appended = setTomlString('[node]\nstacker = true', { table: 'connection_options', key: 'auth_token' }, 'abc');
    assert.ok(appended.ok);
    assert.equal(appended.text, '[node]\nstacker = true\n\n[connection_options]\nauth_token = "abc"\n');
    assert.equal(appended.line, 5);
  });

  test('a dotted key is edited in place; the same value is left alone', () => {
    const before = 'connection_options.auth_token = "old"\n';
    const result = setTomlString(before, { table: 'connection_options', key: 'auth_token' }, 'new');
    assert.ok(result.ok);
    assert.equal(result.text, 'connection_options.auth_token = "new"\n');
    const same = setTomlString(result.text, { table: 'connection_options', key: 'auth_token' }, 'new');
    assert.ok(same.ok && same.action === 'unchanged' && same.text === result.text);
  });

  test('an inline table or an array of tables is refused without quoting the value', () => {
    const inline = setTomlString(
      'connection_options = { auth_token = "secret-value" }\n',
      { table: 'connection_options', key: 'auth_token' },
      'x',
    );
    assert.ok(!inline.ok && !inline.message.includes('secret-value'));
    const array = setTomlString(
      '[[events_observer]]\nendpoint = "a:1"\n',
      { table: 'events_observer', key: 'endpoint' },
      'b:1',
    );
    assert.equal(array.ok, false);
  });
});
