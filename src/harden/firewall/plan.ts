// Plans the inbound firewall (area 'firewall'): our table in a delimited block of /etc/nftables.conf, enabled at
// boot through nftables.service, checked by the audit's own firewall model (lock-out guard) and by `nft -c`.

import { enablingLink, NFTABLES_CONF } from '../../firewall/load.js';
import type { Target } from '../../target/types.js';
import type { Change, Planner, PlanPart, ReloadCommand } from '../types.js';
import { containerEngine, currentSshPorts, nftablesUnitPath, readNftablesTree } from './facts.js';
import { lockoutFindings, parseRuleset } from './guard.js';
import {
  existingBlock,
  type FirewallFacts,
  mergeIntoNftablesConf,
  REMOVE_TABLE,
  renderFirewallBlock,
  TABLE_NAME,
} from './render.js';
import { validateNftablesConf } from './validate.js';

const WANTS_DIR = '/etc/systemd/system/sysinit.target.wants';
const ENABLE_LINK = `${WANTS_DIR}/nftables.service`;

export const planFirewall: Planner = async ({ ctx, layout }) => {
  if (!layout.signer && !layout.node) return undefined;
  const target = ctx.target;
  const part: PlanPart = {
    area: 'firewall',
    summary: `nftables: inbound default drop (table inet ${TABLE_NAME}) for IPv4 and IPv6`,
    changes: [],
    reloads: [],
    rollbackReloads: [],
    addresses: [],
    notes: [],
    validations: [],
    refusals: [],
    errors: [],
  };

  const sshPorts = await currentSshPorts(ctx);
  const nodeIsRemote = layout.signer !== undefined && !layout.colocated;
  const signerPort = nodeIsRemote ? layout.signer?.endpoint?.port : undefined;
  const nodeAddresses = nodeIsRemote ? (layout.signer?.nodeAddresses ?? []) : [];
  if (signerPort !== undefined && nodeAddresses.length === 0) {
    const name = layout.signer?.nodeAddressUnknown ?? 'node_host';
    part.errors.push(
      `the node runs on another host, but ${name} names no address harden can pin (not an IP, not in /etc/hosts): ` +
        `the firewall could not let the node reach the signer endpoint port ${signerPort}. Put the node's address in ` +
        '/etc/hosts (or node_host) and plan again.',
    );
    return part;
  }
  const engine = await containerEngine(target);
  const facts: FirewallFacts = {
    sshPorts,
    ...(layout.node ? { p2pPort: layout.node.p2pPort } : {}),
    ...(signerPort !== undefined ? { signerPort } : {}),
    nodeAddresses,
    ...(engine ? { containerEngine: engine } : {}),
  };
  if (sshPorts.length === 0) part.notes.push('no sshd on this host: the firewall opens no SSH port');
  if (engine) {
    part.notes.push(
      `a container engine is present (${engine}): the forward hook is left to it; ports it publishes with -p bypass ` +
        'the input chain, so publish them on 127.0.0.1 only',
    );
  }

  const block = renderFirewallBlock(facts);
  const current = await readNftablesTree(target, NFTABLES_CONF);
  for (const problem of current.unreadable) part.errors.push(`${NFTABLES_CONF}: ${problem}`);
  const existing = current.files.get(NFTABLES_CONF);
  const merged = mergeIntoNftablesConf(existing, block);
  if (typeof merged !== 'string') {
    part.errors.push(`${NFTABLES_CONF}: ${merged.error}; fix or remove the markers and plan again`);
    return part;
  }
  if (part.errors.length > 0) return part;

  guard(part, block, merged, current.files, sshPorts);
  const after = new Map(current.files).set(NFTABLES_CONF, merged);
  const validation = await validateNftablesConf(NFTABLES_CONF, after);
  part.validations.push(validation);
  if (!validation.ok) {
    part.errors.push(`${NFTABLES_CONF}: nft -c rejects the resulting ruleset: ${validation.detail}`);
    return part;
  }

  const stat = existing === undefined ? undefined : await target.stat(NFTABLES_CONF);
  part.changes.push({
    kind: 'write',
    path: NFTABLES_CONF,
    content: merged,
    // A new file is Debian's: 0755 root, run as a script by nftables.service (`nft -f`).
    mode: stat?.mode ?? 0o755,
    uid: stat?.uid ?? 0,
    gid: stat?.gid ?? 0,
    reason: existing === undefined ? 'inbound firewall for the signer host' : `our block in ${NFTABLES_CONF}`,
  });
  part.changes.push(...(await enableAtBoot(ctx.target, part)));
  part.reloads.push(loadBlock(block, 'load the signer-opsec table now (other tables are left as they are)'));
  const previousBlock = existing === undefined ? undefined : existingBlock(existing);
  part.rollbackReloads.push(
    previousBlock
      ? loadBlock(previousBlock, 'load the signer-opsec table as it was before')
      : { argv: ['nft', '-f', '-'], stdin: REMOVE_TABLE, why: 'remove the signer-opsec table' },
  );
  if (layout.node) {
    part.notes.push(
      "the node's RPC and metrics ports are now closed inbound; topology/node-rpc-exposure still warns until " +
        'rpc_bind/prometheus_bind bind loopback (configs)',
    );
  }
  return part;
};

