import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mergeUnit, parseSystemdBoolean, parseUnitFile } from '../../src/parsers/systemd-unit.js';

const FILE = '/etc/systemd/system/x.service';

function values(text: string): string[] {
  return parseUnitFile(text, FILE).assignments.map((a) => `${a.section}/${a.key}=${a.value}@${a.line}`);
}

describe('parseUnitFile', () => {
  test('sections, keys and values with whitespace around "=" trimmed', () => {
    const parsed = parseUnitFile('[Unit]\nDescription = A signer \n\n[Service]\n  User=stacks\t\n', FILE);
    assert.deepEqual(parsed.assignments, [
      { section: 'Unit', key: 'Description', value: 'A signer', file: FILE, line: 2 },
      { section: 'Service', key: 'User', value: 'stacks', file: FILE, line: 5 },
    ]);
    assert.deepEqual(parsed.problems, []);
  });

  test('comments start with # or ; at the line start (after blanks) only', () => {
    assert.deepEqual(values('[Service]\n# User=a\n  ; User=b\nUser=c # not a comment\n'), [
      'Service/User=c # not a comment@4',
    ]);
  });

  test('keys are case-sensitive', () => {
    const unit = mergeUnit('x.service', [{ path: FILE, text: '[Service]\nuser=a\nUser=b\n' }]);
    assert.equal(unit.get('Service', 'User')?.value, 'b');
    assert.equal(unit.get('Service', 'user')?.value, 'a');
    assert.equal(unit.get('service', 'User'), undefined);
  });

  test('a trailing backslash continues the line; the backslash becomes a space', () => {
    const text = '[Service]\nExecStart=/usr/bin/stacks-signer \\\n    run --config \\\n /etc/s.toml\nUser=a\n';
    assert.deepEqual(values(text), [
      'Service/ExecStart=/usr/bin/stacks-signer      run --config   /etc/s.toml@2',
      'Service/User=a@5',
    ]);
  });

  test('a comment line inside a continuation is skipped, as systemd does', () => {
    assert.deepEqual(values('[Service]\nNoNewPrivileges=\\\n# why\n; more\nyes\n'), ['Service/NoNewPrivileges=yes@2']);
  });

  test('an escaped backslash at the end does not continue', () => {
    assert.deepEqual(values('[Service]\nA=x\\\\\nB=y\n'), ['Service/A=x\\\\@2', 'Service/B=y@3']);
  });

  test('a continuation at the end of the file still counts', () => {
    assert.deepEqual(values('[Service]\nA=x \\'), ['Service/A=x@2']);
  });

  test('an empty line ends a continuation', () => {
    assert.deepEqual(values('[Service]\nA=x \\\n\nB=y\n'), ['Service/A=x@2', 'Service/B=y@4']);
  });

  test('CRLF line ends and a UTF-8 byte order mark are accepted', () => {
    assert.deepEqual(values('\uFEFF[Service]\r\nA=1\r\nB=2\r\n'), ['Service/A=1@2', 'Service/B=2@3']);
  });

  test('garbage lines and assignments outside a section are reported, not thrown', () => {
    const parsed = parseUnitFile('User=root\n[Service]\nthis is garbage\n=value\nGood=yes\n', FILE);
    assert.deepEqual(
      parsed.assignments.map((a) => a.key),
      ['Good'],
    );
    assert.deepEqual(
      parsed.problems.map((p) => [p.line, p.message]),
      [
        [1, 'assignment outside of a section, ignored'],
        [3, 'missing "=", line ignored'],
        [4, 'missing key name before "=", line ignored'],
      ],
    );
  });

  test('an invalid section header stops the file, as systemd refuses the rest', () => {
    const parsed = parseUnitFile('[Service]\nA=1\n[Service\nB=2\n', FILE);
    assert.deepEqual(
      parsed.assignments.map((a) => a.key),
      ['A'],
    );
    assert.equal(parsed.problems.length, 1);
    assert.match(parsed.problems[0]!.message, /invalid section header/);
    assert.equal(parsed.problems[0]!.line, 3);
  });

  test('problems never quote the line: it may hold a secret', () => {
    const secret = 'PlantedTokenZq8Xv2Lk9Wm4Rt7Yp3';
    const parsed = parseUnitFile(`[Service]\nA=1\n[${secret}\nExecStart=a/${secret} x\n`, FILE);
    assert.equal(parsed.problems.length, 1);
    assert.ok(!JSON.stringify(parsed.problems).includes(secret));
  });

  test('binary data: NUL ends lines, invalid UTF-8 lines are ignored, problems are capped', () => {
    const binary = Buffer.concat([
      Buffer.from('[Service]\nUser=ok\n'),
      Buffer.from([0xff, 0xfe, 0x3d, 0x00, 0x80, 0x81, 0x0a]),
      Buffer.from('\x00\x01\x02=\x03\n'.repeat(40)),
    ]).toString('utf8');
    const parsed = parseUnitFile(binary, FILE);
    assert.equal(parsed.assignments[0]?.value, 'ok');
    assert.ok(parsed.problems.some((p) => p.line === 0 && /NUL/.test(p.message)));
    assert.ok(parsed.problems.some((p) => p.line === 3 && /UTF-8/.test(p.message)));
    assert.ok(parsed.problems.length <= 21);
    assert.match(parsed.problems.at(-1)!.message, /more problems not listed/);
  });

  test('a key with blanks or control characters is ignored, as systemd ignores unknown keys', () => {
    const parsed = parseUnitFile('[Service]\nPrivate Tmp=yes\nOK=1\n', FILE);
    assert.deepEqual(
      parsed.assignments.map((a) => a.key),
      ['OK'],
    );
    assert.match(parsed.problems[0]!.message, /invalid key name \(a blank or control character in it\)/);
  });

  test('an invalid key name is described, not quoted (it may be a pasted secret)', () => {
    const secret = 'f022c0ffee0123456789abcdef7e57ed';
    const parsed = parseUnitFile(`[Service]\n${secret}\bConditionPathExists=/etc\n`, FILE);
    assert.equal(parsed.problems.length, 1);
    assert.equal(parsed.problems[0]!.line, 2);
    assert.ok(!parsed.problems[0]!.message.includes(secret), parsed.problems[0]!.message);
  });

  test('section names are kept exactly (systemd does not trim inside brackets)', () => {
    assert.deepEqual(values('[ Service ]\nA=1\n'), [' Service /A=1@2']);
  });
});

