import check from '../../../src/checks/topology/metrics-endpoint-local.js';
import { runCheckCases } from '../../support/check-tester.js';
import { composeHost, signerHost } from '../../support/hosts.js';

runCheckCases(check, {
  pass: [
    { name: 'unset', files: signerHost({ metrics_endpoint: undefined }), messages: ['unset'] },
    { name: 'loopback', files: signerHost({ metrics_endpoint: '127.0.0.1:9154' }), messages: ['trusted'] },
    { name: 'private address', files: signerHost({ metrics_endpoint: '10.0.0.5:9154' }), messages: ['trusted'] },
  ],
  fail: [
    { name: 'wildcard', files: signerHost({ metrics_endpoint: '0.0.0.0:9090' }), messages: ['exposed'] },
    { name: 'v6 wildcard', files: signerHost({ metrics_endpoint: '[::]:9090' }), messages: ['exposed'] },
    { name: 'public', files: signerHost({ metrics_endpoint: '203.0.113.7:9090' }), messages: ['exposed'] },
    {
      name: 'wildcard in a container on the host network',
      files: composeHost({ metrics_endpoint: '0.0.0.0:9154' }, ['    network_mode: host']),
      messages: ['exposed'],
    },
    { name: 'malformed', files: signerHost({ metrics_endpoint: 'localhost:notaport' }), messages: ['malformed'] },
  ],
  warn: [
    { name: 'host name', files: signerHost({ metrics_endpoint: 'metrics.example:9090' }), messages: ['named'] },
    {
      name: 'wildcard inside a compose container, port not published',
      files: composeHost({ metrics_endpoint: '0.0.0.0:9154' }),
      messages: ['containerWildcard'],
    },
    {
      name: 'wildcard inside a compose container, published on loopback only',
      files: composeHost({ metrics_endpoint: '0.0.0.0:9154' }, ['    ports:', '      - "127.0.0.1:9154:9154"']),
      messages: ['containerWildcard'],
    },
  ],
  notApplicable: [{ name: 'no signer', files: {} }],
  error: [{ name: 'malformed TOML', files: { 'etc/stacks/signer/signer-config.toml': 'endpoint = "unterminated\n' } }],
});
