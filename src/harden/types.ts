// The shape of a hardening plan: planners (pure renderers over facts read through the Target) produce parts; the
// apply engine carries parts out on a directory root or the live host, with backups and a manifest for rollback.
// Paths are always absolute paths *inside* the target ("/etc/ssh/sshd_config.d/10-signer-opsec.conf").

import type { AuditContext } from '../engine/context.js';

/** What one planner owns. The CLI's --only/--skip take these names. */
export type HardenArea = 'accounts' | 'systemd' | 'sshd' | 'firewall' | 'permissions' | 'configs';

export const HARDEN_AREAS: readonly HardenArea[] = [
  'accounts',
  'configs',
  'permissions',
  'systemd',
  'sshd',
  'firewall',
];

/**
 * A file written whole: created when absent, replaced (atomically, after a backup) when present. `content` is the
 * complete new text. `sensitive` files hold secrets (a signer config): their diff is never printed, only a summary
 * of which keys changed, and their backup stays 0600.
 */
export interface WriteFileChange {
  kind: 'write';
  path: string;
  content: string;
  mode: number;
  uid: number;
  gid: number;
  sensitive?: boolean;
  /** One line: why this file changes ("drop-in that confines stacks-signer.service"). */
  reason: string;
}

/** chmod/chown of an existing file or directory (never follows a symlink). Unset fields stay as they are. */
export interface SetAttributesChange {
  kind: 'attributes';
  path: string;
  mode?: number;
  uid?: number;
  gid?: number;
  reason: string;
}

/** A directory created when absent (parents must exist or come earlier in the plan). */
export interface MakeDirectoryChange {
  kind: 'mkdir';
  path: string;
  mode: number;
  uid: number;
  gid: number;
  reason: string;
}

/** A symlink created (e.g. the `sysinit.target.wants/nftables.service` link that enables a unit at boot). */
export interface SymlinkChange {
  kind: 'symlink';
  path: string;
  /** The link's text, exactly as `ln -s` would store it. */
  linkTarget: string;
  reason: string;
}

/** A file removed (after a backup), e.g. a config moved out of /home. */
export interface RemoveFileChange {
  kind: 'remove';
  path: string;
  reason: string;
}

export type Change = WriteFileChange | SetAttributesChange | MakeDirectoryChange | SymlinkChange | RemoveFileChange;

/** A command run after the files are in place, only on the live host, skippable with --no-reload. Never a shell. */
export interface ReloadCommand {
  argv: string[];
  /** Fed to the command's standard input (e.g. `nft -f -` with just our table). */
  stdin?: string;
  why: string;
}

/** The real tool's verdict on a generated artefact, run before anything is offered. */
export interface Validation {
  /** e.g. "systemd-analyze verify", "systemd-analyze security --offline=true", "sshd -t", "nft -c". */
  tool: string;
  /** The target path of the artefact it checked. */
  artefact: string;
  ok: boolean;
  /** One line for the plan: the score, "configuration valid", or the tool's first error line. */
  detail: string;
  /** Machine-readable figures, e.g. { score: 1.1 }. */
  figures?: Record<string, number | string>;
}

/**
 * A lock-out guard that stops this part (and so `apply`) unless the operator overrides it. `override` names the flag
 * that does (`--i-have-console-access`); a refusal without one cannot be overridden.
 */
export interface Refusal {
  code: string;
  message: string;
  override?: string;
}

export interface PlanPart {
  area: HardenArea;
  /** One line: what this part does. */
  summary: string;
  /** Applied in order; later changes may rely on earlier ones (a user created before a chown to it). */
  changes: Change[];
  /** Live host only, after every part's changes are written, in part order. */
  reloads: ReloadCommand[];
  /** Live host only, after a rollback of this part's files. */
  rollbackReloads: ReloadCommand[];
  /** Control ids this part is meant to make pass once applied (the end-to-end tests hold it to that). */
  addresses: string[];
  /** What the operator must still do or know (a restart, a package to install, a fix harden will not make). */
  notes: string[];
  validations: Validation[];
  refusals: Refusal[];
  /** The planner could not plan this area (bad input): where and why. The part then has no changes. */
  errors: string[];
}

