import check from '../../../src/checks/topology/colocation.js';
import { runCheckCases } from '../../support/check-tester.js';
import { composeHost, nodeConfigFile, signerHost } from '../../support/hosts.js';

runCheckCases(check, {
  pass: [
    {
      name: 'colocated through loopback node_host',
      files: signerHost(),
      messages: ['colocated'],
      verify: ({ result }) => {
        if (result.data?.colocated !== true) throw new Error('data.colocated should be true');
      },
    },
    {
      name: 'node found on the target, node_host private',
      files: signerHost({ node_host: '10.0.0.2:20443' }, nodeConfigFile()),
      messages: ['colocated'],
    },
    {
      name: 'separate hosts',
      files: signerHost({ node_host: '10.0.0.2:20443', endpoint: '10.0.0.3:30000' }),
      messages: ['separate'],
      verify: ({ result }) => {
        if (result.data?.colocated !== false) throw new Error('data.colocated should be false');
      },
    },
    {
      name: 'containers of one compose project, wildcard endpoint inside the container',
      files: composeHost({ endpoint: '0.0.0.0:30000', node_host: 'node:20443' }, [], true),
      messages: ['colocated'],
    },
  ],
  warn: [
    {
      name: 'colocated with a wildcard endpoint',
      files: signerHost({ endpoint: '0.0.0.0:30000' }),
      messages: ['colocatedWideEndpoint'],
    },
    {
      name: 'colocated with a private endpoint',
      files: signerHost({ node_host: '10.0.0.2:20443', endpoint: '10.0.0.3:30000' }, nodeConfigFile()),
      messages: ['colocatedWideEndpoint'],
    },
  ],
  notApplicable: [{ name: 'no signer', files: {} }],
  error: [{ name: 'malformed TOML', files: { 'etc/stacks/signer/signer-config.toml': 'x = = 1\n' } }],
});
