import assert from 'node:assert/strict';
import check from '../../../src/checks/ssh/non-standard-port.js';
import { runCheckCases } from '../../support/check-tester.js';
import {
  SSH_SERVICE_UNIT,
  SSH_SOCKET_UNIT,
  socketActivatedSshFiles,
  sshdOptsPortFiles,
} from '../../support/harden-hosts.js';

runCheckCases(check, {
  pass: [
    { name: 'port 2222', files: { 'etc/ssh/sshd_config': 'Port 2222\n' }, messages: ['moved'] },
    {
      name: 'port from a drop-in',
      files: {
        'etc/ssh/sshd_config': 'Include sshd_config.d/*.conf\n',
        'etc/ssh/sshd_config.d/port.conf': 'Port 40022\n',
      },
      messages: ['moved'],
    },
    {
      name: 'socket activation on 2222: sshd_config Port 22 is not listened on',
      files: { 'etc/ssh/sshd_config': 'PermitRootLogin no\n', ...socketActivatedSshFiles() },
      messages: ['moved'],
      verify: ({ result }) => {
        assert.equal(result.message, 'sshd is configured for port 2222.');
        assert.ok(result.evidence.some((item) => item.file === '/etc/systemd/system/ssh.socket.d/listen.conf'));
      },
    },
    {
      name: '-p 2200 in SSHD_OPTS replaces Port 22 (sshd(8))',
      files: { ...sshdOptsPortFiles(), 'etc/ssh/sshd_config': 'Port 22\n' },
      messages: ['moved'],
      verify: ({ result }) => assert.equal(result.message, 'sshd is configured for port 2200.'),
    },
  ],
  fail: [
    {
      name: '-p 22 in SSHD_OPTS overrides Port 2222',
      files: { ...sshdOptsPortFiles(), 'etc/default/ssh': 'SSHD_OPTS="-p 22"\n' },
      messages: ['standard'],
    },
    {
      name: 'ssh.socket installed but not enabled: sshd_config Port 22 is what listens',
      files: {
        'etc/ssh/sshd_config': 'PermitRootLogin no\n',
        'usr/lib/systemd/system/ssh.service': SSH_SERVICE_UNIT,
        'usr/lib/systemd/system/ssh.socket': SSH_SOCKET_UNIT.replace('ListenStream=22', 'ListenStream=2222'),
      },
      messages: ['standard'],
    },
    { name: 'default 22', files: { 'etc/ssh/sshd_config': 'PermitRootLogin no\n' }, messages: ['standard'] },
    {
      name: '22 among several ports',
      files: { 'etc/ssh/sshd_config': 'Port 2222\nPort 22\n' },
      messages: ['standard'],
    },
  ],
  notApplicable: [{ name: 'no sshd', files: {} }],
});
