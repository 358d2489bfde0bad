import assert from 'node:assert/strict';
import check from '../../../src/checks/topology/node-rpc-exposure.js';
import { runCheckCases } from '../../support/check-tester.js';
import { firewallHost, NFT_REJECTED, NFT_RULESETS, NFTABLES_ENABLED, nftHost } from '../../support/firewall-hosts.js';
import { BASE_USERS, composeHost, nodeConfigFile, nodeHost } from '../../support/hosts.js';

runCheckCases(check, {
  pass: [
    { name: 'loopback binds', files: nodeHost(), messages: ['trusted'] },
    {
      name: 'private rpc, no prometheus',
      files: nodeHost({ node: { rpc_bind: '10.0.0.4:20443', prometheus_bind: undefined } }),
      messages: ['trusted', 'unsetPrometheus'],
    },
  ],
  fail: [
    {
      name: 'rpc_bind unset defaults to all interfaces',
      files: nodeHost({ node: { rpc_bind: undefined } }),
      messages: ['unsetRpc'],
    },
    { name: 'rpc wildcard', files: nodeHost({ node: { rpc_bind: '0.0.0.0:20443' } }), messages: ['exposed'] },
    {
      name: 'rpc wildcard behind an enabled nftables.conf that nft -f rejects (jump to an undefined chain)',
      files: {
        ...firewallHost({ ...NFT_REJECTED.undefinedJump!.files, ...NFTABLES_ENABLED }),
        ...nodeConfigFile({ node: { rpc_bind: '0.0.0.0:20443' } }),
      },
      messages: ['exposed'],
      verify: ({ result }) =>
        assert.ok(
          result.evidence.some(
            (item) =>
              item.file === '/etc/nftables.conf' &&
              item.line === 10 &&
              /firewall not credited: jump to a chain that is not defined in its table: nft -f would reject this file/.test(
                item.detail,
              ),
          ),
          JSON.stringify(result.evidence),
        ),
    },
    {
      name: 'prometheus wildcard (sample config)',
      files: nodeHost({ node: { prometheus_bind: '0.0.0.0:9153' } }),
      messages: ['exposed'],
      verify: ({ items }) => {
        if (!items.some((item) => item.status === 'pass' && item.message.startsWith('rpc_bind')))
          throw new Error('rpc_bind should pass');
      },
    },
    { name: 'public rpc', files: nodeHost({ node: { rpc_bind: '198.51.100.3:20443' } }), messages: ['exposed'] },
    { name: 'malformed', files: nodeHost({ node: { rpc_bind: 'nonsense:' } }), messages: ['malformed'] },
    {
      name: 'rpc wildcard, firewall opens the port to 10.0.0.0/1 (mostly public)',
      files: { ...nftHost(NFT_RULESETS.wideSourceRanges), ...nodeConfigFile({ node: { rpc_bind: '0.0.0.0:20443' } }) },
      messages: ['exposed'],
    },
    {
      name: 'rpc wildcard, firewall default accept',
      files: { ...nftHost(NFT_RULESETS.defaultAccept), ...nodeConfigFile({ node: { rpc_bind: '0.0.0.0:20443' } }) },
      messages: ['exposed'],
    },
  ],
  warn: [
    { name: 'unmapped name', files: nodeHost({ node: { rpc_bind: 'node.example:20443' } }), messages: ['unmapped'] },
    {
      name: 'default bind inside a container network',
      files: composeHost({ node_host: 'node:20443' }, [], true),
      messages: ['containerWildcard'],
    },
    {
      name: 'rpc wildcard, port closed inbound by the firewall',
      files: { ...nftHost(NFT_RULESETS.dropSshP2p), ...nodeConfigFile({ node: { rpc_bind: '0.0.0.0:20443' } }) },
      messages: ['firewallClosed'],
      verify: ({ result }) => assert.match(result.message, /the firewall keeps port 20443 closed to other hosts/),
    },
    {
      name: 'rpc_bind unset, port closed inbound by the firewall',
      files: { ...nftHost(NFT_RULESETS.dropSshP2p), ...nodeConfigFile({ node: { rpc_bind: undefined } }) },
      messages: ['firewallClosed'],
    },
  ],
  notApplicable: [{ name: 'no node', files: BASE_USERS }],
  error: [{ name: 'malformed TOML', files: { 'etc/stacks/node/node-config.toml': '[node]\nrpc_bind = \n' } }],
});
