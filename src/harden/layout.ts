// Where the signer and node are, and where they will be after hardening: decided once from discovery so every planner
// agrees (the drop-in's User= and the config's owner name one account; ExecStart's --config names the config's path).

import type { NodeService, SignerService } from '../discovery/types.js';
import type { AuditContext } from '../engine/context.js';
import { facts } from '../facts/index.js';
import { normalisePath } from '../facts/services/sandbox-paths.js';
import { classifyHost, parseHostPort } from '../net/address.js';
import { findConfigArg } from '../parsers/exec-command.js';
import { lookupHost } from '../parsers/hosts.js';
import { decideAccount, sharedAccountReasons } from './service-accounts.js';
import { DEFAULT_SIGNER_DB, databaseDirectory, nodeWorkingDirectory } from './service-directories.js';
import type { HardenLayout, NodeLayout, ServiceAccount, SignerLayout } from './types.js';

/** systemd's ProtectHome= hides these; a config or database there cannot be read by a hardened unit. */
const HIDDEN_BY_PROTECT_HOME = ['/home/', '/root/', '/run/user/'];
export const DEFAULT_SIGNER_CONFIG = '/etc/stacks/signer/signer-config.toml';
export const DEFAULT_NODE_CONFIG = '/etc/stacks/node/node-config.toml';
const DEFAULT_P2P_PORT = 20444;

export { DEFAULT_SIGNER_DB };

/** SQLite's in-memory database: the signer keeps no state on disk. */
const IN_MEMORY_DB = ':memory:';

export function hiddenByProtectHome(path: string): boolean {
  return HIDDEN_BY_PROTECT_HOME.some((prefix) => path.startsWith(prefix));
}

export async function decideLayout(ctx: AuditContext): Promise<HardenLayout> {
  const discovery = await ctx.discovery();
  const notes: string[] = [];
  const promised = { ids: new Set<number>(), names: new Set<string>() };
  const { signer, node } = discovery;
  const nodeAccount = node ? await facts(ctx).serviceAccount(node) : undefined;

  let signerLayout: SignerLayout | undefined;
  if (signer?.unit) {
    signerLayout = { ...serviceBase(signer, DEFAULT_SIGNER_CONFIG, notes), nodeAddresses: [] };
    const decision = await decideAccount(
      ctx,
      signer,
      'stacks-signer',
      node ? { service: node, account: nodeAccount } : undefined,
      promised,
    );
    if (decision.account) signerLayout.account = decision.account;
    if (decision.problem) notes.push(`signer: ${decision.problem}`);
    if (signer.config.status === 'ok') {
      const config = signer.config.parsed.config;
      if (config.dbPath)
        Object.assign(signerLayout, await databaseLayout(ctx, config.dbPath, signerLayout.account, notes));
      const endpoint = config.endpoint ? parseHostPort(config.endpoint) : undefined;
      if (endpoint?.port !== undefined) signerLayout.endpoint = { host: endpoint.host, port: endpoint.port };
      Object.assign(signerLayout, await nodeAddresses(ctx, config.nodeHost));
      const local = await facts(ctx).signerLocalAddresses();
      if (local.length > 0) signerLayout.localAddresses = local.map((entry) => entry.address);
      const metrics = local.find((entry) => entry.from === 'metrics_endpoint');
      if (metrics && signerLayout.nodeAddressUnknown === undefined) {
        // Not the metrics network: harden cannot know the scraper, and a subnet would let the signer reach every host on it.
        notes.push(
          `signer: metrics_endpoint binds ${metrics.address}, but the drop-in's IPAddressDeny=any admits only loopback, the node and this host's own addresses: a Prometheus on another host can no longer scrape it. Scrape from this host (an agent that forwards the samples), or accept the wider egress by hand.`,
        );
      }
    }
  } else if (signer) {
    notes.push(
      `the signer runs from ${signer.source === 'compose' ? 'a container' : 'no systemd unit'}: harden plans only systemd-managed services`,
    );
  }

  let nodeLayout: NodeLayout | undefined;
  if (node?.unit) {
    nodeLayout = { ...serviceBase(node, DEFAULT_NODE_CONFIG, notes), p2pPort: DEFAULT_P2P_PORT };
    // The node's own account changes only when it is root or shared with other software: moving a node means
    // moving its chainstate (nodeWorkingDirectory refuses when systemd cannot do that for it).
    const users = await ctx.users();
    const nodeEntry = nodeAccount?.uid !== undefined ? users.user(nodeAccount.uid) : undefined;
    const ownUnits = [node.unit.name, ...(signer?.unit ? [signer.unit.name] : [])];
    const shared = nodeEntry ? await sharedAccountReasons(ctx, nodeEntry, ownUnits) : [];
    let newNodeAccount: ServiceAccount | undefined;
    if (!nodeAccount || nodeAccount.isRoot || nodeAccount.dynamic || shared.length > 0) {
      const decision = await decideAccount(ctx, node, 'stacks-node', undefined, promised);
      if (decision.account) nodeLayout.account = newNodeAccount = decision.account;
      if (decision.problem) notes.push(`node: ${decision.problem}`);
    } else if (nodeAccount.uid !== undefined) {
      const entry = users.user(nodeAccount.uid);
      if (entry) {
        nodeLayout.account = {
          name: entry.name,
          uid: entry.uid,
          group: users.groupName(entry.gid),
          gid: entry.gid,
          create: false,
          reason: `${entry.name} is kept: the node is not root, and moving it means moving its chainstate`,
        };
      }
    }
    if (node.config.status === 'ok') {
      const config = node.config.parsed.config;
      const p2p = config.node.p2pBind ? parseHostPort(config.node.p2pBind) : undefined;
      if (p2p?.port !== undefined) nodeLayout.p2pPort = p2p.port;
      const rpc = config.node.rpcBind ? parseHostPort(config.node.rpcBind) : undefined;
      if (rpc?.port !== undefined) nodeLayout.rpcPort = rpc.port;
    }
    const configured = node.config.status === 'ok' ? node.config.parsed.config.node.workingDir : undefined;
    if (node.config.status === 'ok' || configured !== undefined) {
      Object.assign(
        nodeLayout,
        await nodeWorkingDirectory(ctx, node, configured, newNodeAccount, signerLayout?.dbDirectory, notes),
      );
    }
  }

  // The signer's own node is here only when node_host names this host: another node unit here is not its node.
  const signerNodeHere =
    signerLayout === undefined || (signerLayout.nodeAddresses.length === 0 && !signerLayout.nodeAddressUnknown);
  const layout: HardenLayout = { colocated: node !== undefined && signer !== undefined && signerNodeHere, notes };
  if (signerLayout) layout.signer = signerLayout;
  if (nodeLayout) layout.node = nodeLayout;
  return layout;
}

