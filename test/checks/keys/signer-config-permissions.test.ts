import check from '../../../src/checks/keys/signer-config-permissions.js';
import { runCheckCases } from '../../support/check-tester.js';
import { BASE_USERS, SIGNER_CONFIG_PATH, serviceUnit, signerHost, signerToml } from '../../support/hosts.js';

const config = (mode: number, uid = 990, gid = 990) => ({
  [SIGNER_CONFIG_PATH]: { content: signerToml(), mode, uid, gid },
});

runCheckCases(check, {
  pass: [
    { name: '0600 owned by the signer', files: signerHost(), messages: ['private', 'directoriesSafe'] },
    { name: '0400 owned by root', files: { ...BASE_USERS, ...config(0o400, 0, 0) }, messages: ['private'] },
    {
      name: 'malformed config is still judged by its metadata',
      files: {
        ...BASE_USERS,
        [SIGNER_CONFIG_PATH]: { content: 'node_host = "unterminated\n', mode: 0o600, uid: 990, gid: 990 },
      },
      messages: ['private'],
    },
    {
      name: '0640 root:root, group root has no members',
      files: { ...BASE_USERS, ...config(0o640, 0, 0) },
      messages: ['private'],
    },
    {
      name: 'signer-owned 0700 directory',
      files: { ...signerHost(), 'etc/stacks/signer': { dir: true, mode: 0o700, uid: 990, gid: 990 } },
      messages: ['directoriesSafe'],
    },
  ],
  warn: [
    {
      name: '0640 with the signer unit user group',
      files: { ...BASE_USERS, ...config(0o640, 0, 990), ...serviceUnit('signer') },
      messages: ['ownGroupRead'],
    },
    {
      name: '0640 with the owner group, no unit',
      files: { ...BASE_USERS, ...config(0o640) },
      messages: ['ownGroupRead'],
    },
    {
      name: 'directory owned by another user',
      files: { ...signerHost(), 'etc/stacks/signer': { dir: true, mode: 0o755, uid: 1000, gid: 1000 } },
      messages: ['directoryOwner'],
    },
  ],
  fail: [
    {
      name: '0640 root:root when another account has root as its primary group',
      files: {
        ...config(0o640, 0, 0),
        ...serviceUnit('signer'),
        'etc/passwd': `${BASE_USERS['etc/passwd'] as string}backup-agent:x:1500:0::/var/lib/backup:/usr/sbin/nologin\n`,
        'etc/group': BASE_USERS['etc/group'] as string,
      },
      messages: ['foreignGroupRead'],
    },
    { name: '0644 readable by everyone', files: { ...BASE_USERS, ...config(0o644) }, messages: ['others'] },
    { name: '0660 group writable', files: { ...BASE_USERS, ...config(0o660) }, messages: ['groupWrite'] },
    {
      name: '0640 group adm',
      files: { ...BASE_USERS, ...config(0o640, 990, 4), ...serviceUnit('signer') },
      messages: ['foreignGroupRead'],
    },
    {
      name: '0640 group of the node',
      files: { ...BASE_USERS, ...config(0o640, 0, 991), ...serviceUnit('signer') },
      messages: ['foreignGroupRead'],
    },
    {
      name: 'group-writable parent directory',
      files: { ...signerHost(), 'etc/stacks': { dir: true, mode: 0o775, uid: 0, gid: 1000 } },
      messages: ['directoryWritable'],
    },
    {
      name: 'config in sticky /tmp',
      files: {
        ...BASE_USERS,
        tmp: { dir: true, mode: 0o1777 },
        'tmp/signer.toml': { content: signerToml(), mode: 0o600, uid: 990, gid: 990 },
      },
      options: { signerConfig: '/tmp/signer.toml' },
      messages: ['directoryWritable'],
    },
    {
      name: 'symlinked config whose real directory is world-writable',
      files: {
        ...BASE_USERS,
        [SIGNER_CONFIG_PATH]: { symlink: '/srv/shared/signer.toml' },
        'srv/shared': { dir: true, mode: 0o777 },
        'srv/shared/signer.toml': { content: signerToml(), mode: 0o600, uid: 990, gid: 990 },
      },
      messages: ['directoryWritable'],
    },
  ],
  notApplicable: [
    { name: 'no signer', files: BASE_USERS },
    {
      name: 'config missing',
      files: BASE_USERS,
      options: { signerConfig: '/etc/stacks/signer/absent.toml' },
      messages: ['missing'],
    },
  ],
});
