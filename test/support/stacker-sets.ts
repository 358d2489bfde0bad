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

/**
 * n distinct valid compressed public keys, fast: the multiples G, 2G, …, nG by point addition, made affine with one
 * field inversion for all of them (Montgomery's trick). key() takes ~1 ms each; this makes 125k in seconds.
 */
export async function manyKeys(n: number): Promise<string[]> {
  const { secp256k1 } = await import('@noble/curves/secp256k1.js');
  const { Point } = secp256k1;
  const p = Point.Fp.ORDER;
  const mod = (value: bigint) => ((value % p) + p) % p;
  const points = [];
  for (let at = Point.BASE, i = 0; i < n; i += 1, at = at.add(Point.BASE)) points.push(at);
  const prefix: bigint[] = [];
  let product = 1n;
  for (const point of points) {
    prefix.push(product);
    product = mod(product * point.Z);
  }
  let inverse = Point.Fp.inv(product);
  const keys: string[] = new Array(n);
  for (let i = n - 1; i >= 0; i -= 1) {
    const point = points[i]!;
    const zInverse = mod(inverse * prefix[i]!);
    inverse = mod(inverse * point.Z);
    const x = mod(point.X * zInverse);
    const y = mod(point.Y * zInverse);
    keys[i] = (y & 1n ? '03' : '02') + x.toString(16).padStart(64, '0');
  }
  return keys;
}
