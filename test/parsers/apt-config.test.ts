import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { effectiveAptSetting, isAptPartName, MAX_APT_KEY, parseAptConfig } from '../../src/parsers/apt-config.js';
import { compareBytes } from '../../src/parsers/glob.js';

const KEY = 'APT::Periodic::Unattended-Upgrade';

function file(path: string, text: string) {
  return { path, config: parseAptConfig(text) };
}

describe('parseAptConfig', () => {
  test('flat assignments, as dpkg-reconfigure writes 20auto-upgrades', () => {
    const parsed = parseAptConfig('APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n');
    assert.deepEqual(parsed.statements, [
      {
        kind: 'set',
        key: 'apt::periodic::update-package-lists',
        written: 'APT::Periodic::Update-Package-Lists',
        value: '1',
        line: 1,
      },
      {
        kind: 'set',
        key: 'apt::periodic::unattended-upgrade',
        written: 'APT::Periodic::Unattended-Upgrade',
        value: '1',
        line: 2,
      },
    ]);
    assert.deepEqual(parsed.problems, []);
  });

  test('nested blocks, mixed with :: inside a block', () => {
    const parsed = parseAptConfig(
      'APT {\n  Periodic {\n    Unattended-Upgrade "1";\n  };\n  Periodic::Enable "1";\n};\n',
    );
    assert.deepEqual(
      parsed.statements.map((statement) => [
        statement.key,
        statement.kind === 'set' ? statement.value : '',
        statement.line,
      ]),
      [
        ['apt::periodic::unattended-upgrade', '1', 3],
        ['apt::periodic::enable', '1', 5],
      ],
    );
  });

  test('one-line nested form', () => {
    const parsed = parseAptConfig('APT { Periodic { Unattended-Upgrade "1"; }; };');
    assert.equal(parsed.statements[0]?.key, 'apt::periodic::unattended-upgrade');
  });

  test('comments: //, # and /* */ hide assignments', () => {
    const text = [
      '// APT::Periodic::Unattended-Upgrade "0";',
      '# APT::Periodic::Unattended-Upgrade "0";',
      '/* APT::Periodic::Unattended-Upgrade "0";',
      'still a comment "0"; */',
      'APT::Periodic::Unattended-Upgrade "1"; // trailing',
      'APT::Periodic::Enable "1";# trailing hash',
    ].join('\n');
    const parsed = parseAptConfig(text);
    assert.deepEqual(
      parsed.statements.map((statement) => [statement.key, statement.line]),
      [
        ['apt::periodic::unattended-upgrade', 5],
        ['apt::periodic::enable', 6],
      ],
    );
  });

  test('"//" inside a string is not a comment', () => {
    const parsed = parseAptConfig('Acquire::http::Proxy "http://proxy:3128";\n');
    assert.equal(parsed.statements[0]?.kind === 'set' && parsed.statements[0].value, 'http://proxy:3128');
  });

  test('list items are not scalar settings', () => {
    // apt expands ${distro_codename} itself; built by concatenation so it doesn't read as a JS template.
    const pattern = ['"origin=Debian,codename=$', '{distro_codename},label=Debian-Security";'].join('');
    const parsed = parseAptConfig(`Unattended-Upgrade::Origins-Pattern {\n  ${pattern}\n};\n`);
    assert.deepEqual(parsed.statements, []);
  });

  test('unquoted values and #clear', () => {
    const parsed = parseAptConfig('APT::Periodic::Unattended-Upgrade 1;\n#clear APT::Periodic;\n');
    assert.deepEqual(
      parsed.statements.map((statement) => [statement.kind, statement.key]),
      [
        ['set', 'apt::periodic::unattended-upgrade'],
        ['clear', 'apt::periodic'],
      ],
    );
  });

  test('problems: unterminated string, unbalanced braces, #include not followed', () => {
    assert.ok(parseAptConfig('A::B "1;\n').problems.length > 0);
    assert.ok(parseAptConfig('A { B "1";\n').problems.some((problem) => /unclosed/.test(problem.message)));
    assert.ok(parseAptConfig('};\n').problems.some((problem) => /unbalanced/.test(problem.message)));
    assert.ok(
      parseAptConfig('#include /etc/apt/other.conf;\n').problems.some((problem) => /#include/.test(problem.message)),
    );
  });
});

describe('effectiveAptSetting', () => {
  test('the last assignment across files wins, keys compared case-insensitively', () => {
    const files = [file('/a', `${KEY} "1";\n`), file('/b', `apt::periodic::unattended-upgrade "0";\n`)];
    assert.deepEqual(effectiveAptSetting(files, KEY), { value: '0', file: '/b', line: 1 });
  });

  test('#clear of a parent removes the value; a later assignment sets it again', () => {
    assert.equal(
      effectiveAptSetting([file('/a', `${KEY} "1";\n`), file('/b', '#clear APT::Periodic;\n')], KEY),
      undefined,
    );
    const files = [file('/a', `${KEY} "1";\n#clear APT::Periodic;\nAPT::Periodic::Unattended-Upgrade "1";\n`)];
    assert.deepEqual(effectiveAptSetting(files, KEY), { value: '1', file: '/a', line: 3 });
  });

  test('unset', () => {
    assert.equal(effectiveAptSetting([file('/a', 'APT::Periodic::Enable "1";\n')], KEY), undefined);
  });
});

describe('isAptPartName', () => {
  test('apt reads names without an extension or with .conf', () => {
    for (const name of ['20auto-upgrades', '50unattended-upgrades', '99local.conf', 'a_b:c'])
      assert.ok(isAptPartName(name), name);
  });
  test('apt ignores other extensions and odd characters', () => {
    for (const name of ['20auto-upgrades.dpkg-old', '20auto-upgrades.ucf-dist', 'x.bak', 'x~', 'has space'])
      assert.ok(!isAptPartName(name), name);
  });
  test('byte order puts upper case and digits first', () => {
    assert.deepEqual(['b', 'B', '10x', '9x'].sort(compareBytes), ['10x', '9x', 'B', 'b']);
  });
  test('byte order is UTF-8 order: a code point above U+FFFF sorts after U+E000..U+FFFF', () => {
    const names = ['\u{1F600}', '\uFFFD', 'a', '\uE000', 'ab', ''];
    const byUtf8 = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual([...names].sort(compareBytes), byUtf8);
    assert.deepEqual(byUtf8, ['', 'a', 'ab', '\uE000', '\uFFFD', '\u{1F600}']);
  });
});

test('unclosed blocks cannot build keys past MAX_APT_KEY: refused there, with the line (issue #18)', {
  timeout: 30_000,
}, () => {
  // Each statement's key repeats its blocks' names: 200,000 unclosed blocks then 200,000 statements would need
  // tens of GB (the long run's 1.5 MB case aborted a 4 GB heap). Parsing stops at the first block too deep.
  const text = `A { x "1"; };\n${'B {\n'.repeat(200_000)}${'k v;\n'.repeat(200_000)}`;
  const { statements, problems } = parseAptConfig(text);
  assert.deepEqual(statements, [{ kind: 'set', key: 'a::x', written: 'A::x', value: '1', line: 1 }]);
  const depth = Math.floor(MAX_APT_KEY / 3);
  assert.deepEqual(problems, [
    { line: depth + 2, message: `blocks nest to a key longer than ${MAX_APT_KEY} characters` },
    { line: 400_001, message: 'unclosed {' },
  ]);
});
