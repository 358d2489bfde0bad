// A cycle's signer set as the node serves it at GET /v3/stacker_set/{cycle} (stacks-core:stackslib/src/net/api/getstackers.rs,
// RewardSet in stackslib/src/chainstate/stacks/boot/mod.rs; stacks-facts.md §7). Pure: text in, validated data out.
import { ECDH } from 'node:crypto';
import { type ExactJsonValue, JsonNumber, JsonSyntaxError, parseExactJson } from '../parsers/exact-json.js';
import { jsonOverLimits, limitWords, PARSE_LIMITS } from '../parsers/parse-limits.js';

export interface StackerSetSigner {
  /** 33-byte compressed public key: lower-case hex, no `0x`. */
  signingKey: string;
  /** Signing weight: what block approval counts (u32 in stacks-core). */
  weight: number;
  /** Micro-STX stacked behind the key (u128, exact). */
  stackedUstx: bigint;
  /** Position in the document's `signers` array. */
  index: number;
}

export interface StackerSet {
  /** 0: PoX-4 shape (also when the field is absent, as before 4.0); 1: PoX-5 shape with `sbtc_address`. */
  rewardSetVersion: 0 | 1;
  poxUstxThreshold: bigint | null;
  signers: StackerSetSigner[];
}

/** Bad input: `where` names the field (`stacker_set.signers[3].weight`) or `line:column` of a JSON syntax error. */
export class StackerSetError extends Error {
  constructor(
    readonly where: string,
    readonly reason: string,
  ) {
    super(`${where}: ${reason}`);
    this.name = 'StackerSetError';
  }
}

const U32_MAX = 0xffff_ffffn;
const U128_MAX = (1n << 128n) - 1n;
const KNOWN_VERSIONS = [0, 1] as const;

type JsonObject = { readonly [key: string]: ExactJsonValue };

function isObject(value: ExactJsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

/** What a value is, for an error message: short, and the literal only when it is a number. */
function describe(value: ExactJsonValue | undefined): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  return String(value);
}

/**
 * An unsigned integer written as a JSON number, or (as the event observer payload and Hiro's API write u128 fields) as a
 * string of decimal digits (`acceptString`, for u128 fields only). No sign, fraction or exponent: serde rejects them for integer fields too.
 */
function unsignedInteger(
  value: ExactJsonValue | undefined,
  max: bigint,
  where: string,
  what: string,
  acceptString = false,
): bigint {
  const digits =
    value instanceof JsonNumber ? value.text : acceptString && typeof value === 'string' ? value : undefined;
  if (digits === undefined || !/^[0-9]+$/.test(digits)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : describe(value);
    throw new StackerSetError(where, `expected ${what}, a non-negative integer; got ${shown}`);
  }
  const parsed = BigInt(digits);
  if (parsed > max) throw new StackerSetError(where, `${digits} is larger than ${what} can be (at most ${max})`);
  return parsed;
}

/**
 * A compressed secp256k1 public key in hex (`02`/`03` + 64 hex; a `0x` prefix and upper case accepted) that is a point
 * on the curve, as lower-case hex without `0x`; undefined otherwise.
 */
export function normalisePublicKey(text: string): string | undefined {
  const hex = (/^0x/i.test(text) ? text.slice(2) : text).toLowerCase();
  if (!/^0[23][0-9a-f]{64}$/.test(hex)) return undefined;
  try {
    // Decompressing checks that x is on the curve.
    ECDH.convertKey(hex, 'secp256k1', 'hex', 'hex', 'uncompressed');
  } catch {
    return undefined;
  }
  return hex;
}

function signerEntry(value: ExactJsonValue, index: number, prefix: string): StackerSetSigner {
  const where = `${prefix}[${index}]`;
  if (!isObject(value)) throw new StackerSetError(where, `expected an object, got ${describe(value)}`);
  const rawKey = value['signing_key'];
  if (typeof rawKey !== 'string')
    throw new StackerSetError(`${where}.signing_key`, `expected a hex string, got ${describe(rawKey)}`);
  const signingKey = normalisePublicKey(rawKey);
  if (signingKey === undefined)
    throw new StackerSetError(
      `${where}.signing_key`,
      'not a 33-byte compressed secp256k1 public key (02 or 03 followed by 64 hex digits, on the curve)',
    );
  const weight = Number(unsignedInteger(value['weight'], U32_MAX, `${where}.weight`, 'a u32 weight'));
  const stackedUstx = unsignedInteger(value['stacked_amt'], U128_MAX, `${where}.stacked_amt`, 'a u128 amount', true);
  return { signingKey, weight, stackedUstx, index };
}

