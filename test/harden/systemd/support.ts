// Hand-built layouts (what decideLayout would decide) and a minimal applier, so the systemd planner can be held to
// the audit: plan on a materialised tree, write its changes, run the real checks on the result.
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import signerNotRoot from '../../../src/checks/identity/signer-not-root.js';
import baselineDirectives from '../../../src/checks/service/baseline-directives.js';
import egressRestricted from '../../../src/checks/service/egress-restricted.js';
import exposureScore from '../../../src/checks/service/exposure-score.js';
import restartPolicy from '../../../src/checks/service/restart-policy.js';
import unitConsistency from '../../../src/checks/service/unit-consistency.js';
import { AuditContext } from '../../../src/engine/context.js';
import type { Check } from '../../../src/engine/define-check.js';
import { runCheckDetailed } from '../../../src/engine/runner.js';
import { planSystemd } from '../../../src/harden/systemd/plan.js';
import type { Change, HardenLayout, NodeLayout, PlanPart, SignerLayout } from '../../../src/harden/types.js';
import { DirectoryTarget } from '../../../src/target/directory-target.js';

export const CHECKS: Record<string, Check> = Object.fromEntries(
  [baselineDirectives, egressRestricted, exposureScore, restartPolicy, unitConsistency, signerNotRoot].map((check) => [
    check.id,
    check,
  ]),
);

export const SIGNER_UNIT_PATH = '/etc/systemd/system/stacks-signer.service';
export const NODE_UNIT_PATH = '/etc/systemd/system/stacks-node.service';

export function signerLayout(overrides: Partial<SignerLayout> = {}): SignerLayout {
  return {
    unit: { name: 'stacks-signer.service', path: SIGNER_UNIT_PATH },
    binary: '/usr/local/bin/stacks-signer',
    configPath: '/etc/stacks/signer/signer-config.toml',
    configTarget: '/etc/stacks/signer/signer-config.toml',
    account: { name: 'stacks-signer', uid: 990, group: 'stacks-signer', gid: 990, create: false, reason: 'kept' },
    dbPath: '/var/lib/stacks-signer/signer.sqlite',
    dbDirectory: '/var/lib/stacks-signer',
    endpoint: { host: '127.0.0.1', port: 30000 },
    nodeAddresses: [],
    ...overrides,
  };
}

export function nodeLayout(overrides: Partial<NodeLayout> = {}): NodeLayout {
  return {
    unit: { name: 'stacks-node.service', path: NODE_UNIT_PATH },
    binary: '/usr/local/bin/stacks-node',
    configPath: '/etc/stacks/node/node-config.toml',
    configTarget: '/etc/stacks/node/node-config.toml',
    account: { name: 'stacks-node', uid: 991, group: 'stacks-node', gid: 991, create: false, reason: 'kept' },
    p2pPort: 20444,
    rpcPort: 20443,
    workingDirectory: '/var/lib/stacks-node',
    ...overrides,
  };
}

export function layoutOf(signer: SignerLayout, node?: NodeLayout): HardenLayout {
  return { signer, ...(node ? { node } : {}), colocated: node !== undefined, notes: [] };
}

export async function plan(root: string, layout: HardenLayout): Promise<PlanPart | undefined> {
  const ctx = new AuditContext(new DirectoryTarget(root, { live: false }));
  return planSystemd({ ctx, layout, options: { consoleAccess: false } });
}

/** Writes a part's changes into the tree (no backups: the apply engine's job is tested elsewhere). */
export function applyChanges(root: string, changes: readonly Change[]): void {
  for (const change of changes) {
    const path = join(root, change.path);
    if (change.kind === 'write') {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, change.content);
      chownSync(path, change.uid, change.gid);
      chmodSync(path, change.mode);
    } else if (change.kind === 'mkdir') {
      if (existsSync(path)) continue;
      mkdirSync(path);
      chownSync(path, change.uid, change.gid);
      chmodSync(path, change.mode);
    } else if (change.kind === 'remove') {
      rmSync(path);
    } else {
      throw new Error(`the systemd planner does not emit ${change.kind} changes`);
    }
  }
}

export async function runCheckOn(root: string, check: Check) {
  return runCheckDetailed(check, new AuditContext(new DirectoryTarget(root, { live: false })));
}
