// stacks-signer's config file (flat TOML, no sections). Keys as in stacks-core:stacks-signer/src/config.rs
// (RawConfigFile), see stacks-facts.md §1.
import { isTable, parseTomlDocument, type TomlParseError } from './toml-document.js';

export type SignerNetwork = 'mainnet' | 'testnet' | 'mocknet';

export interface SignerConfig {
  /** The secret. Never log or report it: use fingerprint() from src/stacks/fingerprint.ts. */
  stacksPrivateKey: string | undefined;
  nodeHost: string | undefined;
  endpoint: string | undefined;
  network: SignerNetwork | undefined;
  /** Secret; must equal the node's `[connection_options] auth_token`. */
  authPassword: string | undefined;
  dbPath: string | undefined;
  metricsEndpoint: string | undefined;
  eventTimeoutMs: number | undefined;
  firstProposalBurnBlockTimingSecs: number | undefined;
  blockProposalTimeoutMs: number | undefined;
  chainId: number | undefined;
  tenureLastBlockProposalTimeoutSecs: number | undefined;
  blockProposalValidationTimeoutMs: number | undefined;
  tenureIdleTimeoutSecs: number | undefined;
  readCountIdleTimeoutSecs: number | undefined;
  tenureIdleTimeoutBufferSecs: number | undefined;
  blockProposalMaxAgeSecs: number | undefined;
  reorgAttemptsActivityTimeoutMs: number | undefined;
  proposalWaitForParentTimeSecs: number | undefined;
  dryRun: boolean | undefined;
  validateWithReplayTx: boolean | undefined;
  resetReplaySetAfterForkBlocks: number | undefined;
  capitulateMinerViewTimeoutSecs: number | undefined;
  stackerdbTimeoutSecs: number | undefined;
  /** Every key as parsed, including unknown ones. */
  raw: Record<string, unknown>;
}

type ValueKind = 'string' | 'integer' | 'boolean' | 'network';

// key → [field, kind]. The first six are required by the signer (non-Option fields of RawConfigFile).
const SIGNER_KEYS = {
  stacks_private_key: ['stacksPrivateKey', 'string'],
  node_host: ['nodeHost', 'string'],
  endpoint: ['endpoint', 'string'],
  network: ['network', 'network'],
  auth_password: ['authPassword', 'string'],
  db_path: ['dbPath', 'string'],
  metrics_endpoint: ['metricsEndpoint', 'string'],
  event_timeout_ms: ['eventTimeoutMs', 'integer'],
  first_proposal_burn_block_timing_secs: ['firstProposalBurnBlockTimingSecs', 'integer'],
  block_proposal_timeout_ms: ['blockProposalTimeoutMs', 'integer'],
  chain_id: ['chainId', 'integer'],
  tenure_last_block_proposal_timeout_secs: ['tenureLastBlockProposalTimeoutSecs', 'integer'],
  block_proposal_validation_timeout_ms: ['blockProposalValidationTimeoutMs', 'integer'],
  tenure_idle_timeout_secs: ['tenureIdleTimeoutSecs', 'integer'],
  read_count_idle_timeout_secs: ['readCountIdleTimeoutSecs', 'integer'],
  tenure_idle_timeout_buffer_secs: ['tenureIdleTimeoutBufferSecs', 'integer'],
  block_proposal_max_age_secs: ['blockProposalMaxAgeSecs', 'integer'],
  reorg_attempts_activity_timeout_ms: ['reorgAttemptsActivityTimeoutMs', 'integer'],
  proposal_wait_for_parent_time_secs: ['proposalWaitForParentTimeSecs', 'integer'],
  dry_run: ['dryRun', 'boolean'],
  validate_with_replay_tx: ['validateWithReplayTx', 'boolean'],
  reset_replay_set_after_fork_blocks: ['resetReplaySetAfterForkBlocks', 'integer'],
  capitulate_miner_view_timeout_secs: ['capitulateMinerViewTimeoutSecs', 'integer'],
  stackerdb_timeout_secs: ['stackerdbTimeoutSecs', 'integer'],
} as const satisfies Record<string, readonly [keyof SignerConfig, ValueKind]>;

