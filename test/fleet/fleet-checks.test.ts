// Each fleet control on canned host facts: a pass and a fail (and not applicable) case each.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import duplicateSignerKey from '../../src/checks/fleet/duplicate-signer-key.js';
import { fleetChecks } from '../../src/checks/fleet/index.js';
import nodeHostExposed from '../../src/checks/fleet/node-host-exposed.js';
import sharedSecrets from '../../src/checks/fleet/shared-secrets.js';
import versionSkew from '../../src/checks/fleet/version-skew.js';
import { type FleetHost, runFleetCheck } from '../../src/engine/define-fleet-check.js';
import type { HostFacts } from '../../src/fleet/host-facts.js';
import { fleetWeight } from '../../src/fleet/weight.js';

function host(name: string, address: string, facts: Partial<HostFacts>): FleetHost {
  return { name, address, facts: { tokens: [], status: {}, criticalFailures: {}, ...facts } };
}
const key = (digest: string, publicKey = `02${digest.padEnd(64, '0')}`) => ({
  file: '/etc/stacks/signer/signer-config.toml',
  fingerprint: digest.slice(0, 8),
  digest,
  publicKey,
});
const token = (digest: string, kind: 'auth_password' | 'auth_token' = 'auth_password') => ({
  file: '/etc/x.toml',
  fingerprint: digest.slice(0, 8),
  digest,
  kind,
});

describe('fleet controls', () => {
  test('the catalogue of fleet controls: ids in the fleet family, unique', () => {
    assert.deepEqual(
      fleetChecks.map((check) => check.id),
      ['fleet/duplicate-signer-key', 'fleet/shared-secrets', 'fleet/node-host-exposed', 'fleet/version-skew'],
    );
  });

  test('fleet/duplicate-signer-key', () => {
    const fail = runFleetCheck(duplicateSignerKey, [
      host('a', '10.0.0.1', { signerKey: key('aa') }),
      host('b', '10.0.0.2', { signerKey: key('aa') }),
      host('c', '10.0.0.3', { signerKey: key('cc') }),
    ]);
    assert.equal(fail.status, 'fail');
    assert.match(fail.message, /on 2 hosts: a, b/);
    assert.equal(
      runFleetCheck(duplicateSignerKey, [
        host('a', 'x', { signerKey: key('aa') }),
        host('b', 'y', { signerKey: key('bb') }),
      ]).status,
      'pass',
    );
    assert.equal(runFleetCheck(duplicateSignerKey, [host('a', 'x', {})]).status, 'not_applicable');
  });

  test('fleet/shared-secrets: one token on two signers fails; a signer and the node it names may share it', () => {
    const fail = runFleetCheck(sharedSecrets, [
      host('a', '10.0.0.1', { tokens: [token('t1')] }),
      host('b', '10.0.0.2', { tokens: [token('t1')] }),
    ]);
    assert.equal(fail.status, 'fail');
    const pair = runFleetCheck(sharedSecrets, [
      host('signer', '10.0.0.1', { tokens: [token('t1')], nodeHost: '10.0.0.2:20443' }),
      host('node', '10.0.0.2', { tokens: [token('t1', 'auth_token')] }),
    ]);
    assert.equal(pair.status, 'pass');
    const bitcoind = runFleetCheck(sharedSecrets, [
      host('a', 'x', { bitcoindPassword: { file: '/n', fingerprint: 'p', digest: 'p1' } }),
      host('b', 'y', { bitcoindPassword: { file: '/n', fingerprint: 'p', digest: 'p1' } }),
    ]);
    assert.equal(bitcoind.status, 'fail');
    assert.match(bitcoind.message, /bitcoind password/);
    assert.equal(runFleetCheck(sharedSecrets, [host('a', 'x', {})]).status, 'not_applicable');
  });

  test('fleet/node-host-exposed', () => {
    const node = (status: string) =>
      host('node', '10.0.0.2', {
        status: { 'topology/node-rpc-exposure': status, 'topology/inbound-firewall': 'pass' },
      });
    const signer = host('signer', '10.0.0.1', { nodeHost: '10.0.0.2:20443' });
    assert.equal(runFleetCheck(nodeHostExposed, [signer, node('fail')]).status, 'fail');
    assert.equal(runFleetCheck(nodeHostExposed, [signer, node('pass')]).status, 'pass');
    assert.equal(
      runFleetCheck(nodeHostExposed, [host('signer', '10.0.0.1', { nodeHost: '127.0.0.1:20443' }), node('fail')])
        .status,
      'not_applicable',
    );
  });

  test('fleet/version-skew', () => {
    assert.equal(
      runFleetCheck(versionSkew, [
        host('a', 'x', { signerVersion: '3.1.0.0.5.0' }),
        host('b', 'y', { signerVersion: '3.1.0.0.5.0' }),
      ]).status,
      'pass',
    );
    assert.equal(
      runFleetCheck(versionSkew, [
        host('a', 'x', { signerVersion: '3.1.0.0.5.0' }),
        host('b', 'y', { signerVersion: '3.1.0.0.4.0' }),
      ]).status,
      'warn',
    );
    assert.equal(
      runFleetCheck(versionSkew, [host('a', 'x', { signerVersion: '2.0.0.0.0.1', signerVersionUnsupported: true })])
        .status,
      'fail',
    );
    assert.equal(runFleetCheck(versionSkew, [host('a', 'x', {})]).status, 'not_applicable');
  });

  test('the fleet weight: counted once per key, thresholds, weight on hosts failing a critical control', () => {
    const set = {
      rewardSetVersion: 0 as const,
      poxUstxThreshold: null,
      signers: [
        { signingKey: key('aa').publicKey, weight: 25, stackedUstx: 0n, index: 0 },
        { signingKey: key('bb').publicKey, weight: 10, stackedUstx: 0n, index: 1 },
        { signingKey: key('zz').publicKey, weight: 65, stackedUstx: 0n, index: 2 },
      ],
    };
    const weight = fleetWeight({ set, source: 'set.json' }, [
      host('a', 'x', { signerKey: key('aa'), criticalFailures: { 'keys/known-public-key': 'published key' } }),
      host('a2', 'x2', { signerKey: key('aa') }),
      host('b', 'y', { signerKey: key('bb') }),
      host('c', 'z', { signerKey: key('cc') }),
    ]);
    assert.equal(weight.totalWeight, 100);
    assert.equal(weight.fleetWeight, 35);
    assert.equal(weight.crossesHalt, true);
    assert.equal(weight.crossesApprove, false);
    assert.equal(weight.atRiskWeight, 25);
    assert.deepEqual(weight.atRiskHosts, ['a']);
    assert.deepEqual(
      weight.notInSet.map((entry) => entry.host),
      ['c'],
    );
  });
});
