import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  describeOnlineState,
  externalInterfaces,
  ipv4DefaultRoutes,
  ipv6DefaultRoutes,
} from '../../src/keys/online-state.js';

// Captured from a live host (eth0 with a gateway) and from a fresh network namespace.
const ROUTE_HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';
const ROUTE_ONLINE = [
  ROUTE_HEADER,
  'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
  'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
].join('\n');
const ROUTE_LAN_ONLY = [ROUTE_HEADER, 'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0'].join('\n');
const ZERO = '0'.repeat(32);
const IPV6_ONLINE = [
  `fd000000000000000000000000000000 40 ${ZERO} 00 ${ZERO} 00000100 00000001 00000000 00000001     eth0`,
  `${ZERO} 00 ${ZERO} 00 fd000000000000000000000000000001 00000400 00000003 00000000 00000003     eth0`,
  `${ZERO} 00 ${ZERO} 00 ${ZERO} ffffffff 00000001 00000000 00200200       lo`,
].join('\n');
// The kernel's "unreachable ::/0" on lo, present in every namespace: not a way out.
const IPV6_NAMESPACE = [
  `00000000000000000000000000000001 80 ${ZERO} 00 ${ZERO} 00000000 00000002 00000000 80200001       lo`,
  `${ZERO} 00 ${ZERO} 00 ${ZERO} ffffffff 00000001 00000000 00200200       lo`,
].join('\n');

describe('online state', () => {
  test('an up IPv4 route to 0.0.0.0/0 is a default route; a LAN route is not', () => {
    assert.deepEqual(ipv4DefaultRoutes(ROUTE_ONLINE), ['eth0']);
    assert.deepEqual(ipv4DefaultRoutes(ROUTE_LAN_ONLY), []);
    assert.deepEqual(ipv4DefaultRoutes(''), []);
  });

  test('IPv6: ::/0 via a gateway counts, the unreachable reject route does not', () => {
    assert.deepEqual(ipv6DefaultRoutes(IPV6_ONLINE), ['eth0']);
    assert.deepEqual(ipv6DefaultRoutes(IPV6_NAMESPACE), []);
  });

  test('interfaces other than loopback count, loopback does not', () => {
    const lo = [{ address: '127.0.0.1', internal: true }];
    assert.deepEqual(externalInterfaces({ lo }), []);
    assert.deepEqual(
      externalInterfaces({
        lo,
        wlan0: [{ address: 'fe80::1', internal: false }],
        eth0: [{ address: '10.0.0.2', internal: false }],
      }),
      ['eth0', 'wlan0'],
    );
  });

  test('the warning names what makes the machine online, and nothing when offline', () => {
    assert.equal(describeOnlineState({ defaultRoutes: [], interfaces: [] }), undefined);
    assert.equal(
      describeOnlineState({ defaultRoutes: ['eth0', 'eth0'], interfaces: ['eth0'] }),
      'this machine has a default route (via eth0) and network interfaces up besides loopback (eth0)',
    );
  });
});
