// Plans the inbound firewall (area 'firewall'): our table in a delimited block of /etc/nftables.conf, enabled at
// boot through nftables.service, checked by the audit's own firewall model (lock-out guard) and by `nft -c`.
//
// Conntrack pickup (residual, documented in docs/harden.md): on a host that had no stateful rules before, the
// connections already open are tracked only from their next packet, which the kernel classes `ct state new`
// when it cannot be picked up as established (nf_conntrack_tcp_loose). Our SSH ports accept new packets, and the
// operator's own session port (SSH_CONNECTION) is checked, so the SSH session survives; another long-lived
// inbound connection whose peer speaks first may see its packets dropped until this side sends.

import { findSshPorts, type SshPortSource, sshSession } from '../../discovery/ssh-ports.js';
import { CheckError } from '../../engine/errors.js';
import { enablingLink, NFTABLES_CONF } from '../../net/firewall/load.js';
import { parseAddress, parseAddressRange, rangeContains } from '../../parsers/firewall/address-range.js';
import type { FirewallRuleset } from '../../parsers/firewall/model.js';
import { appendAll } from '../../parsers/lists.js';
import type { Target } from '../../target/types.js';
import { copyPolicy } from '../copy-guard.js';
import { newPart } from '../part.js';
import type { Change, Planner, PlannerInput, PlanPart, ReloadCommand } from '../types.js';
import { portsOurTableCloses } from './closed-ports.js';
import {
  containerEngine,
  type NftablesUnit,
  nftablesUnit,
  readNftablesTree,
  type WireguardInterface,
  wireguardInterfaces,
} from './facts.js';
import { definedTables, flushRulesetMessage, flushRulesetStatements, ufwEnabled } from './flush-ruleset.js';
import { lockoutFindings, type NeededOpening, parseRuleset, serviceFindings, sessionFindings } from './guard.js';
import {
  existingBlock,
  type FirewallFacts,
  mergeIntoNftablesConf,
  REMOVE_TABLE,
  renderFirewallBlock,
  TABLE_NAME,
} from './render.js';
import { validateNftablesConf } from './validate.js';

const CONSOLE_OVERRIDE = '--i-have-console-access';

