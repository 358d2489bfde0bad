// `threat --format prometheus`: the stake-threshold figures of one cycle for node_exporter's textfile collector.
import type { ConcentrationFigures } from '../stacks/concentration.js';
import { formatExposition, type MetricFamily, type Sample } from './prometheus-text.js';
import type { ThreatReport } from './threat.js';

function perGrouping(report: ThreatReport, pick: (figures: ConcentrationFigures) => number): Sample[] {
  const samples: Sample[] = [{ labels: { by: 'signer' }, value: pick(report.signers.figures) }];
  if (report.operators) samples.push({ labels: { by: 'operator' }, value: pick(report.operators.figures) });
  return samples;
}

export function threatMetricFamilies(report: ThreatReport): MetricFamily[] {
  const me = report.me;
  const mySamples: Sample[] = [];
  if (me) {
    mySamples.push({ labels: { by: 'signer' }, value: me.share });
    if (me.operator) mySamples.push({ labels: { by: 'operator' }, value: me.operator.share });
  }
  return [
    {
      name: 'signer_opsec_threat_info',
      help: 'Where the signer set was read (value 1).',
      type: 'info',
      samples: [
        {
          labels: {
            version: report.tool.version,
            source: report.source.kind === 'node' ? report.source.url : report.source.path,
            reward_set_version: String(report.rewardSetVersion),
          },
          value: 1,
        },
      ],
    },
    {
      name: 'signer_opsec_threat_reward_cycle',
      help: 'The reward cycle these figures describe (only when read from a node with --cycle).',
      type: 'gauge',
      samples: report.source.kind === 'node' ? [{ value: report.source.cycle }] : [],
    },
    {
      name: 'signer_opsec_threat_members',
      help: 'Signers (by="signer") or operators (by="operator") holding weight this cycle.',
      type: 'gauge',
      samples: perGrouping(report, (figures) => figures.members),
    },
    {
      name: 'signer_opsec_threat_fewest_to_approve',
      help: 'Fewest signers or operators holding at least 70% of the weight: enough to approve any block.',
      type: 'gauge',
      samples: perGrouping(report, (figures) => figures.fewestToApprove),
    },
    {
      name: 'signer_opsec_threat_fewest_to_halt',
      help: 'Fewest signers or operators holding more than 30% of the weight: enough to halt the chain.',
      type: 'gauge',
      samples: perGrouping(report, (figures) => figures.fewestToHalt),
    },
    {
      name: 'signer_opsec_threat_largest_share_ratio',
      help: 'The heaviest signer or operator share of the weight, 0-1.',
      type: 'gauge',
      samples: perGrouping(report, (figures) => figures.largestShare),
    },
    {
      name: 'signer_opsec_threat_hhi',
      help: 'Herfindahl-Hirschman index of the weight, 0-10000 (shares in percent).',
      type: 'gauge',
      samples: perGrouping(report, (figures) => figures.hhi),
    },
    {
      name: 'signer_opsec_threat_my_share_ratio',
      help: 'Your signer keys (by="signer") or your operator (by="operator") share of the weight, 0-1 (with --me or --config).',
      type: 'gauge',
      samples: mySamples,
    },
  ];
}

export function formatThreatPrometheus(report: ThreatReport): string {
  return formatExposition(threatMetricFamilies(report));
}
