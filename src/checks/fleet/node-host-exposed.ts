// https://docs.stacks.co/operate/run-a-signer/signer-configuration — node_host: the node the signer trusts.
import { defineFleetCheck } from '../../engine/define-fleet-check.js';
import { nodeHostTarget } from '../../fleet/fleet-hosts.js';

const EXPOSURE_CONTROLS = ['topology/node-rpc-exposure', 'topology/inbound-firewall'] as const;

export default defineFleetCheck({
  id: 'fleet/node-host-exposed',
  title: "A signer's node, audited as another host, does not expose its RPC",
  threats: ['host-compromise'],
  severity: 'high',
  description: [
    "When a signer's `node_host` names another audited host (by inventory name or address), the signer's safety",
    'rests on that host too: the node feeds it block proposals and holds the same auth token. The control fails when',
    'that host fails `topology/node-rpc-exposure` (its RPC or Prometheus port is open beyond the private network) or',
    '`topology/inbound-firewall` (no default-drop firewall in front of the signer-facing port). A single-host audit of',
    'the signer cannot see the node host; a single-host audit of the node does not know a signer depends on it. Not',
    'applicable when no signer points at another audited host.',
  ].join(' '),
  remediation:
    "Fix the node host's findings: bind `rpc_bind` to a private address, and let the firewall admit the RPC port only from the signer's address (`signer-opsec harden plan` on the node host).",
  references: ['https://docs.stacks.co/operate/run-a-signer/signer-configuration'],
  messages: {
    exposed: "{{signer}}'s node_host {{nodeHost}} is the audited host {{node}}, which fails {{controls}}.",
    guarded: '{{count}} signer(s) use a node on another audited host, and each of those hosts keeps its RPC closed.',
    none: 'No signer uses a node on another audited host.',
  },
  run(hosts, report) {
    let pairs = 0;
    let exposed = 0;
    for (const signer of hosts) {
      const node = nodeHostTarget(signer, hosts);
      if (!node) continue;
      pairs++;
      const failing = EXPOSURE_CONTROLS.filter((id) => node.facts.status[id] === 'fail');
      if (failing.length === 0) continue;
      exposed++;
      report.fail(
        'exposed',
        { signer: signer.name, nodeHost: signer.facts.nodeHost!, node: node.name, controls: failing.join(', ') },
        [{ detail: `${signer.name} → ${node.name} (${signer.facts.nodeHost})` }],
      );
    }
    if (pairs === 0) return report.notApplicable('none');
    if (exposed === 0) report.pass('guarded', { count: pairs });
  },
});
