import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyHost, isTrustedClass, parseHostPort } from '../../src/net/address.js';

describe('parseHostPort', () => {
  test('host:port for names and IPv4', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:20443'), { host: '127.0.0.1', port: 20443 });
    assert.deepEqual(parseHostPort('stacks-node:20443'), { host: 'stacks-node', port: 20443 });
    assert.deepEqual(parseHostPort('  0.0.0.0:30000 \n'), { host: '0.0.0.0', port: 30000 });
  });

  test('a bare host has no port', () => {
    assert.deepEqual(parseHostPort('stacks-node'), { host: 'stacks-node' });
    assert.deepEqual(parseHostPort('10.0.0.5'), { host: '10.0.0.5' });
  });

  test('[v6]:port and [v6] without a port', () => {
    assert.deepEqual(parseHostPort('[::1]:30000'), { host: '::1', port: 30000 });
    assert.deepEqual(parseHostPort('[::]:20443'), { host: '::', port: 20443 });
    assert.deepEqual(parseHostPort('[fe80::1%eth0]:9000'), { host: 'fe80::1%eth0', port: 9000 });
    assert.deepEqual(parseHostPort('[fd00::5]'), { host: 'fd00::5' });
  });

  test('a bare IPv6 address is all host: its last group is not a port', () => {
    assert.deepEqual(parseHostPort('::1'), { host: '::1' });
    assert.deepEqual(parseHostPort('fd00::1:8080'), { host: 'fd00::1:8080' });
    assert.deepEqual(parseHostPort('2001:db8::1'), { host: '2001:db8::1' });
    assert.deepEqual(parseHostPort('::ffff:10.0.0.1'), { host: '::ffff:10.0.0.1' });
  });

  test('port boundaries: 0 and 65535 are ports, 65536 and longer numbers are not', () => {
    assert.deepEqual(parseHostPort('host:0'), { host: 'host', port: 0 });
    assert.deepEqual(parseHostPort('host:65535'), { host: 'host', port: 65535 });
    assert.equal(parseHostPort('host:65536'), undefined);
    assert.equal(parseHostPort('host:99999'), undefined);
    assert.equal(parseHostPort('host:123456'), undefined);
    assert.equal(parseHostPort('[::1]:65536'), undefined);
  });

  test('a port that is not a number, or missing after the colon, makes the text not a host:port', () => {
    assert.equal(parseHostPort('host:http'), undefined);
    assert.equal(parseHostPort('host:'), undefined);
    assert.equal(parseHostPort('host:-1'), undefined);
    assert.equal(parseHostPort('host: 80'), undefined);
    assert.equal(parseHostPort('[::1]:'), undefined);
    assert.equal(parseHostPort('[::1]:x'), undefined);
  });

  test('empty or blank text is not a host', () => {
    assert.equal(parseHostPort(''), undefined);
    assert.equal(parseHostPort('   '), undefined);
  });
});

function classes(hosts: string[]): Record<string, string> {
  return Object.fromEntries(hosts.map((host) => [host, classifyHost(host)]));
}

function assertAll(hosts: string[], expected: string): void {
  assert.deepEqual(classes(hosts), Object.fromEntries(hosts.map((host) => [host, expected])));
}

describe('classifyHost: IPv4', () => {
  test('10/8 is private, from its first to its last address', () => {
    assertAll(['10.0.0.0', '10.0.0.1', '10.255.255.255'], 'private');
    assertAll(['9.255.255.255', '11.0.0.0'], 'public');
  });

  test('172.16/12 covers 172.16 to 172.31 only', () => {
    assertAll(['172.16.0.0', '172.16.0.1', '172.20.1.1', '172.31.255.255'], 'private');
    assertAll(['172.15.255.255', '172.32.0.0', '172.0.0.1'], 'public');
  });

  test('192.168/16 is private; its neighbours are not', () => {
    assertAll(['192.168.0.0', '192.168.1.10', '192.168.255.255'], 'private');
    assertAll(['192.167.255.255', '192.169.0.0', '192.0.2.1'], 'public');
  });

  test('100.64/10 (CGNAT, overlay VPNs) covers 100.64 to 100.127 only', () => {
    assertAll(['100.64.0.0', '100.100.100.100', '100.127.255.255'], 'private');
    assertAll(['100.63.255.255', '100.128.0.0'], 'public');
  });

  test('127/8 is loopback throughout', () => {
    assertAll(['127.0.0.1', '127.0.0.0', '127.1.2.3', '127.255.255.255'], 'loopback');
    assertAll(['126.255.255.255', '128.0.0.0'], 'public');
  });

  test('0.0.0.0 is the wildcard', () => {
    assert.equal(classifyHost('0.0.0.0'), 'wildcard');
  });

  test('documentation and ordinary public addresses are public', () => {
    assertAll(['8.8.8.8', '203.0.113.9', '198.51.100.1', '1.1.1.1'], 'public');
  });
});

