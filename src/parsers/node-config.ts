// stacks-node's Config.toml: the settings the audit needs, unknown keys, and where each key is.
import {
  NODE_ARRAY_SECTIONS,
  NODE_LEGACY_KEYS,
  NODE_NESTED_KEYS,
  NODE_SECTION_KEYS,
  NODE_TOP_LEVEL_KEYS,
} from './node-config-keys.js';
import { isTable, parseTomlDocument, type TomlParseError } from './toml-document.js';
import type { TomlKeyLine } from './toml-lines.js';

export interface EventObserverConfig {
  /** `host:port`, no scheme. */
  endpoint: string | undefined;
  eventsKeys: string[];
  timeoutMs: number | undefined;
  disableRetries: boolean | undefined;
  /** 0-based position among the `[[events_observer]]` tables. */
  index: number;
  /** Line of `endpoint` (else of the `[[events_observer]]` header). */
  line: number | undefined;
}

export interface NodeConfig {
  node: {
    rpcBind: string | undefined;
    p2pBind: string | undefined;
    prometheusBind: string | undefined;
    workingDir: string | undefined;
    dataUrl: string | undefined;
    p2pAddress: string | undefined;
    bootstrapNode: string | undefined;
    stacker: boolean | undefined;
    miner: boolean | undefined;
    /** Secret: the node's bitcoin wallet key (hex). */
    seed: string | undefined;
    /** Secret: P2P identity key seed (hex). */
    localPeerSeed: string | undefined;
  };
  burnchain: {
    mode: string | undefined;
    peerHost: string | undefined;
    rpcPort: number | undefined;
    peerPort: number | undefined;
    rpcSsl: boolean | undefined;
    /** bitcoind RPC user. */
    username: string | undefined;
    /** Secret: bitcoind RPC password. */
    password: string | undefined;
  };
  miner: {
    /** Secret (hex). */
    miningKey: string | undefined;
  };
  connectionOptions: {
    /** Secret shared with the signer's `auth_password`. */
    authToken: string | undefined;
    /** Pre-3.0 name of auth_token (secret); current nodes refuse the key. */
    blockProposalToken: string | undefined;
    privateNeighbors: boolean | undefined;
  };
  eventsObservers: EventObserverConfig[];
  /** Sections present in the file, in file order. */
  sections: string[];
  raw: Record<string, unknown>;
}

export interface UnknownNodeKey {
  /** Top-level name: a section, or a key outside any section. */
  section: string;
  /** Key inside the section (dotted for nested tables); undefined when the section itself is unknown. */
  key: string | undefined;
  line: number | undefined;
  note?: string;
  /** The part of the name that is ours to show: the whole dotted name of a legacy key, else a known section (and key). */
  known?: string;
}

export interface InvalidNodeValue {
  section: string;
  key: string | undefined;
  line: number | undefined;
  /** What the node expects; the actual value is never included. */
  expected: string;
}

export type NodeConfigParse =
  | {
      ok: true;
      config: NodeConfig;
      /** The node refuses to start with any of these (deny_unknown_fields in every 3.x/4.x release). */
      unknownKeys: UnknownNodeKey[];
      invalidValues: InvalidNodeValue[];
      /** Line of `[section] key` (or of the section header when key is omitted); index picks a `[[section]]` element. */
      lineOf(section: string, key?: string, index?: number): number | undefined;
      /** Every `[[events_observer]]` with an endpoint. */
      observers: { endpoint: string; line: number | undefined; eventsKeys: string[] }[];
    }
  | { ok: false; error: TomlParseError };

/**
 * Where a section, key or array element is written: the first matching line. Indexed once, not searched per call: a
 * config of 8,000 `[[events_observer]]` headers took 6 s (one scan of every line per observer; found by the fuzzer).
 */
