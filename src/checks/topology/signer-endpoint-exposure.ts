// https://docs.stacks.co/operate/run-a-signer/signer-configuration — `endpoint` is where the signer listens for node events.
import { defineCheck } from '../../engine/define-check.js';
import { facts } from '../../facts/index.js';
import {
  describeTrust,
  inContainerNetwork,
  judgeEndpoint,
  mappingEvidence,
} from '../../facts/network/endpoint-trust.js';
import {
  bindFamilies,
  describeSources,
  noFirewallEvidence,
  onlyFrom,
  portReach,
} from '../../facts/network/firewall-reach.js';
import { appliesToSignerConfig, at, signerConfig } from '../../facts/services/discovered-services.js';

export default defineCheck({
  id: 'topology/signer-endpoint-exposure',
  title: "The signer's event endpoint is not exposed",
  threats: ['host-compromise'],
  severity: 'high',
  description: [
    "The signer listens on `endpoint` for the node's events. The endpoint has no authentication: whoever reaches it can post",
    'forged StackerDB chunks, blocks and burn blocks, probe `/status`, and `POST /shutdown` stops the signer (an offline',
    'signer counts towards the 30% that halts block acceptance). Bound to loopback or a private address it passes. A wildcard',
    "bind (`0.0.0.0`, `[::]`) or a public address fails; a name is judged through the target's `/etc/hosts` (an unmapped",
    'name warns). When a firewall is active (see `topology/inbound-firewall`), a wildcard or public bind whose port the',
    "firewall keeps closed inbound, or opens only to the node's address (`node_host`), warns instead of failing: the",
    'evidence names who can reach the port per family (`0.0.0.0` is IPv4, `[::]` both). It stays a warning because the',
    'bind is one flushed ruleset away from exposure. A firewall that opens the port to more than the node fails, naming',
    'who may reach it; an enabled ruleset `nft -f` would reject is not credited (the evidence says so).',
    'A signer in a compose container with its own network must bind a wildcard for the node container to reach it: there a',
    'wildcard is a warning, and `topology/container-published-ports` judges what the host publishes. A missing `endpoint`',
    'fails (the signer refuses to start).',
  ].join(' '),
  remediation:
    'Set `endpoint = "127.0.0.1:30000"` when the node runs on the same host, or the signer\'s private address (e.g. `10.0.0.5:30000`) when the node is elsewhere on a private network; never `0.0.0.0`. Allow the port in the firewall only from the node\'s address.',
  references: [
    'https://docs.stacks.co/operate/run-a-signer/signer-configuration',
    'https://github.com/stacks-network/stacks-core/blob/master/stacks-signer/src/config.rs',
  ],
  messages: {
    missing: 'endpoint is not set: the signer cannot start without it.',
    malformed: 'endpoint "{{value}}" is not host:port.',
    trusted: 'endpoint {{value}} binds {{kind}}.',
    exposed: 'endpoint {{value}} binds {{kind}}: anyone who reaches it can feed the signer events or POST /shutdown.',
    unmapped: 'endpoint {{value}} binds {{kind}}; check that it is a loopback or private address.',
    firewallRestricted:
      'endpoint {{value}} binds {{kind}}, but the firewall lets only {{who}} reach port {{port}}; bind a private address anyway.',
    firewallClosed:
      'endpoint {{value}} binds {{kind}}, but the firewall keeps port {{port}} closed to other hosts; bind a private address anyway.',
    exposedTo:
      'endpoint {{value}} binds {{kind}} and the firewall lets {{sources}} reach port {{port}}, not only the node: any of them can feed the signer events or POST /shutdown.',
    containerWildcard:
      "endpoint {{value}} binds {{kind}} inside the container's network namespace; keep its port unpublished or published on 127.0.0.1 only.",
  },
  applies: appliesToSignerConfig,
  async run(ctx, report) {
    const { path, parsed } = await signerConfig(ctx);
    const raw = parsed.config.raw.endpoint;
    if (raw === undefined) return report.fail('missing', {}, at(path, undefined, 'no endpoint'));
    const value = String(raw);
    const evidence = at(path, parsed.lineOf('endpoint'), `endpoint = "${value}"`);
    const trust = typeof raw === 'string' ? judgeEndpoint(value, await facts(ctx).hosts()) : undefined;
    if (!trust) return report.fail('malformed', { value }, evidence);
    const data = { value, kind: describeTrust(trust) };
    const found = [evidence, ...mappingEvidence(trust)];
    if (trust.kind === 'loopback' || trust.kind === 'private') return report.pass('trusted', data, found);
    if (trust.kind === 'name') return report.warn('unmapped', data, found);
    const { signer } = await ctx.discovery();
    if (trust.kind === 'wildcard' && inContainerNetwork(signer)) return report.warn('containerWildcard', data, found);
    const reach = trust.port === undefined ? undefined : await portReach(ctx, trust.port, bindFamilies(trust.host));
    if (!reach) return report.fail('exposed', data, [...found, ...(await noFirewallEvidence(ctx))]);
    const port = trust.port!;
    const node = await facts(ctx).nodeAddresses();
    if (reach.open.length === 0) return report.warn('firewallClosed', { ...data, port }, [...found, ...reach.evidence]);
    if (reach.open.every((entry) => onlyFrom(entry, node))) {
      const who = `the node (${node.join(', ')})`;
      return report.warn('firewallRestricted', { ...data, who, port }, [...found, ...reach.evidence]);
    }
    if (reach.open.some((entry) => entry.sources === 'any'))
      return report.fail('exposed', data, [...found, ...reach.evidence]);
    const sources = [...new Set(reach.open.map(describeSources))].join('; ');
    report.fail('exposedTo', { ...data, sources, port }, [...found, ...reach.evidence]);
  },
});
