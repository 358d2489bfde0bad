// The fleet's share of a cycle's signer weight, from the public keys its hosts' audits derived (stake-threshold).
// Pure arithmetic over the stacker set; the thresholds are stacks-core's (src/stacks/concentration.ts).
import type { FleetHost } from '../engine/define-fleet-check.js';
import { approvalThreshold, haltingWeight } from '../stacks/concentration.js';
import type { StackerSet } from '../stacks/signer-set.js';
import type { FleetWeight } from './types.js';

export interface LoadedStackerSet {
  set: StackerSet;
  source: string;
  cycle?: number;
}

export function fleetWeight(loaded: LoadedStackerSet, hosts: readonly FleetHost[]): FleetWeight {
  const total = loaded.set.signers.reduce((sum, signer) => sum + signer.weight, 0);
  const byKey = new Map(loaded.set.signers.map((signer) => [signer.signingKey, signer.weight]));
  const share = (weight: number) => (total === 0 ? 0 : weight / total);
  const signers: FleetWeight['signers'] = [];
  const notInSet: FleetWeight['notInSet'] = [];
  // A key on two hosts (fleet/duplicate-signer-key) is one signer: its weight counts once.
  const counted = new Set<string>();
  let fleet = 0;
  let atRisk = 0;
  const atRiskHosts: string[] = [];
  for (const host of hosts) {
    const publicKey = host.facts.signerKey?.publicKey;
    if (!publicKey) continue;
    const weight = byKey.get(publicKey);
    if (weight === undefined) {
      notInSet.push({ host: host.name, publicKey });
      continue;
    }
    signers.push({ host: host.name, publicKey, weight, share: share(weight) });
    const criticalFailure = Object.keys(host.facts.criticalFailures).length > 0;
    if (counted.has(publicKey)) {
      if (criticalFailure) atRiskHosts.push(host.name);
      continue;
    }
    counted.add(publicKey);
    fleet += weight;
    if (criticalFailure) {
      atRisk += weight;
      atRiskHosts.push(host.name);
    }
  }
  return {
    ...(loaded.cycle !== undefined ? { cycle: loaded.cycle } : {}),
    source: loaded.source,
    totalWeight: total,
    signers,
    fleetWeight: fleet,
    fleetShare: share(fleet),
    crossesHalt: total > 0 && fleet >= haltingWeight(total),
    crossesApprove: total > 0 && fleet >= approvalThreshold(total),
    atRiskWeight: atRisk,
    atRiskShare: share(atRisk),
    atRiskHosts,
    notInSet,
  };
}
