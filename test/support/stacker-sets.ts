// Stacker-set documents for tests, shaped as a node serves them, with real compressed public keys.
import { createECDH, createHash } from 'node:crypto';

/** A valid compressed public key, derived from a label (so tests read `key('alice')`, not hex). */
export function key(label: string): string {
  const ecdh = createECDH('secp256k1');
  ecdh.setPrivateKey(createHash('sha256').update(`signer-opsec test ${label}`).digest());
  return ecdh.getPublicKey('hex', 'compressed');
}

export interface SignerSpec {
  signing_key: string;
  weight: number | string;
  /** Written verbatim as a JSON number unless it is a string (then quoted, as the event payload writes u128). */
  stacked_amt: string | bigint | number;
}

/** `{"stacker_set":{...}}` text; numbers are spliced in verbatim so values beyond 2^53 survive. */
export function stackerSetText(
  signers: readonly SignerSpec[],
  options: { version?: number; wrapped?: boolean; threshold?: string } = {},
): string {
  const entries = signers.map((signer) => {
    const amount =
      typeof signer.stacked_amt === 'string' ? JSON.stringify(signer.stacked_amt) : String(signer.stacked_amt);
    const weight = typeof signer.weight === 'string' ? signer.weight : String(signer.weight);
    return `{"signing_key":${JSON.stringify(signer.signing_key)},"weight":${weight},"stacked_amt":${amount}}`;
  });
  const version = options.version === undefined ? '' : `"reward_set_version":${options.version},`;
  const inner = `{${version}"rewarded_addresses":[],"signers":[${entries.join(',')}],"start_cycle_state":{"missed_reward_slots":[]},"pox_ustx_threshold":${options.threshold ?? '110000000000'}}`;
  return options.wrapped === false ? inner : `{"stacker_set":${inner}}`;
}
