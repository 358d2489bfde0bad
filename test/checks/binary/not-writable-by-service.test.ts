import assert from 'node:assert/strict';
import check from '../../../src/checks/binary/not-writable-by-service.js';
import { runCheckCases } from '../../support/check-tester.js';
import {
  BASE_USERS,
  composeHost,
  SIGNER_BINARY,
  serviceUnit,
  signerHost,
  signerUnitHost,
} from '../../support/hosts.js';
import type { FileSpec } from '../../support/materialise.js';

const BINARY = 'usr/local/bin/stacks-signer';
const STUB = '#!/bin/sh\nexit 0\n';

/** A signer unit whose ExecStart program is `program` (with User=stacks-signer). */
function unitRunning(program: string, extra: FileSpec = {}): FileSpec {
  const unit = `[Service]\nExecStart=${program} run --config /etc/stacks/signer/signer-config.toml\nUser=stacks-signer\n`;
  return { ...signerHost(), 'etc/systemd/system/stacks-signer.service': unit, ...extra };
}

runCheckCases(check, {
  pass: [
    { name: 'root-owned 0755 binary in root-owned directories', files: signerUnitHost(), messages: ['safe'] },
    {
      name: 'a bare ExecStart name, found where systemd looks',
      files: unitRunning('stacks-signer', SIGNER_BINARY),
      messages: ['safe'],
      verify: ({ result }) => assert.match(result.message, /\/usr\/local\/bin\/stacks-signer/),
    },
    {
      name: 'no unit: the binary on the search path',
      files: { ...signerHost(), 'usr/bin/stacks-signer': { content: STUB, mode: 0o755 } },
      messages: ['safe'],
    },
    {
      name: 'a directory group-writable by a group no service user is in: evidence only',
      files: signerUnitHost(undefined, {}, { 'usr/local/bin': { dir: true, mode: 0o2775, gid: 50 } }),
      messages: ['safe'],
      verify: ({ result }) => assert.ok(result.evidence.some((item) => /group gid 50 may write/.test(item.detail))),
    },
    {
      name: 'missing binary, but only root could create it',
      files: unitRunning('/opt/stacks/stacks-signer', { 'opt/stacks': { dir: true } }),
      messages: ['missingSafe'],
    },
  ],
  fail: [
    {
      name: 'binary owned by the signer user',
      files: signerUnitHost(undefined, {}, { [BINARY]: { content: STUB, mode: 0o755, uid: 990, gid: 990 } }),
      messages: ['writable'],
      verify: ({ result }) =>
        assert.match(result.message, /\/usr\/local\/bin\/stacks-signer can be replaced by its owner stacks-signer/),
    },
    {
      name: 'directory writable through the signer group',
      files: signerUnitHost(undefined, {}, { 'usr/local/bin': { dir: true, mode: 0o775, gid: 990 } }),
      messages: ['writable'],
      verify: ({ result }) =>
        assert.match(
          result.message,
          /\/usr\/local\/bin can be replaced by the signer user stacks-signer \(through group stacks-signer\)/,
        ),
    },
    {
      name: 'world-writable binary',
      files: signerUnitHost(undefined, {}, { [BINARY]: { content: STUB, mode: 0o757 } }),
      messages: ['writable'],
    },
    {
      name: 'the node user can replace it',
      files: signerUnitHost(
        undefined,
        {},
        {
          ...serviceUnit('node'),
          'usr/local/bin': { dir: true, mode: 0o775, gid: 991 },
        },
      ),
      messages: ['writable'],
      verify: ({ result }) => assert.match(result.message, /the node user stacks-node \(through group stacks-node\)/),
    },
    {
      name: 'a root-owned symlink into a directory the signer user owns',
      files: signerUnitHost(
        undefined,
        {},
        {
          [BINARY]: { symlink: '/opt/stacks/stacks-signer' },
          'opt/stacks': { dir: true, mode: 0o755, uid: 990, gid: 990 },
          'opt/stacks/stacks-signer': { content: STUB, mode: 0o755 },
        },
      ),
      messages: ['writable'],
      verify: ({ result }) => assert.match(result.message, /\/opt\/stacks can be replaced by its owner stacks-signer/),
    },
    {
      name: 'missing binary in a directory the signer user can write',
      files: unitRunning('/opt/stacks/stacks-signer', { 'opt/stacks': { dir: true, uid: 990, gid: 990 } }),
      messages: ['writable'],
    },
    {
      name: 'the signer runs as root',
      files: {
        ...signerHost(),
        ...SIGNER_BINARY,
        'etc/systemd/system/stacks-signer.service':
          '[Service]\nExecStart=/usr/local/bin/stacks-signer run --config /etc/stacks/signer/signer-config.toml\n',
      },
      messages: ['signerIsRoot'],
    },
  ],
  notApplicable: [
    { name: 'no signer', files: BASE_USERS },
    { name: 'signer in a container', files: composeHost({}), messages: ['container'] },
    { name: 'no unit and no binary anywhere', files: signerHost(), messages: ['notFound'] },
  ],
});
