// https://docs.docker.com/engine/network/packet-filtering-firewalls/ — published ports are DNATed before the host's INPUT rules.

import type { ComposeService } from '../../discovery/compose.js';
import type { Discovery } from '../../discovery/types.js';
import { defineCheck } from '../../engine/define-check.js';
import {
  appliesToStacksContainers,
  containerEvidence,
  containerLabel,
} from '../../facts/containers/stacks-containers.js';
import { facts } from '../../facts/index.js';
import { type AddressClass, classifyHost, parseHostPort } from '../../net/address.js';
import { publishesPort } from '../../parsers/container-ports.js';

interface SensitivePort {
  port: number;
  what: string;
  /** The bind as configured (host network: that is what the host listens on); undefined when no config says. */
  bind?: string;
}

/** Conventional ports when the container's config can't be read (stacks-facts.md §3). */
const CONVENTIONAL: Record<ComposeService['role'], SensitivePort[]> = {
  signer: [
    { port: 30000, what: 'signer endpoint' },
    { port: 9154, what: 'signer metrics' },
  ],
  node: [
    { port: 20443, what: 'node RPC' },
    { port: 9153, what: 'node Prometheus metrics' },
  ],
};

function fromBind(bind: string | undefined, what: string, fallbackPort?: number): SensitivePort[] {
  const port = bind === undefined ? fallbackPort : parseHostPort(bind)?.port;
  if (port === undefined) return [];
  return [{ port, what, ...(bind !== undefined ? { bind } : {}) }];
}

/** The ports of a container that must not be reachable from outside, from its own config when discovery read it. */
function sensitivePorts(container: ComposeService, discovery: Discovery): SensitivePort[] {
  const { signer, node } = discovery;
  if (container.role === 'signer' && signer?.container === container && signer.config.status === 'ok') {
    const { config } = signer.config.parsed;
    return [
      ...fromBind(config.endpoint, 'signer endpoint', 30000),
      ...fromBind(config.metricsEndpoint, 'signer metrics'),
    ];
  }
  if (container.role === 'node' && node?.container === container && node.config.status === 'ok') {
    const { config } = node.config.parsed;
    // stacks-node binds 0.0.0.0:20443 when rpc_bind is unset.
    return [
      ...fromBind(config.node.rpcBind ?? '0.0.0.0:20443', 'node RPC'),
      ...fromBind(config.node.prometheusBind, 'node Prometheus metrics'),
    ];
  }
  return CONVENTIONAL[container.role];
}

function hostClass(hostIp: string): AddressClass {
  return hostIp === '' ? 'wildcard' : classifyHost(hostIp);
}

const KIND_TEXT: Record<AddressClass, string> = {
  wildcard: 'all interfaces',
  public: 'a public address',
  name: 'a host name',
  private: 'a private address',
  loopback: 'loopback',
};

