// https://docs.stacks.co/operate/run-a-signer/opsec-best-practices — "Run the stacks-signer on a separate system from the stacks-node".
import { defineCheck } from '../../engine/define-check.js';
import type { Evidence } from '../../engine/types.js';
import { facts } from '../../facts/index.js';
import {
  describeTrust,
  inContainerNetwork,
  judgeEndpoint,
  mappingEvidence,
} from '../../facts/network/endpoint-trust.js';
import { appliesToSignerConfig, at, signerConfig } from '../../facts/services/discovered-services.js';

export default defineCheck({
  id: 'topology/colocation',
  title: 'Signer and node placement is known',
  threats: ['host-compromise'],
  severity: 'info',
  description: [
    'Reports whether the signer and its stacks-node share this host: they do when a stacks-node is found on the target',
    '(systemd unit, well-known config or compose service) or when `node_host` is loopback (directly or through the',
    "target's `/etc/hosts`). The node is the larger attack surface (public P2P port, RPC, a big dependency tree): on a",
    'shared host a node compromise is a step from the signer key, so service users, file permissions and the firewall',
    'controls carry the separation, and the report says so (pass). A shared host whose signer `endpoint` listens beyond',
    'loopback is a warning: the local node reaches the signer over loopback, so any wider bind only adds exposure.',
    'A signer in a compose container with its own network is exempt (the node container cannot reach its loopback).',
    'A node on another host passes.',
  ].join(' '),
  remediation:
    "On a shared host bind the signer `endpoint` to `127.0.0.1:30000` and point the node's `[[events_observer]]` at it; keep signer and node under separate users. For stronger separation run the node on another host on a private network.",
  references: ['https://docs.stacks.co/operate/run-a-signer/opsec-best-practices'],
  messages: {
    colocated:
      'Signer and node share this host ({{how}}); separate users, file permissions and the firewall controls carry the separation.',
    colocatedWideEndpoint:
      'Signer and node share this host ({{how}}), yet the signer endpoint {{value}} binds {{kind}}: the local node needs loopback only.',
    separate: 'The node runs on another host: node_host {{value}} is {{kind}}.',
  },
  applies: appliesToSignerConfig,
  async run(ctx, report) {
    const { path, parsed } = await signerConfig(ctx);
    const { node } = await ctx.discovery();
    const hosts = await facts(ctx).hosts();
    const nodeHost = parsed.config.nodeHost;
    const nodeTrust = nodeHost === undefined ? undefined : judgeEndpoint(nodeHost, hosts);
    const reasons: string[] = [];
    const evidence: Evidence[] = [];
    if (node) {
      const where = node.unit?.name ?? node.container?.name ?? ('path' in node.config ? node.config.path : node.source);
      reasons.push(`a stacks-node is on the target: ${where}`);
      evidence.push(
        at(
          node.unit?.path ?? node.container?.file ?? ('path' in node.config ? node.config.path : undefined),
          undefined,
          `stacks-node found (${node.source})`,
        ),
      );
    }
    if (nodeHost !== undefined) evidence.push(at(path, parsed.lineOf('node_host'), `node_host = "${nodeHost}"`));
    if (nodeTrust) evidence.push(...mappingEvidence(nodeTrust));
    if (nodeTrust?.kind === 'loopback') reasons.push(`node_host ${nodeHost} is loopback`);
    report.data({ colocated: reasons.length > 0 });
    if (reasons.length === 0) {
      const kind = nodeTrust ? describeTrust(nodeTrust) : 'not host:port';
      return report.pass('separate', { value: nodeHost ?? '(unset)', kind }, evidence);
    }
    const how = reasons.join('; ');
    const endpoint = parsed.config.endpoint;
    const endpointTrust = endpoint === undefined ? undefined : judgeEndpoint(endpoint, hosts);
    // A containerised signer must bind beyond its own loopback for the node container to reach it.
    const { signer } = await ctx.discovery();
    if (endpointTrust && endpointTrust.kind !== 'loopback' && !inContainerNetwork(signer)) {
      evidence.push(at(path, parsed.lineOf('endpoint'), `endpoint = "${endpoint}"`), ...mappingEvidence(endpointTrust));
      return report.warn(
        'colocatedWideEndpoint',
        { how, value: endpoint, kind: describeTrust(endpointTrust) },
        evidence,
      );
    }
    report.pass('colocated', { how }, evidence);
  },
});