/** Unit, binary, config path today and after hardening, and ExecStart when its --config must change. */
function serviceBase(
  service: SignerService | NodeService,
  defaultConfig: string,
  notes: string[],
): Pick<SignerLayout, 'unit' | 'binary' | 'configPath' | 'configTarget' | 'execStart'> {
  const base: Pick<SignerLayout, 'unit' | 'binary' | 'configPath' | 'configTarget' | 'execStart'> = {};
  if (service.unit) base.unit = { name: service.unit.name, path: service.unit.path };
  if (service.binary) base.binary = service.binary;
  if (service.config.status === 'ok') {
    base.configPath = service.config.path;
    // Out of /home, /root, /run/user: a hardened unit (ProtectHome=yes) could not read it there.
    base.configTarget = hiddenByProtectHome(service.config.path) ? defaultConfig : service.config.path;
  } else if (service.config.status !== 'unknown') {
    notes.push(
      `${service.role}: its config ${service.config.path} is ${service.config.status}: ${service.config.reason}`,
    );
  }
  const argv = service.argv;
  const written = argv ? findConfigArg(argv, service.role) : undefined;
  if (argv && base.configTarget && written !== base.configTarget) {
    base.execStart = withConfig(argv, service.role === 'signer' ? 'run' : 'start', base.configTarget);
  }
  return base;
}

/**
 * Where the database will be: where it is, unless ProtectHome= would hide a database that does not exist yet. An
 * in-memory database (":memory:") needs no writable path at all.
 */
async function databaseLayout(
  ctx: AuditContext,
  dbPath: string,
  account: ServiceAccount | undefined,
  notes: string[],
): Promise<Pick<SignerLayout, 'dbPath' | 'dbDirectory' | 'dbMovedFrom' | 'dbDirectoryDedicated' | 'dbProblem'>> {
  if (dbPath === IN_MEMORY_DB) return {};
  if (!dbPath.startsWith('/')) {
    return {
      dbProblem: `db_path ${dbPath} is relative (to the unit's working directory): make it absolute, e.g. ${DEFAULT_SIGNER_DB}`,
    };
  }
  if (hiddenByProtectHome(dbPath)) {
    if (!(await ctx.target.lstat(dbPath).catch(() => undefined))) {
      return {
        ...(await databaseDirectory(ctx, DEFAULT_SIGNER_DB, account)),
        dbMovedFrom: dbPath,
      };
    }
    notes.push(
      `signer: the database ${dbPath} is where ProtectHome= hides it; stop the signer, move it to ${DEFAULT_SIGNER_DB} and set db_path`,
    );
  }
  return databaseDirectory(ctx, normalisePath(dbPath), account);
}

/** argv with its --config value replaced (or added after the subcommand when it had none). */
export function withConfig(argv: readonly string[], subcommand: string, config: string): string[] {
  const result: string[] = [];
  let replaced = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!replaced && (arg === '--config' || arg === '-c') && i + 1 < argv.length) {
      result.push('--config', config);
      i++;
      replaced = true;
    } else if (!replaced && arg.startsWith('--config=')) {
      result.push(`--config=${config}`);
      replaced = true;
    } else if (!replaced && /^-c.+/.test(arg)) {
      result.push('--config', config);
      replaced = true;
    } else {
      result.push(arg);
    }
  }
  if (!replaced) {
    const at = result.indexOf(subcommand);
    result.splice(at < 0 ? result.length : at + 1, 0, '--config', config);
  }
  return result;
}

/** The node's address(es) as the signer sees them, through the target's etc/hosts only (no DNS). */
async function nodeAddresses(
  ctx: AuditContext,
  nodeHost: string | undefined,
): Promise<Pick<SignerLayout, 'nodeAddresses' | 'nodeAddressUnknown'>> {
  const host = nodeHost ? parseHostPort(nodeHost)?.host : undefined;
  if (!host) return { nodeAddresses: [] };
  const bare = host.replace(/^\[|\]$/g, '');
  const kind = classifyHost(bare);
  if (kind === 'loopback') return { nodeAddresses: [] };
  if (kind !== 'name') return { nodeAddresses: kind === 'wildcard' ? [] : [bare] };
  const mapped = lookupHost(await facts(ctx).hosts(), bare).map((entry) => entry.address);
  if (mapped.length === 0) return { nodeAddresses: [], nodeAddressUnknown: bare };
  return { nodeAddresses: [...new Set(mapped.filter((address) => classifyHost(address) !== 'loopback'))] };
}
