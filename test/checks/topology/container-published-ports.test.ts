import assert from 'node:assert/strict';
import check from '../../../src/checks/topology/container-published-ports.js';
import { runCheckCases } from '../../support/check-tester.js';
import { composedEngineHost, engineStateHost, signerComposeFile } from '../../support/docker-hosts.js';
import { composeHost, signerHost } from '../../support/hosts.js';

const ports = (...entries: string[]) => ['    ports:', ...entries.map((entry) => `      - ${entry}`)];
const CONTAINER_SIGNER = { endpoint: '0.0.0.0:30000', metrics_endpoint: '0.0.0.0:9154' };

/** A node container (rpc_bind unset: it binds 0.0.0.0:20443 inside) publishing `portsList`. */
function nodeCompose(portsList: string) {
  return {
    ...composeHost(CONTAINER_SIGNER, [], true),
    'opt/stacks/compose.yaml': [
      'services:',
      '  node:',
      '    image: blockstack/stacks-core:3.1.0.0.13',
      '    command: ["stacks-node", "start", "--config", "/node.toml"]',
      `    ports: ${portsList}`,
      '    volumes:',
      '      - ./node.toml:/node.toml:ro',
      '',
    ].join('\n'),
  };
}

/** nftables with an input chain that drops everything but SSH: it does not close Docker-published ports. */
const CLOSED_INPUT = {
  'etc/nftables.conf': [
    'table inet filter {',
    '  chain input {',
    '    type filter hook input priority 0; policy drop;',
    '    ct state established,related accept',
    '    iif lo accept',
    '    tcp dport 22 accept',
    '  }',
    '}',
    '',
  ].join('\n'),
};

runCheckCases(check, {
  pass: [
    {
      name: 'published on loopback only',
      files: composeHost(CONTAINER_SIGNER, ports('"127.0.0.1:30000:30000"', '"[::1]:9154:9154"')),
      messages: ['publishedLocal'],
    },
    { name: 'nothing published', files: composeHost(CONTAINER_SIGNER), messages: ['notPublished'] },
    {
      name: 'node: P2P published to all, RPC on loopback',
      files: nodeCompose('["20444:20444", "127.0.0.1:20443:20443"]'),
      messages: ['publishedLocal'],
    },
    {
      name: 'host network with loopback binds',
      files: composeHost({ endpoint: '127.0.0.1:30000', metrics_endpoint: '127.0.0.1:9154' }, [
        '    network_mode: host',
      ]),
      messages: ['hostNetworkLocal'],
    },
    {
      name: 'engine state: published on 127.0.0.1',
      files: engineStateHost({ portBindings: { '30000/tcp': [{ HostIp: '127.0.0.1', HostPort: '30000' }] } }),
      messages: ['publishedLocal'],
    },
  ],
  fail: [
    {
      name: '30000:30000 publishes the endpoint on all interfaces',
      files: composeHost(CONTAINER_SIGNER, ports('"30000:30000"')),
      messages: ['published'],
      verify: ({ result }) => {
        assert.match(result.message, /all interfaces/);
        assert.match(result.message, /before the host firewall/);
        assert.ok(result.evidence.some((item) => item.file === '/opt/stacks/compose.yaml' && item.line === 4));
      },
    },
    {
      name: 'a closed INPUT chain does not close a published port',
      files: { ...composeHost(CONTAINER_SIGNER, ports('"30000:30000"')), ...CLOSED_INPUT },
      messages: ['published'],
    },
    {
      name: 'the endpoint port from the config, not the convention',
      files: composeHost({ endpoint: '0.0.0.0:31000' }, ports('"31000:31000"', '"127.0.0.1:30000:30000"')),
      messages: ['published'],
    },
    { name: 'a bare container port', files: composeHost(CONTAINER_SIGNER, ports('"9154"')), messages: ['published'] },
    { name: 'v6 wildcard', files: composeHost(CONTAINER_SIGNER, ports('"[::]:30000:30000"')), messages: ['published'] },
    {
      name: 'a range covering the endpoint',
      files: composeHost(CONTAINER_SIGNER, ports('"29990-30010:29990-30010"')),
      messages: ['published'],
    },
    {
      name: 'long form without host_ip',
      files: composeHost(CONTAINER_SIGNER, ['    ports:', '      - target: 30000', '        published: "30000"']),
      messages: ['published'],
    },
    {
      name: 'the node RPC published (rpc_bind unset: 20443)',
      files: nodeCompose('["20443:20443", "20444:20444"]'),
      messages: ['published'],
      verify: ({ result }) => assert.match(result.message, /node RPC/),
    },
    {
      name: 'host network with a wildcard endpoint',
      files: composeHost(CONTAINER_SIGNER, ['    network_mode: host']),
      messages: ['hostNetwork'],
    },
    {
      name: 'engine state: PortBindings with an empty HostIp',
      files: engineStateHost({ portBindings: { '30000/tcp': [{ HostIp: '', HostPort: '30000' }] } }),
      messages: ['published'],
      verify: ({ result }) =>
        assert.ok(result.evidence.some((item) => item.file?.endsWith('/config.v2.json') && /30000/.test(item.detail))),
    },
    {
      name: 'an override publishes the endpoint on all interfaces; the engine record agrees (review repro /tmp/review-net/dk)',
      files: composedEngineHost({
        compose: signerComposeFile(['    ports: ["127.0.0.1:30000:30000"]']),
        override: 'services:\n  signer:\n    ports:\n      - "30001:30000"\n',
        engine: { portBindings: { '30000/tcp': [{ HostIp: '', HostPort: '30001' }] } },
      }),
      messages: ['published'],
      verify: ({ result, items }) => {
        assert.ok(items.some((item) => item.status === 'pass' && item.messageId === 'publishedLocal'));
        const failed = items.filter((item) => item.status === 'fail').map((item) => item.message);
        assert.ok(
          failed.some((message) => /compose service signer .*\(30001:30000\)/.test(message)),
          failed.join('\n'),
        );
        assert.ok(
          failed.some((message) => /container stacks-signer-1 .*30001:30000\/tcp/.test(message)),
          failed.join('\n'),
        );
        // Each finding names its source: the override's ports line, and the engine's record.
        assert.ok(
          result.evidence.some(
            (item) =>
              item.file === '/opt/stacks/compose.override.yaml' && item.line === 3 && /30001:30000/.test(item.detail),
          ),
          JSON.stringify(result.evidence),
        );
        assert.ok(result.evidence.some((item) => item.file?.endsWith('/config.v2.json') && /30001/.test(item.detail)));
      },
    },
    {
      name: 'the compose file was fixed but the container never recreated: the running record still publishes',
      files: composedEngineHost({
        compose: signerComposeFile(['    ports: ["127.0.0.1:30000:30000"]']),
        engine: { portBindings: { '30000/tcp': [{ HostIp: '0.0.0.0', HostPort: '30000' }] } },
      }),
      messages: ['published'],
      verify: ({ result, items }) => {
        assert.ok(items.some((item) => item.status === 'pass' && /compose service signer/.test(item.message)));
        assert.ok(result.evidence.some((item) => item.file?.endsWith('/config.v2.json')));
      },
    },
  ],
  notApplicable: [
    { name: 'no container', files: signerHost() },
    {
      name: 'a compose file without Stacks images',
      files: { 'opt/web/compose.yaml': 'services:\n  web:\n    image: nginx\n    ports: ["80:80"]\n' },
    },
  ],
});
