import check from '../../../src/checks/identity/separate-service-users.js';
import { runCheckCases } from '../../support/check-tester.js';
import { GROUP, PASSWD } from '../../support/hosts.js';
import { composeSigner, passwdWithout, serviceHost } from '../../support/service-hosts.js';

/** The node user's primary group is the signer's group. */
const SHARED_GROUP_PASSWD = PASSWD.replace('stacks-node:x:991:991:', 'stacks-node:x:991:990:');

const nodeContainer = [
  '  node:',
  '    image: ghcr.io/stacks-network/stacks-core:4.0.2',
  '    command: ["stacks-node", "start", "--config", "/node.toml"]',
].join('\n');

runCheckCases(check, {
  pass: [
    {
      name: 'own users and groups',
      files: serviceHost({ signer: ['User=stacks-signer'], node: ['User=stacks-node'] }),
      messages: ['separateWithGroups'],
    },
    {
      name: 'DynamicUser signer',
      files: serviceHost({
        signer: ['DynamicUser=yes'],
        node: ['User=stacks-node'],
        passwd: passwdWithout('stacks-signer'),
      }),
      messages: ['separate'],
    },
    {
      name: 'two unnamed DynamicUser units',
      files: serviceHost({
        signer: ['DynamicUser=yes'],
        node: ['DynamicUser=yes'],
        passwd: passwdWithout('stacks-signer', 'stacks-node'),
      }),
      messages: ['separate'],
    },
    {
      name: 'Group= gives the node its own group back',
      files: serviceHost({
        signer: ['User=stacks-signer'],
        node: ['User=stacks-node', 'Group=stacks-node'],
        passwd: SHARED_GROUP_PASSWD,
      }),
      messages: ['separateWithGroups'],
    },
  ],
  fail: [
    {
      name: 'both as stacks-signer',
      files: serviceHost({ signer: ['User=stacks-signer'], node: ['User=stacks-signer'] }),
      messages: ['sameUser'],
    },
    { name: 'both as root', files: serviceHost({ signer: [], node: ['User=root'] }), messages: ['sameUser'] },
    {
      name: 'same uid under two names',
      files: serviceHost({
        signer: ['User=stacks-signer'],
        node: ['User=node2'],
        passwd: `${PASSWD}node2:x:990:991::/var/lib/node2:/usr/sbin/nologin\n`,
      }),
      messages: ['sameUser'],
    },
    {
      name: 'shared primary group',
      files: serviceHost({ signer: ['User=stacks-signer'], node: ['User=stacks-node'], passwd: SHARED_GROUP_PASSWD }),
      messages: ['sharedGroup'],
    },
    {
      name: 'Group= puts the node in the signer group',
      files: serviceHost({ signer: ['User=stacks-signer'], node: ['User=stacks-node', 'Group=stacks-signer'] }),
      messages: ['sharedGroup'],
    },
    {
      name: 'DynamicUser units sharing a User= name',
      files: serviceHost({ signer: ['DynamicUser=yes', 'User=stacks'], node: ['DynamicUser=yes', 'User=stacks'] }),
      messages: ['sameUser'],
    },
    {
      name: 'compose signer and node both without user:',
      files: { ...composeSigner(undefined, nodeContainer), 'etc/group': GROUP },
      messages: ['sameUser'],
    },
  ],
  notApplicable: [
    { name: 'no node', files: serviceHost({ signer: ['User=stacks-signer'] }) },
    { name: 'nothing at all', files: {} },
  ],
  notEvaluable: [
    {
      name: 'node user unknown offline',
      files: serviceHost({ signer: ['User=stacks-signer'], nodeConfig: {} }),
      messages: ['unknown'],
    },
  ],
});
