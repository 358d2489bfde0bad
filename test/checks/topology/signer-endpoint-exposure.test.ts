import assert from 'node:assert/strict';
import check from '../../../src/checks/topology/signer-endpoint-exposure.js';
import type { DetailedResult } from '../../../src/engine/runner.js';
import { runCheckCases } from '../../support/check-tester.js';
import { firewallHost, NFT_REJECTED, NFT_RULESETS, NFTABLES_ENABLED, nftHost } from '../../support/firewall-hosts.js';
import { composeHost, signerHost } from '../../support/hosts.js';

runCheckCases(check, {
  pass: [
    { name: 'loopback', files: signerHost({ endpoint: '127.0.0.1:30000' }), messages: ['trusted'] },
    { name: 'v6 loopback', files: signerHost({ endpoint: '[::1]:30000' }), messages: ['trusted'] },
    { name: 'private', files: signerHost({ endpoint: '172.20.0.3:30000' }), messages: ['trusted'] },
    {
      name: 'name mapped to loopback',
      files: signerHost({ endpoint: 'signer.local:30000' }, { 'etc/hosts': '127.0.1.1 signer.local\n' }),
      messages: ['trusted'],
    },
  ],
  fail: [
    { name: 'wildcard v4', files: signerHost({ endpoint: '0.0.0.0:30000' }), messages: ['exposed'] },
    { name: 'wildcard v6', files: signerHost({ endpoint: '[::]:30000' }), messages: ['exposed'] },
    { name: 'public', files: signerHost({ endpoint: '203.0.113.10:30000' }), messages: ['exposed'] },
    {
      name: 'name mapped to a public address',
      files: signerHost({ endpoint: 'signer:30000' }, { 'etc/hosts': '203.0.113.10 signer\n' }),
      messages: ['exposed'],
    },
    { name: 'missing', files: signerHost({ endpoint: undefined }), messages: ['missing'] },
    {
      name: 'wildcard in a container on the host network',
      files: composeHost({ endpoint: '0.0.0.0:30000', node_host: 'stacks-node:20443' }, ['    network_mode: host']),
      messages: ['exposed'],
    },
    { name: 'malformed', files: signerHost({ endpoint: '127.0.0.1:99999' }), messages: ['malformed'] },
    {
      name: 'wildcard, and the firewall opens the port to the world',
      files: nftHost(NFT_RULESETS.signerToWorld),
      messages: ['exposed'],
      verify: ({ result }) =>
        assert.ok(result.evidence.some((item) => /ipv4 tcp\/30000 open to anyone/.test(item.detail))),
    },
    {
      name: 'wildcard, and the firewall opens the port to the node everywhere but to anyone on eth0',
      files: nftHost(NFT_RULESETS.openOnOneInterface),
      messages: ['exposed'],
      verify: ({ result }) => assert.ok(result.evidence.some((item) => /open to anyone on eth0/.test(item.detail))),
    },
    { name: 'wildcard, firewall default accept', files: nftHost(NFT_RULESETS.defaultAccept), messages: ['exposed'] },
    {
      name: "wildcard, and the firewall opens the port to the node's /24: the message names who",
      files: nftHost(NFT_RULESETS.signerToSubnet),
      messages: ['exposedTo'],
      verify: ({ result }) => {
        assert.match(result.message, /the firewall lets 10\.0\.0\.0\/24 reach port 30000, not only the node/);
        assert.doesNotMatch(result.message, /anyone/);
      },
    },
    ...Object.entries(NFT_REJECTED).map(([name, fixture]) => ({
      name: `wildcard, and the enabled nftables.conf is rejected by nft -f (${name}): not credited`,
      files: firewallHost({ ...fixture.files, ...NFTABLES_ENABLED }),
      messages: ['exposed'],
      verify: ({ result }: DetailedResult) =>
        assert.ok(
          result.evidence.some(
            (item) => item.file === fixture.file && /firewall not credited: .*nothing loads at boot/.test(item.detail),
          ),
        ),
    })),
  ],
  warn: [
    { name: 'unmapped name', files: signerHost({ endpoint: 'signer.example:30000' }), messages: ['unmapped'] },
    {
      name: 'wildcard inside a container network',
      files: composeHost({ endpoint: '0.0.0.0:30000', node_host: 'stacks-node:20443' }),
      messages: ['containerWildcard'],
    },
    {
      name: "wildcard, and the firewall opens the port only to the node's address",
      files: nftHost(NFT_RULESETS.signerToNode),
      messages: ['firewallRestricted'],
      verify: ({ result }) => {
        assert.match(result.message, /only the node \(10\.0\.0\.5\) reach port 30000/);
        assert.ok(result.evidence.some((item) => item.file === '/etc/nftables.conf' && item.line === 10));
      },
    },
    {
      name: 'v4 wildcard, port closed inbound',
      files: nftHost(NFT_RULESETS.dropSshP2p),
      messages: ['firewallClosed'],
      verify: ({ result }) =>
        assert.match(result.message, /but the firewall keeps port 30000 closed to other hosts; bind a private/),
    },
  ],
  notApplicable: [{ name: 'no signer', files: {} }],
  error: [{ name: 'malformed TOML', files: { 'etc/stacks/signer/signer-config.toml': 'endpoint = \n' } }],
});
