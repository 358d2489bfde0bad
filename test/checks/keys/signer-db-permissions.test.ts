import check from '../../../src/checks/keys/signer-db-permissions.js';
import { runCheckCases } from '../../support/check-tester.js';
import { BASE_USERS, SIGNER_CONFIG_PATH, serviceUnit, signerHost, signerToml } from '../../support/hosts.js';
import type { FileSpec } from '../../support/materialise.js';

const DB = 'var/lib/stacks-signer/signer.sqlite';

function withDatabase(dirMode: number, fileMode?: number, extra: FileSpec = {}): FileSpec {
  return signerHost(
    {},
    {
      'var/lib/stacks-signer': { dir: true, mode: dirMode, uid: 990, gid: 990 },
      ...(fileMode === undefined
        ? {}
        : { [DB]: { content: 'SQLite format 3\u0000', mode: fileMode, uid: 990, gid: 990 } }),
      ...extra,
    },
  );
}

const signerCompose = (dbPath: string, volumes: string[]): FileSpec => ({
  ...BASE_USERS,
  'opt/signer/compose.yml': [
    'services:',
    '  signer:',
    '    image: ghcr.io/stacks-network/stacks-signer:4.0.2',
    '    volumes:',
    '      - ./signer.toml:/signer-config.toml:ro',
    ...volumes.map((volume) => `      - ${volume}`),
    '',
  ].join('\n'),
  'opt/signer/signer.toml': { content: signerToml({ db_path: dbPath }), mode: 0o600, uid: 990, gid: 990 },
  'opt/signer/data': { dir: true, mode: 0o700, uid: 990, gid: 990 },
  'opt/signer/data/signer.sqlite': { content: 'db', mode: 0o600, uid: 990, gid: 990 },
});

runCheckCases(check, {
  pass: [
    {
      name: '0600 file in a 0700 directory',
      files: withDatabase(0o700, 0o600),
      messages: ['fileClosed', 'directoryClosed'],
    },
    { name: 'in memory', files: signerHost({ db_path: ':memory:' }), messages: ['memory'] },
    {
      name: 'not created yet, closed directory',
      files: withDatabase(0o700),
      messages: ['notCreated', 'directoryClosed'],
    },
    {
      name: 'not created yet, searchable directory, unit UMask=0077',
      files: withDatabase(0o711, undefined, serviceUnit('signer', ['UMask=0077'])),
      messages: ['notCreated'],
    },
    {
      name: 'relative path from WorkingDirectory',
      files: {
        ...withDatabase(0o700, 0o600, serviceUnit('signer', ['WorkingDirectory=/var/lib/stacks-signer'])),
        [SIGNER_CONFIG_PATH]: { content: signerToml({ db_path: 'signer.sqlite' }), mode: 0o600, uid: 990, gid: 990 },
      },
      messages: ['fileClosed'],
    },
    {
      name: 'container path through a bind mount',
      files: signerCompose('/data/signer.sqlite', ['./data:/data']),
      messages: ['fileClosed'],
    },
  ],
  fail: [
    { name: 'database readable by others', files: withDatabase(0o700, 0o644), messages: ['fileOpen'] },
    {
      name: 'WAL file readable by others',
      files: withDatabase(0o700, 0o600, { [`${DB}-wal`]: { content: '', mode: 0o644, uid: 990, gid: 990 } }),
      messages: ['fileOpen'],
    },
    { name: 'directory listable by others', files: withDatabase(0o755, 0o600), messages: ['directoryOpen'] },
    { name: 'directory writable by others', files: withDatabase(0o1777, 0o600), messages: ['directoryOpen'] },
  ],
  warn: [
    {
      name: 'not created yet, would be created readable',
      files: withDatabase(0o711),
      messages: ['futureFileReadable'],
    },
    {
      name: 'directory missing',
      files: signerHost({ db_path: '/srv/nowhere/signer.sqlite' }),
      messages: ['directoryMissing'],
    },
  ],
  notApplicable: [
    { name: 'no signer', files: BASE_USERS },
    { name: 'db_path unset', files: signerHost({ db_path: undefined }), messages: ['unset'] },
  ],
  notEvaluable: [
    {
      name: 'inside the container filesystem',
      files: signerCompose('/var/lib/signer/signer.sqlite', []),
      messages: ['insideContainer'],
    },
  ],
  error: [
    { name: 'malformed TOML', files: { [SIGNER_CONFIG_PATH]: 'db_path = "x\n' } },
    {
      name: 'db_path not a string',
      files: { ...BASE_USERS, [SIGNER_CONFIG_PATH]: `${signerToml({ db_path: undefined })}db_path = 7\n` },
    },
  ],
});
