import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProcessLines, parseProcLinks, parseStatOutput } from '../../src/parsers/remote-proc.js';

test('stat records: raw modes to types and permission bits, root prefix removed, symlink targets', () => {
  const output = Buffer.from(
    [
      ['S', '/r/etc', '41ed', '0', '0', '4096', '/r/etc'],
      ['S', '/r/etc/shadow', '81a0', '0', '42', '12', '/r/etc/shadow'],
      ['S', '/r/bin', 'a1ff', '0', '0', '7', '/r/bin -> usr/bin'],
      ['S', '/r/dev/null', '21b6', '0', '0', '0', '/r/dev/null'],
      ['U', '/root'],
    ]
      .flat()
      .map((field) => `${field}\0`)
      .join(''),
  );
  const { records, unlistable } = parseStatOutput(output, '/r');
  assert.deepEqual(records, [
    { path: '/etc', type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 4096 },
    { path: '/etc/shadow', type: 'file', mode: 0o640, uid: 0, gid: 42, size: 12 },
    { path: '/bin', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 7, linkTarget: 'usr/bin' },
    { path: '/dev/null', type: 'other', mode: 0o666, uid: 0, gid: 0, size: 0 },
  ]);
  assert.deepEqual(unlistable, ['/root']);
});

test('processes from paste -s lines; exe and socket links', () => {
  const lines = Buffer.from(
    'Name:\tsshd\tPid:\t12\tUid:\t0\t0\t0\t0\n/usr/sbin/sshd\0-D\0\nName:\tkthreadd\tPid:\t2\tUid:\t0\t0\t0\t0\n\n',
  );
  assert.deepEqual(parseProcessLines(lines), [
    { pid: 2, uid: 0, argv: [], comm: 'kthreadd' },
    { pid: 12, uid: 0, argv: ['/usr/sbin/sshd', '-D'], comm: 'sshd' },
  ]);
  const links = parseProcLinks(
    Buffer.from('/proc/12/exe\0/proc/12/exe -> /usr/sbin/sshd\0/proc/12/fd/3\0/proc/12/fd/3 -> socket:[777]\0'),
  );
  assert.equal(links.exe.get(12), '/usr/sbin/sshd');
  assert.deepEqual(links.sockets.get(12), [777]);
});

test('a process with 200,000 sockets: each appended in place, in order (issue #18)', { timeout: 30_000 }, () => {
  // The list was copied per socket: quadratic; the long run's 19,000 took 2 s, 200,000 would take minutes.
  const count = 200_000;
  const fields: string[] = [];
  for (let fd = 0; fd < count; fd++) fields.push(`/proc/9/fd/${fd}`, `/proc/9/fd/${fd} -> socket:[${fd + 1}]`);
  const sockets = parseProcLinks(Buffer.from(`${fields.join('\0')}\0`)).sockets.get(9);
  assert.equal(sockets?.length, count);
  assert.deepEqual([sockets?.[0], sockets?.[count - 1]], [1, count]);
});
