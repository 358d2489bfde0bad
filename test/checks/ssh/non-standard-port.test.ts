import check from '../../../src/checks/ssh/non-standard-port.js';
import { runCheckCases } from '../../support/check-tester.js';

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
  ],
  fail: [
    { name: 'default 22', files: { 'etc/ssh/sshd_config': 'PermitRootLogin no\n' }, messages: ['standard'] },
    {
      name: '22 among several ports',
      files: { 'etc/ssh/sshd_config': 'Port 2222\nPort 22\n' },
      messages: ['standard'],
    },
  ],
  notApplicable: [{ name: 'no sshd', files: {} }],
});
