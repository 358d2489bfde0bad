import check from '../../../src/checks/keys/node-config-permissions.js';
import { runCheckCases } from '../../support/check-tester.js';
import { BASE_USERS, NODE_CONFIG_PATH, nodeHost, nodeToml, serviceUnit } from '../../support/hosts.js';

const config = (mode: number, uid = 991, gid = 991) => ({
  [NODE_CONFIG_PATH]: { content: nodeToml(), mode, uid, gid },
});

runCheckCases(check, {
  pass: [
    { name: '0600 owned by the node user', files: nodeHost(), messages: ['private', 'directoriesSafe'] },
    {
      name: 'malformed config, 0600',
      files: { ...BASE_USERS, [NODE_CONFIG_PATH]: { content: '[node\n', mode: 0o600, uid: 991, gid: 991 } },
      messages: ['private'],
    },
  ],
  warn: [
    {
      name: '0640 with the node group',
      files: { ...BASE_USERS, ...config(0o640, 0, 991), ...serviceUnit('node') },
      messages: ['ownGroupRead'],
    },
  ],
  fail: [
    { name: '0644 (the docs default umask)', files: { ...BASE_USERS, ...config(0o644) }, messages: ['others'] },
    {
      name: '0640 readable by the signer group',
      files: { ...BASE_USERS, ...config(0o640, 991, 990), ...serviceUnit('node') },
      messages: ['foreignGroupRead'],
    },
    {
      name: 'world-writable parent directory',
      files: { ...nodeHost(), 'etc/stacks/node': { dir: true, mode: 0o777 } },
      messages: ['directoryWritable'],
    },
  ],
  notApplicable: [{ name: 'no node', files: BASE_USERS }],
});