describe('mergeUnit', () => {
  const main = { path: '/usr/lib/systemd/system/s.service', text: '[Service]\nUser=signer\nPrivateTmp=yes\n' };

  test('later files override earlier ones; files lists them in applied order', () => {
    const unit = mergeUnit('s.service', [
      main,
      { path: '/etc/systemd/system/s.service.d/10-a.conf', text: '[Service]\nPrivateTmp=no\n' },
    ]);
    assert.equal(unit.bool('Service', 'PrivateTmp'), false);
    assert.deepEqual(unit.get('Service', 'PrivateTmp'), {
      section: 'Service',
      key: 'PrivateTmp',
      value: 'no',
      file: '/etc/systemd/system/s.service.d/10-a.conf',
      line: 2,
    });
    assert.deepEqual(unit.files, [main.path, '/etc/systemd/system/s.service.d/10-a.conf']);
    assert.equal(unit.name, 's.service');
  });

  test('an empty assignment resets: get() is unset, list() starts after it', () => {
    const unit = mergeUnit('s.service', [
      { path: '/a', text: '[Service]\nReadWritePaths=/a\nReadWritePaths=/b /c\nUser=x\n' },
      { path: '/b', text: '[Service]\nReadWritePaths=\nReadWritePaths="/d e" /f\nUser=\n' },
      { path: '/c', text: '[Service]\nReadWritePaths=/g\n' },
    ]);
    assert.equal(unit.get('Service', 'User'), undefined);
    assert.deepEqual(
      unit.list('Service', 'ReadWritePaths').map((a) => [a.file, a.value]),
      [
        ['/b', '"/d e" /f'],
        ['/c', '/g'],
      ],
    );
    assert.deepEqual(unit.words('Service', 'ReadWritePaths'), ['/d e', '/f', '/g']);
    assert.deepEqual(unit.list('Service', 'Nothing'), []);
    assert.deepEqual(unit.words('Service', 'Nothing'), []);
  });

  test('words() honours quotes and escapes like systemd', () => {
    const unit = mergeUnit('s.service', [
      { path: '/a', text: `[Service]\nEnvironment="A=1 2" B='x y' C=a"b c"d D=\\x41\\s E=\\q\n` },
    ]);
    assert.deepEqual(unit.words('Service', 'Environment'), ['A=1 2', 'B=x y', 'C=ab cd', 'D=A ', 'E=\\q']);
  });

  test('bool() knows systemd booleans and leaves the rest undefined', () => {
    const text = '[Service]\nA=yes\nB=On\nC=1\nD=FALSE\nE=off\nF=0\nG=maybe\nH=n\nI=t\n';
    const unit = mergeUnit('s.service', [{ path: '/a', text }]);
    assert.deepEqual(
      ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'Z'].map((key) => unit.bool('Service', key)),
      [true, true, true, false, false, false, undefined, false, true, undefined],
    );
    assert.equal(parseSystemdBoolean(' yes'), undefined);
  });

  test('bool() skips values systemd would ignore, an empty one included', () => {
    const unit = mergeUnit('s.service', [
      { path: '/a', text: '[Service]\nPrivateTmp=yes\nNoNewPrivileges=no\n' },
      { path: '/b', text: '[Service]\nPrivateTmp=\nNoNewPrivileges=sure\nX=bad\n' },
    ]);
    assert.equal(unit.bool('Service', 'PrivateTmp'), true);
    assert.equal(unit.bool('Service', 'NoNewPrivileges'), false);
    assert.equal(unit.bool('Service', 'X'), undefined);
    assert.equal(unit.get('Service', 'PrivateTmp'), undefined);
  });

  test('each file starts outside any section', () => {
    const unit = mergeUnit('s.service', [main, { path: '/d.conf', text: 'User=root\n' }]);
    assert.equal(unit.get('Service', 'User')?.value, 'signer');
    assert.equal(unit.problems.length, 1);
    assert.equal(unit.problems[0]?.file, '/d.conf');
  });

  test('no files: an empty unit', () => {
    const unit = mergeUnit('s.service', []);
    assert.deepEqual(unit.files, []);
    assert.equal(unit.get('Service', 'User'), undefined);
  });
});
