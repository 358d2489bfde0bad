import check from '../../../src/checks/topology/node-host-trusted.js';
import { runCheckCases } from '../../support/check-tester.js';
import { signerHost } from '../../support/hosts.js';

const hosts = (text: string) => ({ 'etc/hosts': text });

runCheckCases(check, {
  pass: [
    { name: 'loopback', files: signerHost({ node_host: '127.0.0.1:20443' }), messages: ['trusted'] },
    { name: 'localhost', files: signerHost({ node_host: 'localhost:20443' }), messages: ['trusted'] },
    { name: 'private v4', files: signerHost({ node_host: '10.0.0.7:20443' }), messages: ['trusted'] },
    { name: 'CGNAT overlay', files: signerHost({ node_host: '100.101.102.103:20443' }), messages: ['trusted'] },
    { name: 'ULA v6', files: signerHost({ node_host: '[fd00::7]:20443' }), messages: ['trusted'] },
    {
      name: 'name mapped privately in etc/hosts',
      files: signerHost(
        { node_host: 'stacks-node:20443' },
        hosts('127.0.0.1 localhost\n192.168.1.20 stacks-node node\n'),
      ),
      messages: ['trusted'],
      verify: ({ result }) => {
        if (!result.evidence.some((item) => item.file === '/etc/hosts' && item.line === 2))
          throw new Error('etc/hosts line missing');
      },
    },
  ],
  fail: [
    { name: 'public address', files: signerHost({ node_host: '203.0.113.9:20443' }), messages: ['public'] },
    { name: 'public v6', files: signerHost({ node_host: '[2001:db8::1]:20443' }), messages: ['public'] },
    {
      name: 'name mapped to a public address',
      files: signerHost({ node_host: 'node.example:20443' }, hosts('198.51.100.4 node.example\n')),
      messages: ['public'],
    },
    {
      name: 'name mapped to private and public addresses',
      files: signerHost({ node_host: 'node:20443' }, hosts('10.0.0.2 node\n198.51.100.4 node\n')),
      messages: ['public'],
    },
    { name: 'missing', files: signerHost({ node_host: undefined }), messages: ['missing'] },
    { name: 'malformed', files: signerHost({ node_host: 'node:port' }), messages: ['malformed'] },
  ],
  warn: [
    { name: 'unmapped name', files: signerHost({ node_host: 'node.example:20443' }), messages: ['unmapped'] },
    { name: 'wildcard as destination', files: signerHost({ node_host: '0.0.0.0:20443' }), messages: ['wildcard'] },
  ],
  notApplicable: [{ name: 'no signer', files: {} }],
  error: [{ name: 'malformed TOML', files: { 'etc/stacks/signer/signer-config.toml': 'node_host = "unterminated\n' } }],
});
