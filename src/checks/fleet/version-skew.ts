// https://github.com/stacks-network/stacks-core/releases — signers of one operator should run one supported release.
import { defineFleetCheck } from '../../engine/define-fleet-check.js';
import { groupBy } from '../../fleet/fleet-hosts.js';

export default defineFleetCheck({
  id: 'fleet/version-skew',
  title: "The fleet's signers run one supported release",
  threats: ['binary-backdoor', 'supply-chain'],
  severity: 'medium',
  description: [
    'Collects the stacks-signer version each host reports (`binary/supported-version`). It fails when any signer runs',
    'a known-bad release or one below the supported floor, and warns when the signers of one fleet run different',
    'releases: a skewed fleet is half-upgraded, so a fix (or a consensus change) reaches only part of its weight, and',
    'the odd host out is the one nobody patches. Not applicable when no host reports a version.',
  ].join(' '),
  remediation:
    'Upgrade every signer to the same current release (verify it with `signer-opsec verify-release`), one host at a time.',
  references: ['https://github.com/stacks-network/stacks-core/releases'],
  messages: {
    unsupported: '{{hosts}} run(s) an unsupported stacks-signer ({{versions}}).',
    skew: 'The signers run {{count}} different releases: {{versions}}.',
    uniform: 'All {{count}} signer(s) run stacks-signer {{version}}.',
    unknown: 'No audited host reports a stacks-signer version.',
  },
  run(hosts, report) {
    const versioned = hosts.filter((host) => host.facts.signerVersion !== undefined);
    if (versioned.length === 0) return report.notApplicable('unknown');
    const unsupported = versioned.filter((host) => host.facts.signerVersionUnsupported);
    if (unsupported.length > 0) {
      report.fail('unsupported', {
        hosts: unsupported.map((host) => host.name).join(', '),
        versions: [...new Set(unsupported.map((host) => host.facts.signerVersion))].join(', '),
      });
    }
    const byVersion = groupBy(versioned, (host) => host.facts.signerVersion!);
    const versions = [...byVersion.entries()].map(
      ([version, group]) => `${version} on ${group.map((host) => host.name).join(', ')}`,
    );
    if (byVersion.size > 1) report.warn('skew', { count: byVersion.size, versions: versions.join('; ') });
    else report.pass('uniform', { count: versioned.length, version: versioned[0]!.facts.signerVersion! });
  },
});
