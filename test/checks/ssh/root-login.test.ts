import check from '../../../src/checks/ssh/root-login.js';
import { runCheckCases } from '../../support/check-tester.js';

runCheckCases(check, {
  pass: [
    { name: 'no', files: { 'etc/ssh/sshd_config': 'PermitRootLogin no\n' }, messages: ['refused'] },
    { name: 'keyword case and =', files: { 'etc/ssh/sshd_config': 'permitrootlogin=NO\n' }, messages: ['refused'] },
  ],
  fail: [
    { name: 'yes', files: { 'etc/ssh/sshd_config': 'PermitRootLogin yes\n' }, messages: ['allowed'] },
    {
      name: 'Match User root overrides the global no',
      files: { 'etc/ssh/sshd_config': 'PermitRootLogin no\nMatch User root\n  PermitRootLogin yes\n' },
      messages: ['allowed'],
    },
  ],
  warn: [
    { name: 'default prohibit-password', files: { 'etc/ssh/sshd_config': '# defaults\n' }, messages: ['keyOnly'] },
    {
      name: 'forced-commands-only',
      files: { 'etc/ssh/sshd_config': 'PermitRootLogin forced-commands-only\n' },
      messages: ['keyOnly'],
    },
    {
      name: 'Match for another address relaxes it',
      files: {
        'etc/ssh/sshd_config':
          'PermitRootLogin no\nMatch Address 192.168.1.0/24\n  PermitRootLogin prohibit-password\n',
      },
      messages: ['relaxedInMatch'],
    },
  ],
  notApplicable: [{ name: 'no sshd', files: {} }],
});
