import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import check from '../../../src/checks/binary/release-pinned.js';
import { type ReleasePin, serializeReleasePin } from '../../../src/stacks/release-pin.js';
import { runCheckCases } from '../../support/check-tester.js';
import { BASE_USERS, composeHost, serviceUnit, signerUnitHost } from '../../support/hosts.js';
import type { FileSpec } from '../../support/materialise.js';

const SIGNER = '#!/bin/sh\nexit 0\n'; // SIGNER_BINARY's content
const NODE = '#!/bin/sh\necho node\n';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const PIN_PATH = 'etc/signer-opsec/release-pins.json';

function pin(binaries: Record<string, string>): string {
  const value: ReleasePin = {
    schemaVersion: 1,
    release: { archive: 'linux-glibc-x64.zip', sha512: 'a'.repeat(128), version: '4.0.2' },
    binaries: Object.fromEntries(
      Object.entries(binaries).map(([name, content]) => [name, { sha256: sha256(content), size: content.length }]),
    ),
    verifiedAt: '2026-08-01T10:00:00.000Z',
  };
  return serializeReleasePin(value);
}

const withNode: FileSpec = {
  ...serviceUnit('node'),
  'usr/local/bin/stacks-node': { content: NODE, mode: 0o755 },
};

runCheckCases(check, {
  pass: [
    {
      name: 'the signer binary matches the pin',
      files: signerUnitHost(undefined, {}, { [PIN_PATH]: pin({ 'stacks-signer': SIGNER, 'stacks-node': NODE }) }),
      messages: ['matches'],
      verify: ({ result }) => assert.match(result.message, /linux-glibc-x64\.zip 4\.0\.2/),
    },
    {
      name: 'signer and node binaries both match',
      files: signerUnitHost(
        undefined,
        {},
        { ...withNode, [PIN_PATH]: pin({ 'stacks-signer': SIGNER, 'stacks-node': NODE }) },
      ),
      verify: ({ items }) => assert.equal(items.filter((item) => item.messageId === 'matches').length, 2),
    },
    {
      name: 'a pin at the path --pin-file names',
      files: signerUnitHost(undefined, {}, { 'etc/stacks/pins.json': pin({ 'stacks-signer': SIGNER }) }),
      options: { pinFile: '/etc/stacks/pins.json' },
      messages: ['matches'],
    },
  ],
  fail: [
    {
      name: 'the installed signer differs from the pinned one',
      files: signerUnitHost(undefined, {}, { [PIN_PATH]: pin({ 'stacks-signer': 'the verified binary' }) }),
      messages: ['mismatch'],
      verify: ({ result }) => {
        assert.match(result.message, new RegExp(`SHA-256 ${sha256(SIGNER).slice(0, 16)}`));
        assert.match(result.message, new RegExp(`expects ${sha256('the verified binary').slice(0, 16)}`));
      },
    },
    {
      name: 'the node binary is not in the pin',
      files: signerUnitHost(undefined, {}, { ...withNode, [PIN_PATH]: pin({ 'stacks-signer': SIGNER }) }),
      messages: ['notPinned'],
    },
    {
      name: 'the signer user owns the pin',
      files: signerUnitHost(
        undefined,
        {},
        {
          [PIN_PATH]: { content: pin({ 'stacks-signer': SIGNER }), uid: 990, gid: 990 },
        },
      ),
      messages: ['pinWritable'],
    },
  ],
  warn: [{ name: 'no pin', files: signerUnitHost(), messages: ['noPin'] }],
  notApplicable: [
    { name: 'no signer', files: BASE_USERS },
    { name: 'signer in a container', files: composeHost({}), messages: ['container'] },
    {
      name: 'the unit names a binary that is not there',
      files: signerUnitHost(undefined, {}, { 'usr/local/bin/stacks-signer': { dir: true } }),
    },
  ],
  error: [
    {
      name: 'malformed pin',
      files: signerUnitHost(undefined, {}, { [PIN_PATH]: '{"schemaVersion": 1,' }),
      verify: ({ result }) => assert.match(result.message, /release-pins\.json: not JSON/),
    },
  ],
});