function makeLineOf(keyLines: TomlKeyLine[]) {
  const byPath = new Map<string, number>();
  const byPathAndIndex = new Map<string, number>();
  const bySection = new Map<string, number>();
  const first = (map: Map<string, number>, key: string, line: number) => {
    if (!map.has(key)) map.set(key, line);
  };
  for (const entry of keyLines) {
    const path = entry.path.join('\0');
    first(byPath, path, entry.line);
    if (entry.arrayIndex !== undefined) first(byPathAndIndex, `${path}\u0001${entry.arrayIndex}`, entry.line);
    if (entry.path[0] !== undefined) first(bySection, entry.path[0], entry.line);
  }
  return (section: string, key?: string, index?: number): number | undefined => {
    const path = [section, ...(key === undefined ? [] : key.split('.'))].join('\0');
    // A key may be written under its header or as a dotted key (`node.rpc_bind = ...`); a section may be implied
    // by a nested header (`[burnchain.epochs]`) without its own.
    return (
      (index === undefined ? byPath.get(path) : byPathAndIndex.get(`${path}\u0001${index}`)) ??
      (key === undefined ? bySection.get(section) : undefined)
    );
  };
}

class ValueReader {
  readonly invalid: InvalidNodeValue[] = [];
  constructor(private readonly lineOf: (section: string, key?: string, index?: number) => number | undefined) {}

  private check<T>(
    table: Record<string, unknown>,
    section: string,
    key: string,
    ok: (v: unknown) => v is T,
    expected: string,
    index?: number,
  ): T | undefined {
    const value = table[key];
    if (value === undefined) return undefined;
    if (ok(value)) return value;
    this.invalid.push({ section, key, line: this.lineOf(section, key, index), expected });
    return undefined;
  }
  string(table: Record<string, unknown>, section: string, key: string, index?: number): string | undefined {
    return this.check(table, section, key, (v): v is string => typeof v === 'string', 'a string', index);
  }
  boolean(table: Record<string, unknown>, section: string, key: string, index?: number): boolean | undefined {
    return this.check(table, section, key, (v): v is boolean => typeof v === 'boolean', 'true or false', index);
  }
  integer(table: Record<string, unknown>, section: string, key: string, index?: number): number | undefined {
    const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    return this.check(table, section, key, isCount, 'a non-negative integer', index);
  }
  strings(table: Record<string, unknown>, section: string, key: string, index?: number): string[] | undefined {
    const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((item) => typeof item === 'string');
    return this.check(table, section, key, isStrings, 'an array of strings', index);
  }
}

function findUnknownKeys(raw: Record<string, unknown>, lineOf: ReturnType<typeof makeLineOf>): UnknownNodeKey[] {
  const unknown: UnknownNodeKey[] = [];
  const report = (section: string, key: string | undefined, index?: number, knownPart?: string) => {
    const entry: UnknownNodeKey = { section, key, line: lineOf(section, key, index) };
    const legacy = key === undefined ? undefined : NODE_LEGACY_KEYS[`${section}.${key}`];
    if (legacy) {
      entry.note = legacy;
      entry.known = `${section}.${key}`;
    } else if (knownPart !== undefined) entry.known = knownPart;
    unknown.push(entry);
  };
  for (const [section, value] of Object.entries(raw)) {
    const known = NODE_SECTION_KEYS[section];
    if (!known) {
      if (!NODE_TOP_LEVEL_KEYS.includes(section)) report(section, undefined);
      continue;
    }
    const tables = Array.isArray(value) ? value : [value];
    tables.forEach((table, index) => {
      if (!isTable(table)) return;
      const elementIndex = Array.isArray(value) ? index : undefined;
      for (const [key, child] of Object.entries(table)) {
        if (!known.includes(key)) {
          report(section, key, elementIndex, `[${section}]`);
          continue;
        }
        const nested = NODE_NESTED_KEYS[`${section}.${key}`];
        if (!nested) continue;
        for (const element of Array.isArray(child) ? child : [child]) {
          if (!isTable(element)) continue;
          for (const nestedKey of Object.keys(element)) {
            if (!nested.includes(nestedKey)) report(section, `${key}.${nestedKey}`, undefined, `[${section}] ${key}`);
          }
        }
      }
    });
  }
  return unknown;
}