export const planFirewall: Planner = async ({ ctx, layout, options }) => {
  if (!layout.signer && !layout.node) return undefined;
  const target = ctx.target;
  const part: PlanPart = newPart(
    'firewall',
    `nftables: inbound default drop (table inet ${TABLE_NAME}) for IPv4 and IPv6`,
  );

  const found = (await findSshPorts(target, await ctx.sshd())).all;
  // The operator's own session (live host, run over SSH) must survive whatever the files say.
  const session = ctx.target.live ? sshSession(process.env['SSH_CONNECTION']) : undefined;
  if (session) found.push({ port: session.port, kind: 'listening', source: 'this SSH session (SSH_CONNECTION)' });
  const sshPorts = [...new Set(found.map((entry) => entry.port))].sort((a, b) => a - b);
  if (sshPorts.length > 0) {
    part.notes.push(`SSH ports kept open: ${found.map(describeSshPort).join(', ')}`);
  } else if (options.consoleAccess) {
    part.notes.push(
      `${CONSOLE_OVERRIDE}: no SSH port found (sshd_config, ssh unit, ssh.socket); the firewall opens none`,
    );
  } else {
    part.refusals.push({
      code: 'no-ssh-port',
      message:
        'no SSH port found (no sshd_config Port, ssh.service -p, ssh.socket ListenStream=, or listening sshd): an ' +
        `inbound default drop would shut SSH out. Plan again where sshd is configured, or pass ${CONSOLE_OVERRIDE}.`,
      override: CONSOLE_OVERRIDE,
    });
  }
  const containerNode = await nodeInContainer(ctx);
  if (containerNode) {
    part.errors.push(containerNode);
    return part;
  }
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
  const tunnels = await wireguardInterfaces(target);
  const wireguard = tunnels.flatMap((tunnel) =>
    tunnel.listenPort === undefined ? [] : [{ name: tunnel.name, port: tunnel.listenPort }],
  );
  const facts: FirewallFacts = {
    sshPorts,
    ...(layout.node ? { p2pPort: layout.node.p2pPort } : {}),
    ...(signerPort !== undefined ? { signerPort } : {}),
    nodeAddresses,
    ...(wireguard.length > 0 ? { wireguard } : {}),
    ...(engine ? { containerEngine: engine } : {}),
  };
  if (wireguard.length > 0) {
    const kept = wireguard.map((tunnel) => `udp/${tunnel.port} (${tunnel.name})`).join(', ');
    part.notes.push(`WireGuard ListenPort kept open: ${kept}`);
  }
  for (const note of tunnelNotes(tunnels, nodeAddresses, signerPort)) part.notes.push(note);
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
  // The openings our table would close are part of what the operator approves: when the firewall is too complex to
  // tell them, the area stops (fail closed) instead of closing what no one was shown.
  let closing: string | undefined;
  try {
    closing = await closingNote(ctx, current.files, facts);
  } catch (error) {
    if (!(error instanceof CheckError)) throw error;
    part.errors.push(`which openings table inet ${TABLE_NAME} would close is not known: ${error.message}`);
  }
  if (closing) part.notes.push(closing);
  const merged = mergeIntoNftablesConf(existing, block);
  if (typeof merged !== 'string') {
    part.errors.push(`${NFTABLES_CONF}: ${merged.error}; fix or remove the markers and plan again`);
    return part;
  }
  if (part.errors.length > 0) return part;

  const unit = await nftablesUnit(target);
  const loadsAtBoot =
    unit !== undefined &&
    !('problem' in unit) &&
    unit.loads === NFTABLES_CONF &&
    (await enablingLink(target, 'nftables.service')) !== undefined;
  const refusal = await flushRulesetConflict(
    target,
    unit,
    loadsAtBoot,
    engine,
    new Map(current.files).set(NFTABLES_CONF, merged),
  );
  if (refusal?.enabling) {
    part.errors.push(refusal.message);
    return part;
  }
  if (refusal) part.notes.push(refusal.message);
  // What boots today can excuse a finding only when it really loads at boot and (offline) is what runs: on a live
  // host the kernel may hold something else, and a never-enabled file is switched on by this very change.
  const trustBefore = loadsAtBoot && !target.live;
  guard(part, block, merged, current.files, sshPorts, trustBefore);
  servicesGuard(part, facts, merged, current.files, trustBefore);
  if (session) {
    const after = parseRuleset(NFTABLES_CONF, new Map(current.files).set(NFTABLES_CONF, merged));
    for (const finding of sessionFindings(after, session)) {
      part.refusals.push({ code: 'firewall-cuts-session', message: finding });
    }
  }
  const after = new Map(current.files).set(NFTABLES_CONF, merged);
  const validation = await validateNftablesConf(NFTABLES_CONF, {
    ...current,
    files: after,
    policy: await copyPolicy(ctx),
  });
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
  appendAll(part.changes, await enableAtBoot(ctx.target, part, unit));
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

/** "2222 (ssh.socket ListenStream=, /etc/systemd/system/ssh.socket.d/listen.conf:3)". */
function describeSshPort(entry: SshPortSource): string {
  const where = entry.file ? `, ${entry.file}${entry.line ? `:${entry.line}` : ''}` : '';
  return `${entry.port} (${entry.source}${where})`;
}

/**
 * `flush ruleset` outside our block while a container engine or an enabled ufw keeps its own tables: `enabling`
 * when this plan would enable nftables.service (an error), otherwise it already runs so (a note).
 */
async function flushRulesetConflict(
  target: Target,
  unit: NftablesUnit | { path: string; problem: string } | undefined,
  loadsAtBoot: boolean,
  engine: string | undefined,
  files: ReadonlyMap<string, string>,
): Promise<{ enabling: boolean; message: string } | undefined> {
  const statements = flushRulesetStatements(files);
  if (statements.length === 0) return undefined;
  const ufw = await ufwEnabled(target);
  const others = [...(engine ? [`the container engine (${engine})`] : []), ...(ufw ? [ufw] : [])];
  if (others.length === 0) return undefined;
  const enabling =
    !loadsAtBoot &&
    unit !== undefined &&
    !('problem' in unit) &&
    unit.loads === NFTABLES_CONF &&
    unit.wantedBy.length > 0;
  return { enabling, message: flushRulesetMessage(statements, others, definedTables(files), enabling) };
}

/** The node reached through a WireGuard tunnel: its events arrive on that interface from its tunnel address. */
function tunnelNotes(
  tunnels: readonly WireguardInterface[],
  nodeAddresses: readonly string[],
  signerPort: number | undefined,
): string[] {
  if (signerPort === undefined) return [];
  return tunnels.flatMap((tunnel) => {
    const through = nodeAddresses.filter((node) => {
      const address = parseAddress(node);
      return (
        address !== undefined &&
        tunnel.addresses.some((cidr) => {
          const range = parseAddressRange(cidr);
          return range !== undefined && rangeContains(range, address.family, address.value);
        })
      );
    });
    return through.length === 0
      ? []
      : [
          `the node (${through.join(', ')}) is reached over WireGuard ${tunnel.name} (${tunnel.file}): its events ` +
            `arrive on ${tunnel.name} from that address and the signer-port rule (tcp/${signerPort} from the node) ` +
            'admits them on any interface',
        ];
  });
}

/** Every port the operator's firewall opens today (or the nftables files a boot loads) that our table will close. */
async function closingNote(
  ctx: PlannerInput['ctx'],
  files: ReadonlyMap<string, string>,
  facts: FirewallFacts,
): Promise<string | undefined> {
  const rulesets: FirewallRuleset[] = [];
  const active = await ctx.firewall();
  if (active.ruleset) rulesets.push(active.ruleset);
  if (files.has(NFTABLES_CONF)) rulesets.push(parseRuleset(NFTABLES_CONF, files));
  const closed = portsOurTableCloses(rulesets, {
    tcp: new Set([...facts.sshPorts, ...(facts.p2pPort !== undefined ? [facts.p2pPort] : [])]),
    udp: new Set((facts.wireguard ?? []).map((tunnel) => tunnel.port)),
    ...(facts.signerPort !== undefined ? { signerPort: facts.signerPort } : {}),
    nodeAddresses: facts.nodeAddresses,
  });
  if (closed.length === 0) return undefined;
  return (
    `table inet ${TABLE_NAME} drops by default, and a drop in any input base chain wins over an accept in another ` +
    `table or in ufw: these openings will be CLOSED: ${closed.join('; ')}`
  );
}

function loadBlock(block: string, why: string): ReloadCommand {
  return { argv: ['nft', '-f', '-'], stdin: block, why };
}

/**
 * The services must keep working under what will load at boot, the operator's tables included (a drop in any base
 * chain wins): the node's events must reach the signer endpoint, and peers the P2P port. Otherwise this area stops.
 */
function servicesGuard(
  part: PlanPart,
  facts: FirewallFacts,
  merged: string,
  files: ReadonlyMap<string, string>,
  trustBefore: boolean,
): void {
  const needed: NeededOpening[] = [
    ...(facts.p2pPort !== undefined ? [{ port: facts.p2pPort, what: "peers reaching the node's P2P port" }] : []),
    ...(facts.signerPort !== undefined
      ? facts.nodeAddresses.map((address) => ({
          port: facts.signerPort!,
          source: address,
          what: `the node at ${address} reaching the signer endpoint`,
        }))
      : []),
  ];
  if (needed.length === 0) return;
  const before = new Set(
    trustBefore && files.has(NFTABLES_CONF) ? serviceFindings(parseRuleset(NFTABLES_CONF, files), needed) : [],
  );
  const after = serviceFindings(parseRuleset(NFTABLES_CONF, new Map(files).set(NFTABLES_CONF, merged)), needed);
  const cut = after.filter((finding) => !before.has(finding));
  for (const finding of after.filter((finding) => before.has(finding)))
    part.notes.push(`already so before harden: ${finding}`);
  if (cut.length > 0) {
    part.errors.push(
      `the rules that would load at boot from ${NFTABLES_CONF} (the operator's tables and ours: a drop in any table ` +
        `wins) would cut the services: ${cut.join('; ')}. Open them in the operator's tables first, then plan again`,
    );
  }
}

/** The lock-out guard: our table alone, and the whole resulting file, through the audit's firewall model. */
function guard(
  part: PlanPart,
  block: string,
  merged: string,
  files: ReadonlyMap<string, string>,
  sshPorts: readonly number[],
  trustBefore: boolean,
): void {
  const ours = parseRuleset('/block', new Map([['/block', block]]));
  const findings = lockoutFindings(ours, sshPorts);
  if (ours.problems.length > 0) {
    appendAll(
      findings,
      ours.problems.map((problem) => ({
        kind: 'established' as const,
        family: 'ipv4' as const,
        message: `the generated table is not fully understood by the firewall model: ${problem.message}`,
      })),
    );
  }
  // The operator's own tables may already cut something at boot; only what this change newly cuts is ours to
  // refuse. When the file does not load at boot today (or might not be what runs), the whole result is judged.
  const before =
    trustBefore && files.has(NFTABLES_CONF) ? lockoutFindings(parseRuleset(NFTABLES_CONF, files), sshPorts) : [];
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
      message:
        `the generated ruleset would lock sessions out: ${unique.join('; ')}` +
        (trustBefore
          ? ''
          : ` (judged on the whole ${NFTABLES_CONF} as a boot would load it: it is not loaded at boot today, or this ` +
            'is a live host whose kernel may hold another ruleset; fix the rules outside the signer-opsec block first)'),
    });
  }
}

