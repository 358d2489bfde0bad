import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseListeningSockets, parseProcNetTcp } from '../../src/parsers/proc-net-tcp.js';

// Lines as the kernel writes them (x86_64, little-endian words).
const TCP = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 00000000:7530 00000000:0000 0A 00000000:00000000 00:00000000 00000000 65534        0 41234 1 0000000000000000 100 0 0 10 0',
  '   1: 0100007F:23BA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   990        0 41235 1 0000000000000000 100 0 0 10 0',
  '   2: 0500000A:7530 0100000A:C350 01 00000000:00000000 00:00000000 00000000   990        0 41236 1 0000000000000000 20 4 30 10 -1',
  '',
].join('\n');

const TCP6 = [
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 00000000000000000000000000000000:4F9C 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1 0000000000000000 100 0 0 10 0',
  '   1: 00000000000000000000000001000000:7530 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5002 1 0000000000000000 100 0 0 10 0',
  '   2: 0000000000000000FFFF00000100007F:238D 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5003 1 0000000000000000 100 0 0 10 0',
  '   3: 000080FE0000000002FEFF021E3C5A0B:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5004 1 0000000000000000 100 0 0 10 0',
  '',
].join('\n');

describe('parseProcNetTcp', () => {
  test('IPv4: little-endian address words, hex ports, owner uid and inode', () => {
    const sockets = parseProcNetTcp(TCP);
    assert.deepEqual(
      sockets.map(({ address, port, state, uid, inode, line }) => ({ address, port, state, uid, inode, line })),
      [
        { address: '0.0.0.0', port: 30000, state: '0A', uid: 65534, inode: 41234, line: 2 },
        { address: '127.0.0.1', port: 9146, state: '0A', uid: 990, inode: 41235, line: 3 },
        { address: '10.0.0.5', port: 30000, state: '01', uid: 990, inode: 41236, line: 4 },
      ],
    );
  });

  test('only LISTEN (0A) sockets are listeners', () => {
    assert.deepEqual(
      parseListeningSockets(TCP).map((socket) => socket.inode),
      [41234, 41235],
    );
  });

  test('IPv6: wildcard, loopback, v4-mapped shown as IPv4, link-local compressed', () => {
    assert.deepEqual(
      parseListeningSockets(TCP6).map(({ address, port, family }) => ({ address, port, family })),
      [
        { address: '::', port: 20380, family: 6 },
        { address: '::1', port: 30000, family: 6 },
        { address: '127.0.0.1', port: 9101, family: 6 },
        { address: 'fe80::2ff:fe02:b5a:3c1e', port: 22, family: 6 },
      ],
    );
  });

  test('a truncated or foreign line is skipped, not a crash', () => {
    assert.deepEqual(
      parseProcNetTcp('garbage\n   0: 0100007F:ZZZZ 00000000:0000 0A\n   1: 12:0016 x x x x x x x x\n'),
      [],
    );
  });
});
