// What harden changes inside the signer and node configs, decided from their text alone: a wildcard or public
// endpoint/metrics bind moved to loopback, a weak or mismatched auth token replaced in both files. Pure: texts in,
// texts out; every other byte stays (src/keys/config-edit.ts). Reasons and notes name keys, never values.
import { setTomlString, type TomlStringLocation } from '../../keys/config-edit.js';
import { classifyHost, parseHostPort } from '../../net/address.js';
import { type HostsEntry, lookupHost } from '../../parsers/hosts.js';
import { parseNodeConfig } from '../../parsers/node-config.js';
import { parseSignerConfig } from '../../parsers/signer-config.js';
import { isWeakAuthToken } from '../../stacks/published-secrets.js';
import { estimateTokenStrength } from '../../stacks/token-strength.js';

export interface ConfigEditInput {
  signerText: string;
  /** The node's config when the node runs on this host; undefined when it runs elsewhere. */
  nodeText?: string;
  /** A fresh token (32 random bytes, hex); called at most once. */
  newToken: () => string;
  /** db_path to set: the layout moves a database ProtectHome= would hide (none exists there yet). */
  dbPath?: string;
  /** The target's /etc/hosts, to tell whether a node_host name is loopback (never DNS). */
  hosts?: readonly HostsEntry[];
}

export interface EditedConfig {
  text: string;
  /** Keys set, as `endpoint` or `[connection_options] auth_token`. */
  changedKeys: string[];
}

export interface ConfigEdits {
  signer: EditedConfig;
  node?: EditedConfig;
  /** Controls that pass once these edits are in place (or already did). */
  addresses: string[];
  notes: string[];
  /** Where and why a file could not be edited; no text is then offered for it. */
  errors: string[];
}

const AUTH_PASSWORD: TomlStringLocation = { key: 'auth_password' };
const AUTH_TOKEN: TomlStringLocation = { table: 'connection_options', key: 'auth_token' };

/** `host:port` with IPv6 hosts bracketed, as the signer and node write them. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function isLoopbackAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return classifyHost(bare) === 'loopback' && /^[0-9.:]+$/.test(bare);
}

/** node_host reaches the node over loopback: a loopback address, localhost, or a name /etc/hosts maps only to loopback. */
function nodeHostIsLoopback(nodeHost: string | undefined, hosts: readonly HostsEntry[]): boolean {
  const host = nodeHost ? parseHostPort(nodeHost)?.host : undefined;
  if (!host) return false;
  const kind = classifyHost(host);
  if (kind !== 'name') return kind === 'loopback';
  const mapped = lookupHost(hosts, host.replace(/^\[|\]$/g, ''));
  return mapped.length > 0 && mapped.every((entry) => classifyHost(entry.address) === 'loopback');
}

export function isStrongAuthToken(token: unknown): token is string {
  return (
    typeof token === 'string' &&
    token.trim() !== '' &&
    !isWeakAuthToken(token) &&
    estimateTokenStrength(token).reasons.length === 0
  );
}

class Editor {
  readonly changedKeys: string[] = [];
  failed = false;
  constructor(
    public text: string,
    private readonly label: string,
    private readonly errors: string[],
  ) {}

  set(location: TomlStringLocation, value: string): void {
    if (this.failed) return;
    const result = setTomlString(this.text, location, value);
    const name = location.table ? `[${location.table}] ${location.key}` : location.key;
    if (!result.ok) {
      this.errors.push(`${this.label}: cannot set ${name}: ${result.message}`);
      this.failed = true;
      return;
    }
    if (result.action === 'unchanged') return;
    this.text = result.text;
    this.changedKeys.push(name);
  }
}