/**
 * The link `systemctl enable nftables.service` makes: into the .wants of the unit's own WantedBy= target (Debian:
 * sysinit.target). Only when the unit loads /etc/nftables.conf, the file the audit reads; anything else (RHEL's
 * /etc/sysconfig/nftables.conf) gets no link and a note, and the control is not claimed.
 */
async function enableAtBoot(
  target: Target,
  part: PlanPart,
  unit: NftablesUnit | { path: string; problem: string } | undefined,
): Promise<Change[]> {
  if (!unit) {
    part.notes.push(
      'nftables is not installed (no nftables.service): `apt-get install nftables`, then `systemctl enable nftables`; ' +
        `until then nothing loads ${NFTABLES_CONF} at boot`,
    );
    return [];
  }
  if ('problem' in unit) {
    part.notes.push(`${unit.path} ${unit.problem}: not enabled; ${NFTABLES_CONF} is loaded now only, not at boot`);
    return [];
  }
  if (unit.loads !== NFTABLES_CONF) {
    part.notes.push(
      `${unit.path} loads ${unit.loads ?? 'no file (no `nft -f FILE` in ExecStart)'}, not ${NFTABLES_CONF}: not ` +
        `enabled by harden. Add \`include "${NFTABLES_CONF}"\` to the file it loads and enable it yourself; ` +
        'topology/inbound-firewall is not claimed',
    );
    return [];
  }
  const wantedBy = unit.wantedBy[0];
  if (wantedBy === undefined) {
    part.notes.push(
      `${unit.path} has no [Install] WantedBy=: harden cannot enable it; topology/inbound-firewall is not claimed`,
    );
    return [];
  }
  part.addresses.push('topology/inbound-firewall');
  if (await enablingLink(target, 'nftables.service')) return [];
  const wantsDir = `/etc/systemd/system/${wantedBy}.wants`;
  const changes: Change[] = [];
  if (!(await target.lstat(wantsDir))) {
    changes.push({ kind: 'mkdir', path: wantsDir, mode: 0o755, uid: 0, gid: 0, reason: 'holds the enabling link' });
  }
  changes.push({
    kind: 'symlink',
    path: `${wantsDir}/nftables.service`,
    linkTarget: unit.path,
    reason: `enable nftables.service at boot (loads ${NFTABLES_CONF})`,
  });
  return changes;
}

/**
 * A node in a bridged container with the signer under systemd: the node's events reach the signer from the
 * bridge, not lo, and the signer port would be closed to them. Undefined when that is not the case.
 */
async function nodeInContainer(ctx: PlannerInput['ctx']): Promise<string | undefined> {
  const discovery = await ctx.discovery();
  const node = discovery.node;
  if (!discovery.signer?.unit || !node?.container || node.container.networkMode === 'host') return undefined;
  return (
    `the node runs in a container (${node.container.name}, ${node.container.file}) with the signer under systemd: ` +
    "the node's events reach the signer from the container bridge, not loopback, and an inbound default drop " +
    'would close the signer port to them. harden does not plan the firewall for this layout; run the node with ' +
    'network_mode: host, or write the firewall rule for the bridge yourself.'
  );
}