describe('classifyHost: IPv6', () => {
  test(':: (any spelling, with or without brackets) is the wildcard', () => {
    assertAll(['::', '[::]', '0:0:0:0:0:0:0:0', '0::0'], 'wildcard');
  });

  test('::1 is loopback in any spelling; ::2 and 1:: are not', () => {
    assertAll(['::1', '[::1]', '0:0:0:0:0:0:0:1', '::0001'], 'loopback');
    assert.equal(classifyHost('::2'), 'public');
    assert.equal(classifyHost('1::'), 'public');
  });

  test('fc00::/7 (unique local) covers fc00:: to fdff:…', () => {
    assertAll(['fc00::', 'fc00::1', 'fd12:3456:789a::1', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], 'private');
    assertAll(['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fe00::1'], 'public');
  });

  test('fe80::/10 (link-local) covers fe80:: to febf:…; fec0:: is outside', () => {
    assertAll(['fe80::', 'fe80::1', 'febf:ffff::1'], 'private');
    assertAll(['fe7f:ffff::1', 'fec0::1'], 'public');
  });

  test('upper-case hex is read the same', () => {
    assert.equal(classifyHost('FD00::1'), 'private');
    assert.equal(classifyHost('FE80::1'), 'private');
  });

  test('a zone id does not change the class', () => {
    assert.equal(classifyHost('fe80::1%eth0'), 'private');
    assert.equal(classifyHost('[fe80::1%25eth0]'), 'private');
    assert.equal(classifyHost('::1%lo'), 'loopback');
  });

  test('IPv4-mapped addresses take the class of the IPv4 address, dotted or hex', () => {
    assert.deepEqual(
      classes(['::ffff:127.0.0.1', '::ffff:10.1.2.3', '::ffff:172.31.0.1', '::ffff:0.0.0.0', '::ffff:8.8.8.8']),
      {
        '::ffff:127.0.0.1': 'loopback',
        '::ffff:10.1.2.3': 'private',
        '::ffff:172.31.0.1': 'private',
        '::ffff:0.0.0.0': 'wildcard',
        '::ffff:8.8.8.8': 'public',
      },
    );
    assert.equal(classifyHost('::ffff:a00:1'), 'private', '::ffff:10.0.0.1 written in hex');
    assert.equal(classifyHost('::ffff:7f00:1'), 'loopback', '::ffff:127.0.0.1 written in hex');
    assert.equal(classifyHost('[::ffff:192.168.1.1]'), 'private');
  });

  test('global unicast is public', () => {
    assertAll(['2001:db8::1', '2606:4700:4700::1111'], 'public');
  });
});

describe('classifyHost: names', () => {
  test('localhost and *.localhost are loopback, in any case', () => {
    assertAll(['localhost', 'LOCALHOST', 'signer.localhost'], 'loopback');
  });

  test('"*" is the wildcard', () => {
    assert.equal(classifyHost('*'), 'wildcard');
  });

  test('other names are names, even when they look like a range', () => {
    assertAll(['stacks-node', 'node.internal', 'localhost.example.com', 'mylocalhost', '10.0.0.1.nip.io'], 'name');
  });

  test('text that is almost an address is a name, not an address', () => {
    assertAll(['256.1.1.1', '10.0.0', '010.0.0.1', 'fe80::1::2'], 'name');
  });
});

describe('isTrustedClass', () => {
  test('only loopback and private are trusted', () => {
    assert.equal(isTrustedClass('loopback'), true);
    assert.equal(isTrustedClass('private'), true);
    assert.equal(isTrustedClass('wildcard'), false);
    assert.equal(isTrustedClass('public'), false);
    assert.equal(isTrustedClass('name'), false);
  });
});