export type SignerConfigKey = keyof typeof SIGNER_KEYS;
export const SIGNER_CONFIG_KEYS = Object.keys(SIGNER_KEYS) as SignerConfigKey[];
export const REQUIRED_SIGNER_KEYS: readonly SignerConfigKey[] = [
  'stacks_private_key',
  'node_host',
  'endpoint',
  'network',
  'auth_password',
  'db_path',
];

/** Keys of the 2.5 (DKG) signer that 3.0 removed. */
export const REMOVED_SIGNER_KEYS: readonly string[] = [
  'dkg_public_timeout_ms',
  'dkg_private_timeout_ms',
  'dkg_end_timeout_ms',
  'nonce_timeout_ms',
  'sign_timeout_ms',
  'tx_fee_ustx',
  'max_tx_fee_ustx',
];

export interface UnknownSignerKey {
  /** The file's text: shown only when `known` (a name from our list of removed keys). */
  key: string;
  line: number | undefined;
  /** E.g. "removed in 3.0". */
  note?: string;
  /** A key the signer once had (REMOVED_SIGNER_KEYS): its name is ours, not the file's free text. */
  known?: true;
}

export interface InvalidSignerValue {
  key: SignerConfigKey;
  line: number | undefined;
  /** What the signer expects; the actual value is never included. */
  expected: string;
}

export type SignerConfigParse =
  | {
      ok: true;
      config: SignerConfig;
      /** Keys stacks-signer does not know. Only 4.0.2+ refuses them; older versions ignore typos silently. */
      unknownKeys: UnknownSignerKey[];
      /** Known keys whose value has the wrong type or is out of range: the signer would refuse to start. */
      invalidValues: InvalidSignerValue[];
      missingRequired: SignerConfigKey[];
      lineOf(key: string): number | undefined;
    }
  | { ok: false; error: TomlParseError };

const EXPECTED: Record<ValueKind, string> = {
  string: 'a string',
  integer: 'a non-negative integer',
  boolean: 'true or false',
  network: '"mainnet", "testnet" or "mocknet"',
};

function typedValue(kind: ValueKind, value: unknown): unknown {
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'network':
      return value === 'mainnet' || value === 'testnet' || value === 'mocknet' ? value : undefined;
  }
}

/** A `[table]` or `[[array of tables]]`. */
function isSection(value: unknown): boolean {
  return isTable(value) || (Array.isArray(value) && value.length > 0 && value.every(isTable));
}

export function parseSignerConfig(text: string): SignerConfigParse {
  const document = parseTomlDocument(text);
  if (!document.ok) return document;
  const raw = document.value;
  const lines = new Map<string, number>();
  for (const entry of document.keyLines) {
    const top = entry.path[0];
    if (top !== undefined && !lines.has(top)) lines.set(top, entry.line);
  }
  const lineOf = (key: string) => lines.get(key);

  const config = { raw } as SignerConfig;
  const invalidValues: InvalidSignerValue[] = [];
  for (const [key, [field, kind]] of Object.entries(SIGNER_KEYS) as [
    SignerConfigKey,
    [keyof SignerConfig, ValueKind],
  ][]) {
    const value = raw[key];
    const typed = value === undefined ? undefined : typedValue(kind, value);
    if (value !== undefined && typed === undefined)
      invalidValues.push({ key, line: lineOf(key), expected: EXPECTED[kind] });
    (config as unknown as Record<string, unknown>)[field] = typed;
  }

  const unknownKeys: UnknownSignerKey[] = [];
  for (const key of Object.keys(raw)) {
    if (key in SIGNER_KEYS) continue;
    const unknown: UnknownSignerKey = { key, line: lineOf(key) };
    if (REMOVED_SIGNER_KEYS.includes(key)) {
      unknown.note = 'removed in 3.0';
      unknown.known = true;
    } else if (isSection(raw[key])) unknown.note = 'the signer config has no sections';
    unknownKeys.push(unknown);
  }
  const missingRequired = REQUIRED_SIGNER_KEYS.filter((key) => raw[key] === undefined);
  return { ok: true, config, unknownKeys, invalidValues, missingRequired, lineOf };
}