function loadBlock(block: string, why: string): ReloadCommand {
  return { argv: ['nft', '-f', '-'], stdin: block, why };
}

/** The lock-out guard: our table alone, and the whole resulting file, through the audit's firewall model. */
function guard(
  part: PlanPart,
  block: string,
  merged: string,
  files: ReadonlyMap<string, string>,
  sshPorts: readonly number[],
): void {
  const ours = parseRuleset('/block', new Map([['/block', block]]));
  const findings = lockoutFindings(ours, sshPorts);
  if (ours.problems.length > 0) {
    findings.push(
      ...ours.problems.map((problem) => ({
        kind: 'established' as const,
        family: 'ipv4' as const,
        message: `the generated table is not fully understood by the firewall model: ${problem.message}`,
      })),
    );
  }
  // The operator's own tables may already cut something; only what this change newly cuts is ours to refuse.
  const before = files.has(NFTABLES_CONF) ? lockoutFindings(parseRuleset(NFTABLES_CONF, files), sshPorts) : [];
  const afterFindings = lockoutFindings(
    parseRuleset(NFTABLES_CONF, new Map(files).set(NFTABLES_CONF, merged)),
    sshPorts,
  );
  const already = new Set(before.map((finding) => finding.message));
  for (const finding of afterFindings) {
    if (already.has(finding.message)) part.notes.push(`already so before harden: ${finding.message}`);
    else findings.push(finding);
  }
  const unique = [...new Set(findings.map((finding) => finding.message))];
  if (unique.length > 0) {
    part.refusals.push({
      code: 'firewall-lockout',
      message: `the generated ruleset would lock sessions out: ${unique.join('; ')}`,
    });
  }
}

/** The sysinit.target.wants link nftables.service's `systemctl enable` makes; none when the unit is missing. */
async function enableAtBoot(target: Target, part: PlanPart): Promise<Change[]> {
  const unit = await nftablesUnitPath(target);
  if (!unit) {
    part.notes.push(
      'nftables is not installed (no nftables.service): `apt-get install nftables`, then `systemctl enable nftables`; ' +
        `until then nothing loads ${NFTABLES_CONF} at boot`,
    );
    return [];
  }
  part.addresses.push('topology/inbound-firewall');
  if (await enablingLink(target, 'nftables.service')) return [];
  const changes: Change[] = [];
  if (!(await target.lstat(WANTS_DIR))) {
    changes.push({ kind: 'mkdir', path: WANTS_DIR, mode: 0o755, uid: 0, gid: 0, reason: 'holds the enabling link' });
  }
  changes.push({
    kind: 'symlink',
    path: ENABLE_LINK,
    linkTarget: unit,
    reason: `enable nftables.service at boot (loads ${NFTABLES_CONF})`,
  });
  return changes;
}