export function decideConfigEdits(input: ConfigEditInput): ConfigEdits {
  const addresses: string[] = [];
  const notes: string[] = [];
  const errors: string[] = [];
  const signerParse = parseSignerConfig(input.signerText);
  if (!signerParse.ok) {
    const where = signerParse.error.line !== undefined ? ` (line ${signerParse.error.line})` : '';
    errors.push(`signer config: ${signerParse.error.message}${where}`);
    return { signer: { text: input.signerText, changedKeys: [] }, addresses, notes, errors };
  }
  const nodeParse = input.nodeText === undefined ? undefined : parseNodeConfig(input.nodeText);
  if (nodeParse && !nodeParse.ok) {
    const where = nodeParse.error.line !== undefined ? ` (line ${nodeParse.error.line})` : '';
    errors.push(`node config: ${nodeParse.error.message}${where}`);
  }
  const node = nodeParse?.ok ? nodeParse.config : undefined;
  const signer = new Editor(input.signerText, 'signer config', errors);
  const nodeEditor =
    input.nodeText !== undefined && node ? new Editor(input.nodeText, 'node config', errors) : undefined;
  const config = signerParse.config;

  // The event endpoint: loopback only when the signer's own node is the local one and delivers its events over
  // loopback. A signer whose node_host is remote hears that node, not a local node's loopback observer.
  const endpoint = config.endpoint ? parseHostPort(config.endpoint) : undefined;
  const endpointKind = endpoint ? classifyHost(endpoint.host) : undefined;
  const localNode = nodeHostIsLoopback(config.nodeHost, input.hosts ?? []);
  if (endpointKind === 'loopback' || endpointKind === 'private') {
    addresses.push('topology/signer-endpoint-exposure');
  } else if (endpoint?.port !== undefined && (endpointKind === 'wildcard' || endpointKind === 'public')) {
    const observer = (localNode ? (node?.eventsObservers ?? []) : [])
      .map((entry) => (entry.endpoint ? parseHostPort(entry.endpoint) : undefined))
      .find(
        (target) => target !== undefined && target.port === endpoint.port && classifyHost(target.host) === 'loopback',
      );
    if (observer) {
      const host = isLoopbackAddress(observer.host) ? observer.host.replace(/^\[|\]$/g, '') : '127.0.0.1';
      signer.set({ key: 'endpoint' }, formatHostPort(host, endpoint.port));
      addresses.push('topology/signer-endpoint-exposure');
    } else {
      notes.push(
        node && !localNode
          ? `signer endpoint binds all interfaces and its node_host is not loopback (the node on this host is not its node): bind the signer's private address (the one its node's [[events_observer]] names) yourself`
          : node
            ? `signer endpoint binds all interfaces, and no [[events_observer]] of the node sends to it over loopback: bind the signer's private address yourself`
            : `signer endpoint binds all interfaces and the node runs elsewhere: bind the signer's private address (the one the node's [[events_observer]] names) yourself`,
      );
    }
  } else {
    notes.push('signer endpoint is a host name or malformed: set it to a loopback or private address yourself');
  }

  const metrics = config.metricsEndpoint ? parseHostPort(config.metricsEndpoint) : undefined;
  const metricsKind = metrics ? classifyHost(metrics.host) : undefined;
  if (config.metricsEndpoint === undefined || metricsKind === 'loopback' || metricsKind === 'private') {
    addresses.push('topology/metrics-endpoint-local');
  } else if (metrics?.port !== undefined && (metricsKind === 'wildcard' || metricsKind === 'public')) {
    signer.set({ key: 'metrics_endpoint' }, formatHostPort('127.0.0.1', metrics.port));
    addresses.push('topology/metrics-endpoint-local');
    notes.push(
      'metrics_endpoint now binds 127.0.0.1: scrape it locally, or set a private address if Prometheus runs elsewhere',
    );
  } else {
    notes.push('metrics_endpoint is a host name or malformed: set it to a loopback or private address yourself');
  }

  if (input.dbPath !== undefined && config.dbPath !== input.dbPath) {
    signer.set({ key: 'db_path' }, input.dbPath);
    notes.push(`db_path moves out of the home area that ProtectHome= hides: the signer creates its database there`);
  }

  const signerToken = config.raw.auth_password;
  const connection = (node?.raw.connection_options ?? {}) as Record<string, unknown>;
  const nodeToken = connection.auth_token ?? connection.block_proposal_token;
  if (node === undefined && input.nodeText === undefined) {
    if (isStrongAuthToken(signerToken)) addresses.push('keys/auth-token-strength');
    else
      notes.push(
        "auth_password is weak and the node's config is not on this host: generate one (openssl rand -hex 32) and set it here and as the node's [connection_options] auth_token at the same time",
      );
  } else if (nodeEditor) {
    if (isStrongAuthToken(signerToken) && nodeToken === signerToken) {
      addresses.push('keys/auth-token-strength');
    } else {
      // The one value harden makes up: generated only when the current pair is weak or differs, so a second run keeps it.
      const token = input.newToken();
      signer.set(AUTH_PASSWORD, token);
      nodeEditor.set(AUTH_TOKEN, token);
      addresses.push('keys/auth-token-strength');
      notes.push(
        "auth_password and the node's [connection_options] auth_token are replaced by one fresh 32-byte token",
      );
      if (connection.block_proposal_token !== undefined)
        notes.push(
          'the node config still has the pre-3.0 [connection_options] block_proposal_token: remove it by hand',
        );
    }
  }
  if (signer.changedKeys.length > 0 || (nodeEditor?.changedKeys.length ?? 0) > 0)
    notes.push('restart the signer (and the node) for them to read the changed settings');

  const result: ConfigEdits = {
    signer: { text: signer.text, changedKeys: signer.changedKeys },
    addresses,
    notes,
    errors,
  };
  if (nodeEditor) result.node = { text: nodeEditor.text, changedKeys: nodeEditor.changedKeys };
  return result;
}
