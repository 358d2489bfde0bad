import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import check, { parseAccessWord, sliceChain } from '../../../src/checks/service/egress-restricted.js';
import { runCheckCases } from '../../support/check-tester.js';
import { SIGNER_BINARY, signerHost, signerUnitHost } from '../../support/hosts.js';

const DROP_IN = 'etc/systemd/system/stacks-signer.service.d/egress.conf';
const VENDOR_UNIT = 'usr/lib/systemd/system/stacks-signer.service';
const REMOTE_NODE = { node_host: '10.0.0.5:20443' };

const vendorUnit = (serviceLines: string[]) =>
  [
    '[Unit]',
    'Description=stacks signer (vendor)',
    '[Service]',
    'ExecStart=/usr/local/bin/stacks-signer run --config /etc/stacks/signer/signer-config.toml',
    'User=stacks-signer',
    ...serviceLines,
    '',
  ].join('\n');

runCheckCases(check, {
  pass: [
    {
      name: 'deny any, allow localhost, node on loopback',
      files: signerUnitHost(['IPAddressDeny=any', 'IPAddressAllow=localhost']),
      messages: ['restricted'],
    },
    {
      name: 'remote node by address',
      files: signerUnitHost(
        ['IPAddressDeny=any', 'IPAddressAllow=127.0.0.1/8 ::1', 'IPAddressAllow=10.0.0.5/32'],
        REMOTE_NODE,
      ),
      messages: ['restricted'],
    },
    {
      name: 'remote node by a name /etc/hosts maps',
      files: signerUnitHost(
        ['IPAddressDeny=any', 'IPAddressAllow=localhost 10.0.0.7'],
        { node_host: 'stacks-node.internal:20443' },
        {
          'etc/hosts': '127.0.0.1 localhost\n10.0.0.7 stacks-node.internal stacks-node\n',
        },
      ),
      messages: ['restricted'],
    },
    {
      name: 'deny on system.slice, the lists combine',
      files: signerUnitHost(
        [],
        {},
        { 'etc/systemd/system/system.slice.d/ip.conf': '[Slice]\nIPAddressDeny=any\nIPAddressAllow=localhost\n' },
      ),
      messages: ['restricted'],
    },
    {
      name: 'both zero prefixes instead of any',
      files: signerUnitHost(['IPAddressDeny=0.0.0.0/0 ::/0', 'IPAddressAllow=localhost']),
      messages: ['restricted'],
    },
    {
      name: '/usr/lib unit allowing any, /etc drop-in resets the allow list',
      files: {
        ...signerHost(),
        ...SIGNER_BINARY,
        [VENDOR_UNIT]: vendorUnit(['IPAddressDeny=any', 'IPAddressAllow=any']),
        [DROP_IN]: '[Service]\nIPAddressAllow=\nIPAddressAllow=localhost\n',
      },
      messages: ['restricted'],
    },
  ],
  fail: [
    { name: 'no IPAddressDeny=', files: signerUnitHost(['IPAddressAllow=localhost']), messages: ['denyMissing'] },
    {
      name: 'IPv4 only',
      files: signerUnitHost(['IPAddressDeny=0.0.0.0/0', 'IPAddressAllow=localhost']),
      messages: ['denyPartial'],
    },
    {
      name: 'allow any',
      files: signerUnitHost(['IPAddressDeny=any', 'IPAddressAllow=any']),
      messages: ['allowOther'],
      verify: (detailed) =>
        assert.match(
          detailed.result.message,
          /IPAddressAllow=any \(.*stacks-signer\.service:\d+\) lets the signer reach every address/,
        ),
    },
    {
      name: "a private subnet around the node's address",
      files: signerUnitHost(['IPAddressDeny=any', 'IPAddressAllow=localhost 10.0.0.0/24'], REMOTE_NODE),
      messages: ['allowOther'],
      verify: (detailed) => assert.match(detailed.result.message, /every address in 10\.0\.0\.0\/24/),
    },
    {
      name: 'link-local',
      files: signerUnitHost(['IPAddressDeny=any', 'IPAddressAllow=localhost link-local']),
      messages: ['allowOther'],
    },
    {
      name: 'an address that is not the node',
      files: signerUnitHost(['IPAddressDeny=any', 'IPAddressAllow=localhost 10.0.0.5 203.0.113.9'], REMOTE_NODE),
      messages: ['allowOther'],
      verify: (detailed) => assert.equal(detailed.items.filter((item) => item.status === 'fail').length, 1),
    },
    {
      name: 'the node itself is blocked',
      files: signerUnitHost(['IPAddressDeny=any', 'IPAddressAllow=localhost'], REMOTE_NODE),
      messages: ['nodeBlocked'],
    },
    {
      name: 'a drop-in resets the deny list of a /usr/lib unit',
      files: {
        ...signerHost(),
        ...SIGNER_BINARY,
        [VENDOR_UNIT]: vendorUnit(['IPAddressDeny=any', 'IPAddressAllow=localhost']),
        [DROP_IN]: '[Service]\nIPAddressDeny=\n',
      },
      messages: ['denyMissing'],
    },
  ],
  warn: [
    {
      name: 'node_host is a name /etc/hosts does not map',
      files: signerUnitHost(['IPAddressDeny=any', 'IPAddressAllow=localhost 10.0.0.7'], {
        node_host: 'stacks-node.internal:20443',
      }),
      messages: ['allowMaybeNode'],
    },
  ],
  notApplicable: [
    { name: 'no signer', files: {} },
    { name: 'config at a well-known path only', files: signerHost() },
  ],
});

describe('egress-restricted helpers', () => {
  test('parseAccessWord', () => {
    assert.deepEqual(parseAccessWord('10.0.0.5'), [{ address: '10.0.0.5', prefix: 32, family: 'ipv4' }]);
    assert.deepEqual(parseAccessWord('fe80::/10'), [{ address: 'fe80::', prefix: 10, family: 'ipv6' }]);
    assert.equal(parseAccessWord('10.0.0.5/33'), undefined);
    assert.equal(parseAccessWord('node.example'), undefined);
    assert.equal(parseAccessWord('any')?.length, 2);
  });
  test('sliceChain', () => {
    assert.deepEqual(sliceChain('system.slice'), ['system.slice', '-.slice']);
    assert.deepEqual(sliceChain('stacks-signer.slice'), ['stacks-signer.slice', 'stacks.slice', '-.slice']);
  });
});
