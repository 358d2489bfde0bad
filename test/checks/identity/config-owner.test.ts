import assert from 'node:assert/strict';
import check from '../../../src/checks/identity/config-owner.js';
import { runCheckCases } from '../../support/check-tester.js';
import { GROUP, signerHost } from '../../support/hosts.js';
import { NODE_UID, passwdWithout, SIGNER_UID, serviceHost, signerUnit } from '../../support/service-hosts.js';

const units = { signer: ['User=stacks-signer'], node: ['User=stacks-node'] };
const ALICE = 1000;

runCheckCases(check, {
  pass: [
    {
      name: 'each config owned by its user, 0600',
      files: serviceHost(units),
      messages: ['owned', 'isolated'],
      verify: ({ items }) => assert.equal(items.filter((item) => item.messageId === 'owned').length, 2),
    },
    {
      name: 'root:stacks-signer 0640',
      files: serviceHost({ ...units, signerConfig: { uid: 0, gid: SIGNER_UID, mode: 0o640 } }),
      messages: ['rootWithGroup', 'isolated'],
    },
    {
      name: 'world-readable file inside a directory only the signer can enter',
      files: serviceHost(
        { ...units, signerConfig: { mode: 0o604 } },
        { 'etc/stacks/signer': { dir: true, mode: 0o700, uid: SIGNER_UID, gid: SIGNER_UID } },
      ),
      messages: ['isolated'],
    },
    { name: 'signer only', files: serviceHost({ signer: units.signer }), messages: ['owned'] },
    {
      name: 'malformed TOML is still judged by its owner',
      files: serviceHost({ signer: units.signer, signerConfig: { content: 'stacks_private_key = "unterminated\n' } }),
      messages: ['owned'],
    },
    {
      name: 'DynamicUser signer with a root-owned config',
      files: serviceHost({
        signer: ['DynamicUser=yes'],
        signerConfig: { uid: 0, gid: 0, mode: 0o600 },
        passwd: passwdWithout('stacks-signer'),
      }),
      messages: ['dynamicRootOwned'],
    },
    {
      name: 'DynamicUser=yes with a static user of the unit name: systemd runs it as that user, who owns the config',
      files: serviceHost({ signer: ['DynamicUser=yes'] }),
      messages: ['owned'],
    },
    {
      name: 'DynamicUser=yes and User= reset in a drop-in: the unit name resolves to the static user',
      files: serviceHost(
        { signer: ['DynamicUser=yes', 'User=stacks-signer'] },
        { 'etc/systemd/system/stacks-signer.service.d/reset.conf': '[Service]\nUser=\n' },
      ),
      messages: ['owned'],
    },
  ],
  fail: [
    {
      name: 'signer config owned by an admin',
      files: serviceHost({ ...units, signerConfig: { uid: ALICE, gid: ALICE } }),
      messages: ['wrongOwner'],
    },
    {
      name: 'signer config owned by the node user',
      files: serviceHost({ ...units, signerConfig: { uid: NODE_UID, gid: NODE_UID } }),
      messages: ['wrongOwner', 'crossRead'],
    },
    {
      name: 'root:root 0644',
      files: serviceHost({ ...units, signerConfig: { uid: 0, gid: 0, mode: 0o644 } }),
      messages: ['wrongOwner', 'crossRead'],
    },
    {
      name: 'the node user is in the signer group',
      files: serviceHost({
        ...units,
        signerConfig: { uid: 0, gid: SIGNER_UID, mode: 0o640 },
        group: GROUP.replace('stacks-signer:x:990:', 'stacks-signer:x:990:stacks-node'),
      }),
      messages: ['crossRead'],
      verify: ({ result }) =>
        assert.match(result.message, /node user stacks-node \(uid 991\) can read the signer config/),
    },
    {
      name: 'SupplementaryGroups= gives the node the signer group',
      files: serviceHost({
        signer: units.signer,
        node: ['User=stacks-node', 'SupplementaryGroups=stacks-signer'],
        signerConfig: { uid: SIGNER_UID, gid: SIGNER_UID, mode: 0o640 },
      }),
      messages: ['crossRead'],
    },
    {
      name: 'the signer can read the node config',
      files: serviceHost({ ...units, nodeConfig: { mode: 0o644 } }),
      messages: ['crossRead'],
      verify: ({ result }) => assert.match(result.message, /signer user .* can read the node config/),
    },
    {
      name: 'the node runs as root',
      files: serviceHost({ signer: units.signer, node: [], nodeConfig: { uid: 0, gid: 0 } }),
      messages: ['crossRead'],
    },
    {
      name: 'malformed TOML owned by the wrong user',
      files: serviceHost({ signer: units.signer, signerConfig: { uid: ALICE, gid: ALICE, content: '[[[\n' } }),
      messages: ['wrongOwner'],
    },
    {
      name: 'DynamicUser signer with a config owned by someone',
      files: serviceHost({
        signer: ['DynamicUser=yes'],
        signerConfig: { uid: ALICE, gid: ALICE },
        passwd: passwdWithout('stacks-signer'),
      }),
      messages: ['wrongOwner'],
    },
  ],
  notApplicable: [
    { name: 'nothing found', files: {} },
    {
      name: 'the unit names a config that does not exist',
      files: {
        'etc/passwd': 'root:x:0:0::/root:/bin/sh\n',
        'etc/systemd/system/stacks-signer.service': signerUnit(['User=root']).replace(
          '/etc/stacks/signer/signer-config.toml',
          '/srv/none.toml',
        ),
      },
      messages: ['noConfig'],
    },
  ],
  notEvaluable: [{ name: 'config only, offline, no unit', files: signerHost(), messages: ['unknownUser'] }],
});
