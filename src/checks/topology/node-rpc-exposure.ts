// https://github.com/stacks-network/stacks-core/blob/master/stackslib/src/config/mod.rs — [node] rpc_bind, prometheus_bind.
import type { AuditContext } from '../../engine/context.js';
import { defineCheck, type MessageData, type Reporter } from '../../engine/define-check.js';
import type { Evidence } from '../../engine/types.js';
import { facts } from '../../facts/index.js';
import {
  describeTrust,
  inContainerNetwork,
  judgeEndpoint,
  mappingEvidence,
} from '../../facts/network/endpoint-trust.js';
import { allPrivate, bindFamilies, noFirewallEvidence, portReach } from '../../facts/network/firewall-reach.js';
import { appliesToNodeConfig, at, nodeConfig } from '../../facts/services/discovered-services.js';

/** stacks-node binds its RPC here when `rpc_bind` is unset. */
const DEFAULT_RPC_BIND = '0.0.0.0:20443';

/**
 * Warns (and returns true) when an active firewall keeps `port` closed inbound or open only to private addresses;
 * otherwise adds who can reach it to `found` for the failure that follows.
 */
async function firewallNarrows(
  ctx: AuditContext,
  report: Reporter<'firewallRestricted' | 'firewallClosed'>,
  data: MessageData,
  port: number,
  host: string,
  found: Evidence[],
): Promise<boolean> {
  const reach = await portReach(ctx, port, bindFamilies(host));
  if (!reach) {
    found.push(...(await noFirewallEvidence(ctx)));
    return false;
  }
  if (reach.open.length === 0) {
    report.warn('firewallClosed', { ...data, port }, [...found, ...reach.evidence]);
    return true;
  }
  if (reach.open.every(allPrivate)) {
    report.warn('firewallRestricted', { ...data, who: 'private addresses', port }, [...found, ...reach.evidence]);
    return true;
  }
  found.push(...reach.evidence);
  return false;
}

export default defineCheck({
  id: 'topology/node-rpc-exposure',
  title: "The node's RPC and metrics ports are not exposed",
  threats: ['host-compromise'],
  severity: 'medium',
  description: [
    'The node attached to a signer needs to be reachable from outside only on its P2P port. Its RPC (`[node] rpc_bind`)',
    'takes block proposals for the signer (`/v3/block_proposal`, guarded only by the auth token sent as plain HTTP), serves',
    "the whole API to anyone, and tells scanners that a signer's node runs here; its Prometheus endpoint (`prometheus_bind`)",
    'adds more fingerprinting. Both must bind loopback or a private address. Beware: with `rpc_bind` unset the node binds',
    '`0.0.0.0:20443`, all interfaces, which fails. `prometheus_bind` unset means no metrics server (pass). Names are judged',
    "through the target's `/etc/hosts`; an unmapped name warns. In a compose container with its own network a wildcard bind (the",
    "unset default included) covers only the container's interfaces: a warning, with `topology/container-published-ports`",
    'judging what the host publishes. When a firewall is active (see `topology/inbound-firewall`), a wildcard or public',
    'bind whose port it keeps closed inbound, or opens only to private addresses (a signer on another host), warns',
    'instead of failing, and the evidence names who can reach the port per family.',
  ].join(' '),
  remediation:
    'In the node config set `[node] rpc_bind = "127.0.0.1:20443"` (or a private address when the signer is on another host) and `prometheus_bind = "127.0.0.1:9153"` (or remove it); keep `p2p_bind` as the only public listener.',
  references: [
    'https://github.com/stacks-network/stacks-core/blob/master/stackslib/src/config/mod.rs',
    'https://docs.stacks.co/operate/run-a-node',
  ],
  messages: {
    trusted: '{{key}} {{value}} binds {{kind}}.',
    unsetRpc: 'rpc_bind is not set: the node binds the default {{value}}, all interfaces.',
    unsetPrometheus: 'prometheus_bind is not set: no metrics server.',
    exposed:
      "{{key}} {{value}} binds {{kind}}: the node's {{what}} is reachable from any network that reaches this host.",
    unmapped: '{{key}} {{value}} binds {{kind}}; check that it is a loopback or private address.',
    malformed: '{{key}} "{{value}}" is not host:port.',
    firewallRestricted:
      '{{key}} {{value}} binds {{kind}}, but the firewall lets only {{who}} reach port {{port}}; bind loopback or a private address anyway.',
    firewallClosed:
      '{{key}} {{value}} binds {{kind}}, but the firewall keeps port {{port}} closed to other hosts; bind loopback or a private address anyway.',
    containerWildcard:
      "{{key}} {{value}} binds all interfaces of the node container's network namespace; keep the port unpublished or published on 127.0.0.1 only.",
  },
  applies: appliesToNodeConfig,
  async run(ctx, report) {
    const { path, parsed } = await nodeConfig(ctx);
    const hosts = await facts(ctx).hosts();
    const containerNetwork = inContainerNetwork((await ctx.discovery()).node);
    const node = (parsed.config.raw.node ?? {}) as Record<string, unknown>;
    for (const [key, what] of [
      ['rpc_bind', 'RPC API'],
      ['prometheus_bind', 'Prometheus metrics'],
    ] as const) {
      const raw = node[key];
      const line = parsed.lineOf('node', key);
      if (raw === undefined) {
        if (key === 'rpc_bind' && containerNetwork)
          report.warn(
            'containerWildcard',
            { key, value: DEFAULT_RPC_BIND },
            at(path, undefined, `no [node] rpc_bind: default ${DEFAULT_RPC_BIND}`),
          );
        else if (key === 'rpc_bind') {
          const evidence = at(path, undefined, `no [node] rpc_bind: default ${DEFAULT_RPC_BIND}`);
          const data = { key, value: DEFAULT_RPC_BIND, kind: 'a wildcard address (all interfaces)' };
          if (!(await firewallNarrows(ctx, report, data, 20443, '0.0.0.0', [evidence])))
            report.fail('unsetRpc', { value: DEFAULT_RPC_BIND }, evidence);
        } else report.pass('unsetPrometheus', {}, at(path, undefined, 'no [node] prometheus_bind'));
        continue;
      }
      const value = String(raw);
      const evidence = at(path, line, `[node] ${key} = "${value}"`);
      const trust = typeof raw === 'string' ? judgeEndpoint(value, hosts) : undefined;
      if (!trust) {
        report.fail('malformed', { key, value }, evidence);
        continue;
      }
      const data = { key, value, kind: describeTrust(trust), what };
      const found = [evidence, ...mappingEvidence(trust)];
      if (trust.kind === 'loopback' || trust.kind === 'private') report.pass('trusted', data, found);
      else if (trust.kind === 'name') report.warn('unmapped', data, found);
      else if (trust.kind === 'wildcard' && containerNetwork) report.warn('containerWildcard', data, found);
      else if (trust.port === undefined || !(await firewallNarrows(ctx, report, data, trust.port, trust.host, found)))
        report.fail('exposed', data, found);
    }
  },
});
