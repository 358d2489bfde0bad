// https://www.freedesktop.org/software/systemd/man/latest/systemd-analyze.html#systemd-analyze%20security%20%5BUNIT...%5D — the exposure score of systemd 252, computed without systemd.
import type { Service } from '../../discovery/types.js';
import type { LoadedUnit } from '../../discovery/units.js';
import { defineCheck } from '../../engine/define-check.js';
import { CheckError } from '../../engine/errors.js';
import type { Evidence } from '../../engine/types.js';
import { at } from '../../facts/services/discovered-services.js';
import { appliesToSignerUnit, stacksUnits } from '../../facts/services/unit-settings.js';
import { type Contributor, scoreUnit, type UnitExposure } from '../../systemd/exposure/score.js';
import { UnitNotLoadable } from '../../systemd/exposure/security-info.js';

const PASS_BELOW = 2.0;
const WARN_BELOW = 5.0;
const SHOWN_IN_MESSAGE = 3;

const messages = {
  low: "{{unit}} scores {{score}} {{label}} in systemd's exposure model (below {{pass}}){{top}}.",
  medium:
    "{{unit}} scores {{score}} {{label}} in systemd's exposure model (below {{warn}} warns); largest contributors: {{top}}.",
  high: "{{unit}} scores {{score}} {{label}} in systemd's exposure model ({{warn}} or more fails); largest contributors: {{top}}.",
} as const;

function unitLabel(service: Service, unit: LoadedUnit): string {
  return service.role === 'node' ? `${unit.name} (the stacks-node on this host)` : unit.name;
}

/** "PrivateNetwork= 0.5 (service has access to the host's network; set PrivateNetwork=yes)". */
function describeContributor(contributor: Contributor): string {
  const reason = contributor.reason.replace(/^Service /, 'service ');
  return `${contributor.id} ${contributor.exposure.toFixed(1)} (${reason}; set ${contributor.directive})`;
}

/** Where each contribution comes from: the line that decides it, or the unit file when nothing sets it. */
function contributorEvidence(unit: LoadedUnit, contributor: Contributor): Evidence {
  const decided = unit.effective.assignments.filter(
    (assignment) => assignment.section === 'Service' && contributor.settings.includes(assignment.key),
  );
  const last = decided.at(-1);
  const detail = `${contributor.exposure.toFixed(1)}  ${contributor.id}  ${contributor.reason} → ${contributor.directive}`;
  return last ? at(last.file, last.line, detail) : at(unit.effective.files[0] ?? unit.path, undefined, detail);
}

function score(unit: LoadedUnit): UnitExposure {
  try {
    return scoreUnit(unit.effective);
  } catch (error) {
    if (error instanceof UnitNotLoadable) {
      throw new CheckError(error.message, at(error.assignment.file, error.assignment.line, 'not a boolean'));
    }
    throw error;
  }
}

export function exposureData(exposure: UnitExposure) {
  return {
    score: exposure.score,
    label: exposure.label,
    contributors: exposure.contributors.map(({ id, directive, exposure: share, reason }) => ({
      id,
      directive,
      exposure: share,
      reason,
    })),
  };
}

