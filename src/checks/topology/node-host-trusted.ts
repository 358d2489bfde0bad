// https://docs.stacks.co/operate/run-a-signer/signer-configuration — node_host is used as http://{node_host}.
import { defineCheck } from '../../engine/define-check.js';
import { facts } from '../../facts/index.js';
import { describeTrust, judgeEndpoint, mappingEvidence } from '../../facts/network/endpoint-trust.js';
import { appliesToSignerConfig, at, signerConfig } from '../../facts/services/discovered-services.js';

export default defineCheck({
  id: 'topology/node-host-trusted',
  title: 'The signer talks to its node over a trusted network',
  threats: ['host-compromise'],
  severity: 'high',
  description: [
    'The signer reaches its stacks-node at `http://{node_host}`: plain HTTP, no TLS. Every block proposal it submits carries',
    'the `auth_password` in the `Authorization` header, and the node answers with the blocks the signer is asked to sign.',
    'Over the internet anyone on the path can read the token (and then submit proposals to the node as the signer) or tamper',
    'with what the signer sees. `node_host` passes when it is loopback or a private address (10/8, 172.16/12, 192.168/16,',
    "100.64/10 as overlay VPNs use, fc00::/7, fe80::/10), or a name that the target's own `/etc/hosts` maps only to such",
    'addresses (no DNS lookup is made). A public address fails. A name `/etc/hosts` does not map is a warning: it resolves',
    'through DNS, which can change under you. `0.0.0.0` as a destination reaches the local host on Linux but is not a',
    'deliberate choice: a warning. `node_host` missing fails (the signer refuses to start without it).',
  ].join(' '),
  remediation:
    'Run the node on the same host (`node_host = "127.0.0.1:20443"`) or on a private network; across sites, carry the traffic over a VPN/WireGuard tunnel and put the node\'s tunnel address (or a name mapped in /etc/hosts) in `node_host`.',
  references: [
    'https://docs.stacks.co/operate/run-a-signer/signer-configuration',
    'https://docs.stacks.co/operate/run-a-signer/opsec-best-practices',
    'https://github.com/stacks-network/stacks-core/blob/master/stacks-signer/src/config.rs',
  ],
  messages: {
    missing: 'node_host is not set: the signer cannot start without it.',
    malformed: 'node_host "{{value}}" is not host:port.',
    trusted: 'node_host {{value}} is {{kind}}.',
    public: 'node_host {{value}} is {{kind}}: the auth token and block proposals cross it as plain HTTP.',
    wildcard: 'node_host {{value}} is {{kind}}; write the loopback or private address of the node instead.',
    unmapped:
      'node_host {{value}} is {{kind}}; it resolves through DNS, so the path to the node is not pinned to a trusted network.',
  },
  applies: appliesToSignerConfig,
  async run(ctx, report) {
    const { path, parsed } = await signerConfig(ctx);
    const line = parsed.lineOf('node_host');
    const raw = parsed.config.raw.node_host;
    if (raw === undefined) return report.fail('missing', {}, at(path, undefined, 'no node_host'));
    const value = typeof raw === 'string' ? raw : String(raw);
    const evidence = at(path, line, `node_host = "${value}"`);
    const trust = typeof raw === 'string' ? judgeEndpoint(value, await facts(ctx).hosts()) : undefined;
    if (!trust) return report.fail('malformed', { value }, evidence);
    const kind = describeTrust(trust);
    const found = [evidence, ...mappingEvidence(trust)];
    if (trust.kind === 'loopback' || trust.kind === 'private') return report.pass('trusted', { value, kind }, found);
    if (trust.kind === 'public') return report.fail('public', { value, kind }, found);
    if (trust.kind === 'wildcard') return report.warn('wildcard', { value, kind }, found);
    report.warn('unmapped', { value, kind }, found);
  },
});
