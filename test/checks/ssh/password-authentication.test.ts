import assert from 'node:assert/strict';
import check from '../../../src/checks/ssh/password-authentication.js';
import { runCheckCases } from '../../support/check-tester.js';

const KEY_ONLY = 'PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n';
const DEBIAN_DEFAULT =
  'Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\nX11Forwarding yes\n';

runCheckCases(check, {
  pass: [
    { name: 'explicit key-only', files: { 'etc/ssh/sshd_config': KEY_ONLY }, messages: ['keyOnly'] },
    {
      name: 'drop-in read first through Include',
      files: {
        'etc/ssh/sshd_config': DEBIAN_DEFAULT,
        'etc/ssh/sshd_config.d/10-signer.conf': 'passwordauthentication=no\nPubkeyAuthentication yes\n',
      },
      messages: ['keyOnly'],
      verify: ({ result }) =>
        assert.ok(
          result.evidence.some((item) => item.file === '/etc/ssh/sshd_config.d/10-signer.conf' && item.line === 1),
        ),
    },
    {
      name: 'alias ChallengeResponseAuthentication',
      files: { 'etc/ssh/sshd_config': 'PasswordAuthentication no\nChallengeResponseAuthentication no\n' },
    },
    {
      name: 'AuthenticationMethods requires a key first',
      files: { 'etc/ssh/sshd_config': 'AuthenticationMethods publickey,password\n' },
      messages: ['methodsForceKeys'],
    },
  ],
  fail: [
    {
      name: 'Debian default (passwords on by default)',
      files: { 'etc/ssh/sshd_config': DEBIAN_DEFAULT },
      messages: ['wrong'],
    },
    {
      name: 'first value wins: a later "no" does not count',
      files: {
        'etc/ssh/sshd_config':
          'PasswordAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n',
      },
      messages: ['wrong'],
    },
    {
      name: 'drop-in turns passwords back on before the main file says no',
      files: {
        'etc/ssh/sshd_config': `Include /etc/ssh/sshd_config.d/*.conf\n${KEY_ONLY}`,
        'etc/ssh/sshd_config.d/50-cloud-init.conf': 'PasswordAuthentication yes\n',
      },
      messages: ['wrong'],
    },
    {
      name: 'keys disabled',
      files: {
        'etc/ssh/sshd_config': 'PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication no\n',
      },
    },
  ],
  warn: [
    {
      name: 'Match block re-enables passwords for an address range',
      files: { 'etc/ssh/sshd_config': `${KEY_ONLY}Match Address 10.0.0.0/8\n  PasswordAuthentication yes\n` },
      messages: ['relaxedInMatch'],
    },
  ],
  notApplicable: [{ name: 'no sshd', files: { 'etc/passwd': 'root:x:0:0::/root:/bin/sh\n' } }],
});