/**
 * Reads the RewardSet out of a parsed document: the node's `{ "stacker_set": {...} }` or the inner object itself.
 * A signing key may appear once: the node sums every stacker's amount per key into one entry, so a repeat means the
 * file was edited or corrupted, and guessing which entry is right would misstate the figures.
 */
export function stackerSetFromJson(document: ExactJsonValue): StackerSet {
  if (!isObject(document)) throw new StackerSetError('document', `expected a JSON object, got ${describe(document)}`);
  const wrapped = 'stacker_set' in document;
  const set = wrapped ? document['stacker_set'] : document;
  const prefix = wrapped ? 'stacker_set.' : '';
  if (!isObject(set)) throw new StackerSetError('stacker_set', `expected an object, got ${describe(set)}`);

  const rawVersion = set['reward_set_version'];
  let rewardSetVersion: 0 | 1 = 0;
  if (rawVersion !== undefined) {
    const version = unsignedInteger(rawVersion, U32_MAX, `${prefix}reward_set_version`, 'a version number');
    if (version !== 0n && version !== 1n)
      throw new StackerSetError(
        `${prefix}reward_set_version`,
        `unknown version ${version} (this tool reads ${KNOWN_VERSIONS.join(' and ')})`,
      );
    rewardSetVersion = Number(version) as 0 | 1;
  }

  const rawThreshold = set['pox_ustx_threshold'];
  const poxUstxThreshold =
    rawThreshold === undefined || rawThreshold === null
      ? null
      : unsignedInteger(rawThreshold, U128_MAX, `${prefix}pox_ustx_threshold`, 'a u128 amount', true);

  const rawSigners = set['signers'];
  if (rawSigners === undefined || rawSigners === null)
    throw new StackerSetError(`${prefix}signers`, 'missing: this reward set has no signers (a pre-Nakamoto cycle?)');
  if (!Array.isArray(rawSigners))
    throw new StackerSetError(`${prefix}signers`, `expected an array, got ${describe(rawSigners)}`);
  if (rawSigners.length === 0) throw new StackerSetError(`${prefix}signers`, 'the signer set is empty');

  const signers = rawSigners.map((entry, index) => signerEntry(entry, index, `${prefix}signers`));
  const firstIndex = new Map<string, number>();
  for (const signer of signers) {
    const earlier = firstIndex.get(signer.signingKey);
    if (earlier !== undefined)
      throw new StackerSetError(
        `${prefix}signers[${signer.index}].signing_key`,
        `the same key as ${prefix}signers[${earlier}]; a node lists each key once`,
      );
    firstIndex.set(signer.signingKey, signer.index);
  }
  const totalWeight = signers.reduce((sum, signer) => sum + signer.weight, 0);
  if (totalWeight === 0)
    throw new StackerSetError(`${prefix}signers`, 'every signer has weight 0: nobody could sign a block');
  // stacks-core adds the weights up in a u32 (total_signing_weight, checked): a larger total is no real set.
  if (totalWeight > Number(U32_MAX))
    throw new StackerSetError(`${prefix}signers`, `the weights add up to ${totalWeight}, more than a u32 total can be`);
  return { rewardSetVersion, poxUstxThreshold, signers };
}

/** JSON text with exact numbers; a syntax error becomes a StackerSetError at `line:column` (never quoting the text). */
export function parseJsonDocument(text: string): ExactJsonValue {
  const overLimit = jsonOverLimits(text, PARSE_LIMITS.stackerSet);
  if (overLimit)
    throw new StackerSetError(overLimit.line ? `line ${overLimit.line}` : 'the document', limitWords(overLimit));
  try {
    return parseExactJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError)
      throw new StackerSetError(`${error.line}:${error.column}`, `invalid JSON: ${error.reason}`);
    throw error;
  }
}

/** Parses a stacker-set document; every problem is a StackerSetError naming where. */
export function parseStackerSet(text: string): StackerSet {
  return stackerSetFromJson(parseJsonDocument(text));
}