export function parseNodeConfig(text: string): NodeConfigParse {
  const document = parseTomlDocument(text);
  if (!document.ok) return document;
  const raw = document.value;
  const lineOf = makeLineOf(document.keyLines);
  const read = new ValueReader(lineOf);

  const sectionTable = (name: string): Record<string, unknown> => {
    const value = raw[name];
    if (value === undefined) return {};
    if (isTable(value)) return value;
    read.invalid.push({ section: name, key: undefined, line: lineOf(name), expected: `a [${name}] table` });
    return {};
  };
  const node = sectionTable('node');
  const burnchain = sectionTable('burnchain');
  const miner = sectionTable('miner');
  const connection = sectionTable('connection_options');

  const eventsObservers: EventObserverConfig[] = [];
  const observerValue = raw['events_observer'];
  if (observerValue !== undefined && !(Array.isArray(observerValue) && observerValue.every(isTable))) {
    read.invalid.push({
      section: 'events_observer',
      key: undefined,
      line: lineOf('events_observer'),
      expected: 'an array of tables written [[events_observer]]',
    });
  } else if (Array.isArray(observerValue)) {
    observerValue.forEach((table: Record<string, unknown>, index) => {
      const endpoint = read.string(table, 'events_observer', 'endpoint', index);
      if (table['endpoint'] === undefined) {
        read.invalid.push({
          section: 'events_observer',
          key: 'endpoint',
          line: lineOf('events_observer', undefined, index),
          expected: 'an endpoint (required)',
        });
      }
      eventsObservers.push({
        endpoint,
        eventsKeys: read.strings(table, 'events_observer', 'events_keys', index) ?? [],
        timeoutMs: read.integer(table, 'events_observer', 'timeout_ms', index),
        disableRetries: read.boolean(table, 'events_observer', 'disable_retries', index),
        index,
        line: lineOf('events_observer', 'endpoint', index) ?? lineOf('events_observer', undefined, index),
      });
    });
  }
  for (const name of NODE_ARRAY_SECTIONS) {
    if (name === 'events_observer' || raw[name] === undefined) continue;
    const value = raw[name];
    if (!(Array.isArray(value) && value.every(isTable))) {
      read.invalid.push({
        section: name,
        key: undefined,
        line: lineOf(name),
        expected: `an array of tables written [[${name}]]`,
      });
    }
  }

  const config: NodeConfig = {
    node: {
      rpcBind: read.string(node, 'node', 'rpc_bind'),
      p2pBind: read.string(node, 'node', 'p2p_bind'),
      prometheusBind: read.string(node, 'node', 'prometheus_bind'),
      workingDir: read.string(node, 'node', 'working_dir'),
      dataUrl: read.string(node, 'node', 'data_url'),
      p2pAddress: read.string(node, 'node', 'p2p_address'),
      bootstrapNode: read.string(node, 'node', 'bootstrap_node'),
      stacker: read.boolean(node, 'node', 'stacker'),
      miner: read.boolean(node, 'node', 'miner'),
      seed: read.string(node, 'node', 'seed'),
      localPeerSeed: read.string(node, 'node', 'local_peer_seed'),
    },
    burnchain: {
      mode: read.string(burnchain, 'burnchain', 'mode'),
      peerHost: read.string(burnchain, 'burnchain', 'peer_host'),
      rpcPort: read.integer(burnchain, 'burnchain', 'rpc_port'),
      peerPort: read.integer(burnchain, 'burnchain', 'peer_port'),
      rpcSsl: read.boolean(burnchain, 'burnchain', 'rpc_ssl'),
      username: read.string(burnchain, 'burnchain', 'username'),
      password: read.string(burnchain, 'burnchain', 'password'),
    },
    miner: { miningKey: read.string(miner, 'miner', 'mining_key') },
    connectionOptions: {
      authToken: read.string(connection, 'connection_options', 'auth_token'),
      blockProposalToken: read.string(connection, 'connection_options', 'block_proposal_token'),
      privateNeighbors: read.boolean(connection, 'connection_options', 'private_neighbors'),
    },
    eventsObservers,
    sections: Object.keys(raw).filter((key) => isTable(raw[key]) || Array.isArray(raw[key])),
    raw,
  };
  const observers = eventsObservers.flatMap((observer) =>
    observer.endpoint === undefined
      ? []
      : [{ endpoint: observer.endpoint, line: observer.line, eventsKeys: observer.eventsKeys }],
  );
  return {
    ok: true,
    config,
    unknownKeys: findUnknownKeys(raw, lineOf),
    invalidValues: read.invalid,
    lineOf,
    observers,
  };
}