export default defineCheck({
  id: 'topology/container-published-ports',
  title: 'Containers do not publish the signer endpoint, metrics or node RPC to the network',
  threats: ['host-compromise'],
  severity: 'high',
  description: [
    'A port published by Docker (`ports: ["30000:30000"]`, `docker run -p 30000:30000`) listens on every interface of the',
    'host, and Docker forwards it with its own NAT rules (DNAT in `PREROUTING`, accepted in `FORWARD`/`DOCKER-USER`) before',
    "the host's `INPUT` chain is consulted: ufw, an nftables `input` policy drop or iptables INPUT rules do not close it.",
    'So this control does **not** credit the host firewall: a published port is judged by its host address alone.',
    '',
    'For every signer and node container (compose files, the engine state under `/var/lib/docker/containers`, a',
    '`--docker-inspect` file, or the live engine) the sensitive ports are: the signer `endpoint` port (unauthenticated,',
    'accepts `POST /shutdown`) and `metrics_endpoint` port (`/info` names the signer key), the node `rpc_bind` port (default',
    "20443) and `prometheus_bind` port, taken from the container's config when discovery read it, else the conventions 30000,",
    '9154, 20443 and 9153. Published on all interfaces (no host address, `0.0.0.0`, `::`, or a bare container port, which',
    'gets a random host port) or on a public address: fail. Published on `127.0.0.1:`/`[::1]:` or a private address, or not',
    'published (reachable only on the compose network): pass. The node P2P port (20444) is meant to be public.',
    '',
    'A compose file is read with the `compose.override.yaml` beside it merged over it, as `docker compose` does (the',
    "override's ports are added), and with the files a container's `com.docker.compose.project.config_files` label",
    "names. A container compose created is judged twice, from its compose files and from the engine's record, each",
    'finding naming its source: the record is what runs now (a compose file fixed without recreating the container',
    'still publishes the old ports), the compose files what runs after the next `docker compose up`.',
    '',
    "With `network_mode: host` nothing is published: the container's listeners are the host's, so the configured bind is",
    'what counts (a wildcard or public bind fails; the host firewall then does apply, and `topology/signer-endpoint-exposure`',
    'and `topology/node-rpc-exposure` judge it as well).',
  ].join('\n'),
  remediation:
    'Publish sensitive ports on loopback only (`"127.0.0.1:30000:30000"`), or not at all: a node container in the same compose project reaches the signer as `signer:30000` over the project network. Publish only P2P (`"20444:20444"`) to the world. To filter published ports with a firewall, add rules to the `DOCKER-USER` chain; INPUT rules do not apply.',
  references: [
    'https://docs.docker.com/engine/network/packet-filtering-firewalls/',
    'https://docs.docker.com/reference/compose-file/services/#ports',
    'https://docs.stacks.co/operate/run-a-signer/signer-configuration',
  ],
  messages: {
    published:
      'The {{container}} publishes the {{what}} (container port {{port}}) on {{kind}} ({{written}}): reachable from any network that reaches the host; Docker forwards it before the host firewall INPUT rules.',
    publishedLocal:
      'The {{container}} publishes the {{what}} (container port {{port}}) on {{kind}} only ({{written}}).',
    notPublished: 'The {{container}} publishes none of its sensitive ports ({{ports}}).',
    hostNetwork:
      "The {{container}} uses the host's network: its {{what}} bind {{bind}} listens on {{kind}} of the host.",
    hostNetworkLocal: "The {{container}} uses the host's network; its {{what}} binds {{bind}} ({{kind}}).",
    hostNetworkUnknown:
      "The {{container}} uses the host's network and its config was not read: check that the {{what}} (port {{port}}) binds loopback.",
  },
  applies: appliesToStacksContainers,
  async run(ctx, report) {
    const discovery = await ctx.discovery();
    for (const container of await facts(ctx).stacksContainers()) {
      const label = containerLabel(container);
      const sensitive = sensitivePorts(container, discovery);
      if (container.networkMode === 'host') {
        const evidence = await containerEvidence(ctx, container, 'network_mode', 'network_mode: host');
        for (const { port, what, bind } of sensitive) {
          if (bind === undefined) {
            report.warn('hostNetworkUnknown', { container: label, what, port }, evidence);
            continue;
          }
          const kind = classifyHost(parseHostPort(bind)?.host ?? bind);
          const data = { container: label, what, bind, kind: KIND_TEXT[kind] };
          if (kind === 'loopback' || kind === 'private') report.pass('hostNetworkLocal', data, evidence);
          else report.fail('hostNetwork', data, evidence);
        }
        continue;
      }
      let exposedHere = 0;
      for (const published of container.ports) {
        const evidence = await containerEvidence(
          ctx,
          container,
          'ports',
          `publishes ${published.written}`,
          published.written,
        );
        for (const { port, what } of sensitive) {
          if (!publishesPort(published, port)) continue;
          exposedHere += 1;
          const kind = hostClass(published.hostIp);
          const data = { container: label, what, port, kind: KIND_TEXT[kind], written: published.written };
          if (kind === 'loopback' || kind === 'private') report.pass('publishedLocal', data, evidence);
          else report.fail('published', data, evidence);
        }
      }
      if (exposedHere === 0) {
        const ports = sensitive.map(({ port, what }) => `${what} ${port}`).join(', ') || 'none configured';
        report.pass(
          'notPublished',
          { container: label, ports },
          await containerEvidence(
            ctx,
            container,
            'ports',
            container.ports.length > 0
              ? `publishes ${container.ports.map((port) => port.written).join(', ')}`
              : 'publishes no port',
          ),
        );
      }
    }
  },
});
