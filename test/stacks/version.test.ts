import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assessVersion,
  compareVersions,
  parseVersion,
  parseVersionOutput,
  versionOfImageTag,
} from '../../src/stacks/version.js';

const v = (text: string) => {
  const parsed = parseVersion(text);
  assert.ok(parsed, text);
  return parsed;
};

describe('stacks-signer --version output (stacks-facts.md §4)', () => {
  test('≥ 3.4.0.0.2: program, version, commit, build, platform', () => {
    assert.deepEqual(parseVersionOutput('stacks-signer 4.0.1 (62e03cc, release build, linux [x86_64])\n'), {
      version: '4.0.1',
      parts: [4, 0, 1],
      program: 'stacks-signer',
      commit: '62e03cc',
      dirty: false,
      build: 'release',
      os: 'linux',
      arch: 'x86_64',
    });
  });

  test('3.3.0.0.0–3.4.0.0.1: the program name printed twice', () => {
    const parsed = parseVersionOutput(
      'stacks-signer stacks-signer 3.3.0.0.6.0 (a1b2c3d, release build, linux [x86_64])',
    );
    assert.equal(parsed?.version, '3.3.0.0.6.0');
    assert.deepEqual(parsed?.parts, [3, 3, 0, 0, 6, 0]);
    assert.equal(parsed?.commit, 'a1b2c3d');
    assert.equal(parsed?.branch, undefined);
  });

  test('≤ 3.2: branch before the commit', () => {
    const parsed = parseVersionOutput(
      'stacks-signer stacks-signer 3.1.0.0.0.0 (release/3.1.0.0.0.0:dd1ebe6, release build, linux [x86_64])',
    );
    assert.equal(parsed?.version, '3.1.0.0.0.0');
    assert.equal(parsed?.branch, 'release/3.1.0.0.0.0');
    assert.equal(parsed?.commit, 'dd1ebe6');
  });

  test('a "+" after the commit marks a dirty tree; debug builds and other platforms parse', () => {
    const parsed = parseVersionOutput('stacks-signer 4.0.2 (62e03cc+, debug build, macos [aarch64])');
    assert.equal(parsed?.dirty, true);
    assert.equal(parsed?.build, 'debug');
    assert.equal(parsed?.os, 'macos');
    assert.equal(parsed?.arch, 'aarch64');
  });

  test('the node prints the same shape', () => {
    assert.equal(
      parseVersionOutput('stacks-node 4.0.2 (0000000, release build, linux [x86_64])')?.program,
      'stacks-node',
    );
  });

  test('anything else is no version: -V output, other programs, mismatched doubling', () => {
    for (const text of [
      '0.0.1',
      '',
      'bash 5.2',
      'stacks-signer 4.0.1',
      'stacks-signer stacks-node 4.0.1 (62e03cc, release build, linux [x86_64])',
      'stacks-signer 4.0.x (62e03cc, release build, linux [x86_64])',
      'stacks-signer 4.0.1 (62e03cc, fast build, linux [x86_64])',
    ]) {
      assert.equal(parseVersionOutput(text), undefined, text);
    }
  });
});

describe('version comparison and assessment', () => {
  test('numeric by component, missing components are 0, a pre-release sorts first', () => {
    assert.equal(compareVersions(v('3.3.0.0.6'), v('3.3.0.0.6.0')), 0);
    assert.equal(compareVersions(v('3.4.0.0.4.0'), v('4.0.0')), -1);
    assert.equal(compareVersions(v('3.10.0.0.0.0'), v('3.9.0.0.0.0')), 1);
    assert.equal(compareVersions(v('4.0.2-rc1'), v('4.0.2')), -1);
    assert.equal(compareVersions(v('4.0.2'), v('4.0.2-rc1')), 1);
  });

  test('3.3.0.0.6.0 is known-bad; below 3.4.0.0.4.0 and 4.0.2 carry their reasons; 4.0.2 and later pass', () => {
    const bad = assessVersion(v('3.3.0.0.6.0'));
    assert.equal(bad.knownBad, true);
    assert.match(bad.reasons.join('\n'), /corrupt the signer database/);
    assert.match(bad.reasons.join('\n'), /high-S/);
    const highS = assessVersion(v('3.4.0.0.3.0'));
    assert.deepEqual([highS.knownBad, highS.belowMinimum, highS.reasons.length], [false, true, 2]);
    const unknownKeys = assessVersion(v('4.0.1'));
    assert.deepEqual([unknownKeys.belowMinimum, unknownKeys.reasons.length], [true, 1]);
    assert.match(unknownKeys.reasons[0]!, /unknown config keys/);
    for (const good of ['4.0.2', '4.0.3', '4.1.0']) {
      assert.deepEqual(assessVersion(v(good)), { knownBad: false, belowMinimum: false, reasons: [] }, good);
    }
  });

  test('image tags: version, -debian/-alpine suffix, digest, registry port; latest or no tag is unknown', () => {
    assert.equal(versionOfImageTag('ghcr.io/stacks-network/stacks-signer:4.0.1@sha256:abc')?.version, '4.0.1');
    assert.equal(versionOfImageTag('blockstack/stacks-signer:3.1.0.0.0.0-debian')?.version, '3.1.0.0.0.0');
    assert.equal(versionOfImageTag('ghcr.io/stacks-network/stacks-signer:3.3.0.0.6-alpine')?.version, '3.3.0.0.6');
    assert.equal(versionOfImageTag('registry.local:5000/stacks-signer:4.0.2')?.version, '4.0.2');
    assert.equal(versionOfImageTag('registry.local:5000/stacks-signer'), undefined);
    assert.equal(versionOfImageTag('ghcr.io/stacks-network/stacks-signer:latest'), undefined);
    assert.equal(versionOfImageTag('ghcr.io/stacks-network/stacks-signer@sha256:abc'), undefined);
  });
});
