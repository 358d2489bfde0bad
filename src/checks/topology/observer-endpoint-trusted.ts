// https://docs.stacks.co/operate/run-a-signer — the node pushes events to every [[events_observer]] over plain HTTP.
import { defineCheck } from '../../engine/define-check.js';
import { facts } from '../../facts/index.js';
import { describeTrust, judgeEndpoint, mappingEvidence } from '../../facts/network/endpoint-trust.js';
import { maskSecrets } from '../../facts/secrets/secret-values.js';
import { appliesToNode, at, parsedConfig } from '../../facts/services/discovered-services.js';

const OBSERVER_VARIABLE = 'STACKS_EVENT_OBSERVER';

export default defineCheck({
  id: 'topology/observer-endpoint-trusted',
  title: 'The node sends events only to observers on a trusted network',
  threats: ['host-compromise'],
  severity: 'high',
  description: [
    'stacks-node POSTs events as plain HTTP to every `[[events_observer]]` `endpoint`: for a signer, block proposals,',
    "StackerDB chunks (the signers' messages) and burn blocks. An observer on a public address hands that stream to whoever is",
    'on the path, and a forged observer response can stall the node. Every observer endpoint must be loopback or a private',
    "address (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, fe80::/10), or a name the target's `/etc/hosts` maps only",
    'to such addresses: public fails; names `/etc/hosts` does not map, wildcards and malformed endpoints warn.',
    'The node also reads `STACKS_EVENT_OBSERVER` from its environment and silently adds that endpoint as an observer receiving',
    "all events, invisible in the config file: set in the unit's `Environment=`/`EnvironmentFile=` or the container's",
    'environment it is a warning (a failure when it points at a public address). A node without observers passes (it sends',
    'events nowhere, though a signer then hears nothing).',
  ].join(' '),
  remediation:
    "Point every `[[events_observer]]` `endpoint` at the signer's loopback or private address (e.g. `127.0.0.1:30000`), remove observers you do not run, and remove `STACKS_EVENT_OBSERVER` from the node's unit or container environment (declare observers in the config instead).",
  references: [
    'https://docs.stacks.co/operate/run-a-signer',
    'https://github.com/stacks-network/stacks-core/blob/master/stackslib/src/config/mod.rs',
  ],
  messages: {
    none: 'The node config declares no [[events_observer]].',
    noConfig: 'No node config was found; only the environment was checked.',
    trusted: 'events_observer {{value}} is {{kind}}.',
    public:
      'events_observer {{value}} is {{kind}}: the node sends it block proposals and signer messages as plain HTTP.',
    doubtful: 'events_observer {{value}} is {{kind}}; the events it receives may leave the trusted network.',
    malformed: 'events_observer endpoint "{{value}}" is not host:port.',
    environment:
      "{{variable}} is set in the node's {{origin}} ({{value}}, {{kind}}): it silently adds an observer that receives all events.",
    environmentPublic: "{{variable}} in the node's {{origin}} sends all events to {{value}}, {{kind}}.",
  },
  applies: appliesToNode,
  async run(ctx, report) {
    const { node } = await ctx.discovery();
    if (!node) return;
    const hosts = await facts(ctx).hosts();
    if (node.config.status === 'unknown') {
      report.notApplicable('noConfig', {}, at(undefined, undefined, node.config.reason));
    } else {
      const { path, parsed } = parsedConfig(node.config);
      if (parsed.config.eventsObservers.length === 0)
        report.pass('none', {}, at(path, undefined, 'no [[events_observer]]'));
      for (const observer of parsed.config.eventsObservers) {
        const raw = (parsed.config.raw.events_observer as Record<string, unknown>[] | undefined)?.[observer.index]
          ?.endpoint;
        const value = observer.endpoint ?? (raw === undefined ? '(no endpoint)' : String(raw));
        const evidence = at(path, observer.line, `[[events_observer]] #${observer.index + 1} endpoint = "${value}"`);
        const trust = observer.endpoint === undefined ? undefined : judgeEndpoint(observer.endpoint, hosts);
        if (!trust) {
          report.warn('malformed', { value }, evidence);
          continue;
        }
        const data = { value, kind: describeTrust(trust) };
        const found = [evidence, ...mappingEvidence(trust)];
        if (trust.kind === 'loopback' || trust.kind === 'private') report.pass('trusted', data, found);
        else if (trust.kind === 'public') report.fail('public', data, found);
        else report.warn('doubtful', data, found);
      }
    }
    const { variables } = await facts(ctx).serviceEnvironment(node);
    for (const variable of variables) {
      // The compose .env only feeds interpolation; it reaches the container only through environment:/env_file:.
      if (variable.name !== OBSERVER_VARIABLE || variable.value.trim() === '' || variable.origin === 'compose .env')
        continue;
      const trust = judgeEndpoint(variable.value, hosts);
      const data = {
        variable: OBSERVER_VARIABLE,
        origin: variable.origin,
        // A mistyped variable can hold anything, a key included: quoted masked.
        value: maskSecrets(variable.value),
        kind: trust ? describeTrust(trust) : 'not host:port',
      };
      const evidence = at(variable.file, variable.line, `${OBSERVER_VARIABLE}=${maskSecrets(variable.value)}`);
      if (trust?.kind === 'public') report.fail('environmentPublic', data, evidence);
      else report.warn('environment', data, evidence);
    }
  },
});
