// https://docs.stacks.co/operate/run-a-signer/signer-configuration — metrics_endpoint serves /metrics and /info.

import { defineCheck } from '../../engine/define-check.js';
import { inContainerNetwork } from '../../facts/network/endpoint-trust.js';
import { appliesToSignerConfig, at, signerConfig } from '../../facts/services/discovered-services.js';
import { classifyHost, parseHostPort } from '../../net/address.js';

export default defineCheck({
  id: 'topology/metrics-endpoint-local',
  title: "The signer's metrics endpoint is not exposed",
  threats: ['host-compromise'],
  severity: 'medium',
  description:
    "`metrics_endpoint` serves `/metrics`, `/info` and `/heartbeat` without authentication; `/info` returns the signer's public key, STX address, network and version. Bound to a wildcard or public address, it tells anyone which host holds which signer key (discoverability). Unset, loopback or a private address passes. A signer in a compose or docker container with its own network namespace (not `network_mode: host`) sees only that namespace: a wildcard there is a warning, and `topology/container-published-ports` judges what the host publishes.",
  remediation:
    'Bind `metrics_endpoint` to `127.0.0.1:<port>` (scrape locally or through a private network), or remove it.',
  references: ['https://docs.stacks.co/operate/run-a-signer/signer-configuration'],
  messages: {
    unset: 'metrics_endpoint is not set: no metrics server.',
    trusted: 'metrics_endpoint {{value}} is {{kind}}.',
    exposed:
      'metrics_endpoint {{value}} is {{kind}}: /info reveals the signer public key and address to anyone who reaches it.',
    malformed: 'metrics_endpoint "{{value}}" is not host:port; the signer will refuse to start.',
    named: 'metrics_endpoint {{value}} binds a host name; check it resolves to a loopback or private address.',
    containerWildcard:
      "metrics_endpoint {{value}} binds a wildcard inside the {{container}}'s network namespace; keep port {{port}} unpublished or published on 127.0.0.1 only.",
  },
  applies: appliesToSignerConfig,
  async run(ctx, report) {
    const { path, parsed } = await signerConfig(ctx);
    const value = parsed.config.metricsEndpoint;
    const line = parsed.lineOf('metrics_endpoint');
    if (value === undefined) return report.pass('unset');
    const evidence = at(path, line, `metrics_endpoint = "${value}"`);
    const hostPort = parseHostPort(value);
    if (!hostPort) return report.fail('malformed', { value }, evidence);
    const kind = classifyHost(hostPort.host);
    if (kind === 'loopback' || kind === 'private') return report.pass('trusted', { value, kind }, evidence);
    if (kind === 'name') return report.warn('named', { value }, evidence);
    // Inside its own network namespace a wildcard reaches only what the engine publishes: as signer-endpoint-exposure.
    const { signer } = await ctx.discovery();
    if (kind === 'wildcard' && inContainerNetwork(signer)) {
      const container = `${signer?.container?.name ?? 'signer'} container`;
      return report.warn('containerWildcard', { value, container, port: hostPort.port }, evidence);
    }
    report.fail(
      'exposed',
      { value, kind: kind === 'wildcard' ? 'a wildcard bind (all interfaces)' : 'a public address' },
      evidence,
    );
  },
});