export default defineCheck({
  id: 'service/exposure-score',
  title: "The signer's systemd unit scores low in systemd's exposure model",
  threats: ['host-compromise', 'binary-backdoor'],
  severity: 'medium',
  description: [
    '`systemd-analyze security` rates how much of the system a service could reach if it were compromised: about 80',
    'assessors (root or not, capabilities, system call filters, namespaces, network, devices, /proc, …), each with a',
    'weight, summed to an exposure from 0.0 (PERFECT) through SAFE, OK, MEDIUM, EXPOSED, UNSAFE to 10.0 (DANGEROUS).',
    'For a signer the score tells how far a backdoored or exploited signer binary could go beyond its own key: read',
    'other secrets, reach the network, tamper with the host. The five baseline directives alone leave the published',
    'OpSec unit at 7.9 EXPOSED, because the signer may still open any network connection, make any system call, and',
    "keeps root's capabilities in its bounding set.",
    '',
    'This control computes the score exactly as `systemd-analyze security --offline=true` of systemd 252 does (same',
    'assessors, weights, ranges, not-applicable rules and round-up arithmetic), on the effective unit with its drop-ins,',
    'so it works on images and hosts without systemd or with an older one. Where the offline mode differs from a',
    'running system it follows the offline mode: `User=` is judged by name (an unknown user counts as a static non-root',
    'user, `nobody` is penalised), `SystemCallArchitectures=` counts as native only when it is exactly `native`, and',
    'system calls are resolved for x86-64. A unit file whose `DynamicUser=` is not a boolean is refused by systemd and',
    'reported as an error here.',
    '',
    'Below 2.0 passes, below 5.0 warns, 5.0 or more fails. The message names the three largest contributors with the',
    'directive that removes each; the evidence lists every contributor at the line that decides it; the JSON report',
    'carries `data: { score, label, contributors }`. When a stacks-node also runs from a unit on this host its unit is',
    'rated too: it needs the network and does not hold the signer key, so below 5.0 passes and 5.0 or more only warns. A signer in a container or',
    'found only through its config is `not_applicable`.',
  ].join('\n'),
  remediation: [
    'Add the directives named as contributors to a drop-in (`systemctl edit stacks-signer`), largest first. For a',
    'signer that talks only to its local node, this set brings the score near 1: `CapabilityBoundingSet=`,',
    '`AmbientCapabilities=`, `PrivateUsers=yes`, `ProtectClock=yes`, `ProtectControlGroups=yes`, `ProtectHostname=yes`,',
    '`ProtectKernelLogs=yes`, `ProtectKernelModules=yes`, `ProtectKernelTunables=yes`, `ProtectProc=invisible`,',
    '`ProcSubset=pid`, `RestrictNamespaces=yes`, `RestrictRealtime=yes`, `RestrictSUIDSGID=yes`, `LockPersonality=yes`,',
    '`MemoryDenyWriteExecute=yes`, `RemoveIPC=yes`, `KeyringMode=private`, `DevicePolicy=closed`,',
    '`SystemCallArchitectures=native`, `SystemCallFilter=@system-service`, `SystemCallFilter=~@privileged @resources`,',
    '`RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX`, `IPAddressDeny=any`, `IPAddressAllow=localhost`, `UMask=0077`,',
    'with `ProtectSystem=strict` and `StateDirectory=stacks-signer` for the database. Then `systemctl daemon-reload`,',
    'restart, and confirm with `systemd-analyze security stacks-signer`.',
  ].join(' '),
  references: [
    'https://www.freedesktop.org/software/systemd/man/latest/systemd-analyze.html',
    'https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#Security',
    'https://github.com/systemd/systemd/blob/v252/src/analyze/analyze-security.c',
  ],
  messages,
  applies: appliesToSignerUnit,
  async run(ctx, report) {
    for (const { service, unit } of await stacksUnits(ctx)) {
      const exposure = score(unit);
      const top = exposure.contributors.slice(0, SHOWN_IN_MESSAGE).map(describeContributor).join('; ');
      const data = {
        unit: unitLabel(service, unit),
        score: exposure.score.toFixed(1),
        label: exposure.label,
        pass: PASS_BELOW.toFixed(1),
        warn: WARN_BELOW.toFixed(1),
        top,
      };
      const evidence = exposure.contributors.map((contributor) => contributorEvidence(unit, contributor));
      report.data(service.role === 'signer' ? exposureData(exposure) : { node: exposureData(exposure) });
      // The node needs the network and never holds the signer key: only a high score there is worth a warning.
      const passBelow = service.role === 'node' ? WARN_BELOW : PASS_BELOW;
      if (exposure.score < passBelow) {
        report.pass('low', { ...data, pass: passBelow.toFixed(1), top: top ? `; remaining: ${top}` : '' }, evidence);
      } else if (exposure.score < WARN_BELOW) {
        report.warn('medium', data, evidence);
      } else if (service.role === 'node') {
        report.warn('high', data, evidence);
      } else {
        report.fail('high', data, evidence);
      }
    }
  },
});
