import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lookupHost, parseHosts } from '../../src/parsers/hosts.js';

describe('parseHosts', () => {
  test('an address with its canonical name and aliases, separated by any whitespace', () => {
    assert.deepEqual(parseHosts('10.0.0.5\tstacks-node  node.internal\tnode\n'), [
      { address: '10.0.0.5', names: ['stacks-node', 'node.internal', 'node'], line: 1 },
    ]);
  });

  test('full-line and trailing comments are ignored; blank lines keep the line count', () => {
    const entries = parseHosts('# static table\n\n127.0.0.1 localhost # loopback\n  #10.0.0.9 disabled\n');
    assert.deepEqual(entries, [{ address: '127.0.0.1', names: ['localhost'], line: 3 }]);
  });

  test('a comment glued to a name ends the name there', () => {
    assert.deepEqual(parseHosts('10.0.0.7 node#old-name\n')[0]?.names, ['node']);
  });

  test('a line with an address but no name is not an entry', () => {
    assert.deepEqual(parseHosts('10.0.0.8\n10.0.0.9   # nothing\n'), []);
  });

  test('names are lowercased (host names are case-insensitive); addresses are kept as written', () => {
    assert.deepEqual(parseHosts('FD00::5 Stacks-Node.LAN\n'), [
      { address: 'FD00::5', names: ['stacks-node.lan'], line: 1 },
    ]);
  });

  test('IPv6 addresses, including zone ids, are read whole', () => {
    const entries = parseHosts('::1 localhost ip6-localhost\nfe80::1%eth0 router\n');
    assert.deepEqual(
      entries.map((entry) => entry.address),
      ['::1', 'fe80::1%eth0'],
    );
  });

  test('CRLF line endings do not stick to the last name', () => {
    assert.deepEqual(parseHosts('10.0.0.5 node\r\n')[0]?.names, ['node']);
  });
});

describe('lookupHost', () => {
  const entries = parseHosts('127.0.0.1 localhost\n10.0.0.5 stacks-node node\n::1 localhost\n203.0.113.9 NODE\n');

  test('finds every entry naming the host, in file order, by canonical name or alias', () => {
    assert.deepEqual(
      lookupHost(entries, 'localhost').map((entry) => entry.address),
      ['127.0.0.1', '::1'],
    );
    assert.deepEqual(
      lookupHost(entries, 'node').map((entry) => entry.address),
      ['10.0.0.5', '203.0.113.9'],
    );
  });

  test('the lookup is case-insensitive', () => {
    assert.deepEqual(
      lookupHost(entries, 'Stacks-NODE').map((entry) => entry.address),
      ['10.0.0.5'],
    );
  });

  test('matches whole names only', () => {
    assert.deepEqual(lookupHost(entries, 'stacks'), []);
    assert.deepEqual(lookupHost(entries, 'stacks-node.lan'), []);
  });
});
