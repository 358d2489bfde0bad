import check from '../../../src/checks/topology/observer-endpoint-trusted.js';
import { runCheckCases } from '../../support/check-tester.js';
import { BASE_USERS, nodeHost, nodeToml, serviceUnit } from '../../support/hosts.js';

runCheckCases(check, {
  pass: [
    { name: 'loopback observer', files: nodeHost(), messages: ['trusted'] },
    {
      name: 'private observers',
      files: nodeHost({ observers: ['10.0.0.5:30000', '[fd12::5]:30000'] }),
      messages: ['trusted'],
    },
    { name: 'no observer', files: nodeHost({ observers: [] }), messages: ['none'] },
    {
      name: 'name mapped in etc/hosts',
      files: nodeHost({ observers: ['signer:30000'] }, { 'etc/hosts': '10.1.2.3 signer\n' }),
      messages: ['trusted'],
    },
    {
      name: 'empty STACKS_EVENT_OBSERVER is ignored',
      files: nodeHost({}, serviceUnit('node', ['Environment=STACKS_EVENT_OBSERVER='])),
      messages: ['trusted'],
    },
  ],
  fail: [
    {
      name: 'public observer',
      files: nodeHost({ observers: ['127.0.0.1:30000', '203.0.113.50:3700'] }),
      messages: ['public'],
    },
    {
      name: 'STACKS_EVENT_OBSERVER to a public address',
      files: nodeHost({}, serviceUnit('node', ['Environment="STACKS_EVENT_OBSERVER=198.51.100.1:3700"'])),
      messages: ['environmentPublic'],
    },
  ],
  warn: [
    { name: 'unmapped name', files: nodeHost({ observers: ['events.example:3700'] }), messages: ['doubtful'] },
    {
      name: 'malformed endpoint',
      files: nodeHost({ observers: ['http://127.0.0.1:30000/path'] }),
      messages: ['malformed'],
    },
    {
      name: 'STACKS_EVENT_OBSERVER in unit Environment=',
      files: nodeHost({}, serviceUnit('node', ['Environment=RUST_LOG=info STACKS_EVENT_OBSERVER=127.0.0.1:3700'])),
      messages: ['environment'],
      verify: ({ result }) => {
        if (
          !result.evidence.some((item) => item.file === '/etc/systemd/system/stacks-node.service' && item.line === 7)
        ) {
          throw new Error(`unit line missing: ${JSON.stringify(result.evidence)}`);
        }
      },
    },
    {
      name: 'STACKS_EVENT_OBSERVER in an EnvironmentFile',
      files: nodeHost(
        {},
        {
          ...serviceUnit('node', ['EnvironmentFile=-/etc/default/stacks-node']),
          'etc/default/stacks-node': { content: '# node env\nSTACKS_EVENT_OBSERVER="10.0.0.9:3700"\n', mode: 0o600 },
        },
      ),
      messages: ['environment'],
    },
    {
      name: 'STACKS_EVENT_OBSERVER in the node container environment',
      files: {
        ...BASE_USERS,
        'opt/stacks/docker-compose.yml': [
          'services:',
          '  node:',
          '    image: ghcr.io/stacks-network/stacks-core:4.0.2',
          '    command: ["stacks-node", "start", "--config", "/config/node.toml"]',
          '    environment:',
          '      STACKS_EVENT_OBSERVER: "10.0.0.9:3700"',
          '    volumes:',
          '      - ./node.toml:/config/node.toml:ro',
          '',
        ].join('\n'),
        'opt/stacks/node.toml': { content: nodeToml(), mode: 0o600 },
      },
      messages: ['environment'],
    },
  ],
  notApplicable: [{ name: 'no node', files: BASE_USERS }],
  error: [{ name: 'malformed TOML', files: { 'etc/stacks/node/node-config.toml': '[node\n' } }],
});