/** A service account the hardened services run as. `create` when harden adds it to passwd/group/shadow. */
export interface ServiceAccount {
  name: string;
  uid: number;
  group: string;
  gid: number;
  create: boolean;
  /** Why this account (kept as is, or created because the current one is root / shared / a login account). */
  reason: string;
}

/**
 * Where things are and will be after hardening: decided once, from discovery, so every planner agrees (the drop-in's
 * User= and the config's owner name the same account; ExecStart's --config and the moved config the same path).
 */
export interface ServiceLayout {
  /** The unit file's name and path as discovered; undefined when the service is not a systemd unit. */
  unit?: { name: string; path: string };
  binary?: string;
  /** The config the service reads today (an existing file), and where it will be after hardening. */
  configPath?: string;
  configTarget?: string;
  /** ExecStart's argv after hardening when it must change (a --config path mismatch); undefined keeps ExecStart. */
  execStart?: string[];
  account?: ServiceAccount;
}

export interface SignerLayout extends ServiceLayout {
  /** db_path after hardening, and the directory the service must be able to write (ReadWritePaths=). */
  dbPath?: string;
  dbDirectory?: string;
  /**
   * The config's db_path when it lies where ProtectHome= hides it and no database exists there yet: the configs planner
   * then sets db_path to `dbPath`. (An existing database is never moved: the operator does that with the signer stopped.)
   */
  dbMovedFrom?: string;
  /** The signer endpoint (host:port) after hardening, and its port. */
  endpoint?: { host: string; port: number };
  /**
   * Addresses the signer talks to or hears from besides loopback: the node's, when it is on another host (from
   * node_host, a name resolved through the target's /etc/hosts). Empty when the node is local.
   */
  nodeAddresses: string[];
  /** node_host names nothing harden can pin to an address (a DNS name not in /etc/hosts): egress cannot be narrowed. */
  nodeAddressUnknown?: string;
  /**
   * This host's own non-loopback addresses the signer's traffic carries: the endpoint's and metrics_endpoint's bind
   * address, and the host of a local node's [[events_observer]] that targets the endpoint's port (the node's events
   * then come from that address, not from loopback). Admitting them lets no other host in.
   */
  localAddresses?: string[];
  /** The database directory holds nothing but the signer's database files (or does not exist yet). */
  dbDirectoryDedicated?: boolean;
  /**
   * Why the database cannot be handed to the service account (a shared or system directory it cannot write, a
   * symlinked directory): the systemd part then refuses, and the permissions part leaves the database alone.
   */
  dbProblem?: string;
}

export interface NodeLayout extends ServiceLayout {
  /** The node's P2P port (p2p_bind, default 20444) and RPC port. */
  p2pPort: number;
  rpcPort?: number;
  /** The chainstate the node must be able to write: STACKS_WORKING_DIR from the unit's environment, else working_dir. */
  workingDirectory?: string;
  /** The working directory belongs to the node alone (below /var/lib, the signer's database not inside it). */
  workingDirectoryDedicated?: boolean;
  /** Why the node's chainstate cannot follow it to its new account: the systemd part then refuses. */
  workingDirectoryProblem?: string;
}

export interface HardenLayout {
  signer?: SignerLayout;
  /** The node on this host; undefined when it runs elsewhere. */
  node?: NodeLayout;
  /**
   * The signer and ITS node (the one node_host names) both run here: the firewall then needs no rule for the signer
   * endpoint, events come over loopback. A node unit here that is not the signer's node does not count.
   */
  colocated: boolean;
  /** Where discovery's choices come from, for the plan's header. */
  notes: string[];
}

export interface HardenOptions {
  /** The operator has a console (IPMI, cloud serial): lock-out guards that name this flag step aside. */
  consoleAccess: boolean;
}

export interface PlannerInput {
  ctx: AuditContext;
  layout: HardenLayout;
  options: HardenOptions;
}

/** One per area; returns undefined when the area has nothing to plan on this target (no sshd installed). */
export type Planner = (input: PlannerInput) => Promise<PlanPart | undefined>;

export interface HardenPlan {
  /** "/" or the directory given to --root. */
  root: string;
  live: boolean;
  layout: HardenLayout;
  parts: PlanPart[];
}
