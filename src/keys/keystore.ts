// Passphrase-encrypted keystore for the signer key: scrypt + AES-256-GCM, JSON. Layout and rationale: docs/keystore.md.
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { fingerprint } from '../stacks/fingerprint.js';
import { compressedPublicKey, signerAddress } from '../stacks/keys.js';

export const KEYSTORE_FORMAT = 'signer-opsec-keystore';
export const KEYSTORE_VERSION = 1;
export const MIN_PASSPHRASE_LENGTH = 12;

export interface ScryptParams {
  n: number;
  r: number;
  p: number;
}

/** 2^18 × 8 × 128 B = 256 MiB and about a second per attempt: what OWASP and the scrypt paper suggest for file keys. */
export const DEFAULT_SCRYPT: ScryptParams = { n: 2 ** 18, r: 8, p: 1 };
// What a keystore file may ask for, checked before scrypt runs: N from 2^15 (weaker is refused) to 2^18, r = 8,
// p = 1. `key backup` writes 2^18/8/1; anything more is a crafted file: 2^20/16/4 made `key restore` allocate 2 GiB and
// spend half a minute before failing. At most 256 MiB and about a second per attempt.
const MIN_N = 2 ** 15;
const MAX_N = DEFAULT_SCRYPT.n;
const ACCEPTED_R = DEFAULT_SCRYPT.r;
const ACCEPTED_P = DEFAULT_SCRYPT.p;

export interface Keystore {
  format: typeof KEYSTORE_FORMAT;
  version: typeof KEYSTORE_VERSION;
  /** Clear identification, authenticated (GCM additional data): compressed public key, addresses, key fingerprint. */
  publicKey: string;
  addresses: { mainnet: string; testnet: string };
  fingerprint: string;
  createdAt: string;
  kdf: { name: 'scrypt'; n: number; r: number; p: number; dkLen: 32; salt: string };
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string };
  /** The key as it appears in the config (32 bytes, or 33 with the 01 suffix), encrypted. */
  ciphertext: string;
}

export class KeystoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeystoreError';
  }
}

function scryptKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Buffer> {
  // maxmem must exceed 128·N·r, plus a margin for node's own bookkeeping.
  const maxmem = 128 * params.n * params.r * params.p + 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFKC'), salt, 32, { N: params.n, r: params.r, p: params.p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** The authenticated clear header: changing any identification field makes decryption fail. */
function additionalData(keystore: Omit<Keystore, 'cipher' | 'ciphertext'>): Buffer {
  const { format, version, publicKey, addresses, fingerprint: fp, createdAt, kdf } = keystore;
  // Field by field, so that re-indenting or reordering the JSON does not break it.
  const fields: (string | number)[] = [format, version, publicKey, addresses.mainnet, addresses.testnet, fp, createdAt];
  fields.push(kdf.name, kdf.n, kdf.r, kdf.p, kdf.dkLen, kdf.salt);
  return Buffer.from(JSON.stringify(fields), 'utf8');
}

/**
 * Encrypts `configKey` (the key bytes as the config holds them: 32, or 33 ending in 0x01). The passphrase must have at
 * least MIN_PASSPHRASE_LENGTH characters.
 */
export async function encryptKeystore(
  configKey: Uint8Array,
  passphrase: string,
  options: { params?: ScryptParams; now?: Date } = {},
): Promise<Keystore> {
  if (!(configKey.length === 32 || (configKey.length === 33 && configKey[32] === 1)))
    throw new RangeError('a config key is 32 bytes, or 33 ending in 0x01');
  checkPassphrase(passphrase);
  const params = options.params ?? DEFAULT_SCRYPT;
  const scalar = configKey.subarray(0, 32);
  const publicKey = compressedPublicKey(scalar);
  const salt = randomBytes(32);
  const iv = randomBytes(12);
  const header = {
    format: KEYSTORE_FORMAT,
    version: KEYSTORE_VERSION,
    publicKey: bytesToHex(publicKey),
    addresses: { mainnet: signerAddress(publicKey, 'mainnet'), testnet: signerAddress(publicKey, 'testnet') },
    fingerprint: fingerprint(scalar),
    createdAt: (options.now ?? new Date()).toISOString(),
    kdf: { name: 'scrypt', n: params.n, r: params.r, p: params.p, dkLen: 32, salt: salt.toString('hex') },
  } as const;
  const key = await scryptKey(passphrase, salt, params);
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(additionalData(header));
    const ciphertext = Buffer.concat([cipher.update(configKey), cipher.final()]);
    return {
      ...header,
      kdf: { ...header.kdf },
      cipher: { name: 'aes-256-gcm', iv: iv.toString('hex'), tag: cipher.getAuthTag().toString('hex') },
      ciphertext: ciphertext.toString('hex'),
    };
  } finally {
    key.fill(0);
  }
}

export function checkPassphrase(passphrase: string): void {
  if (Array.from(passphrase).length < MIN_PASSPHRASE_LENGTH)
    throw new KeystoreError(`the passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters`);
}

const isHex = (value: unknown, bytes?: number): value is string =>
  typeof value === 'string' && /^([0-9a-f]{2})+$/.test(value) && (bytes === undefined || value.length === bytes * 2);
const isInt = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

/** Validates the shape of a parsed keystore file; each problem names the field. */
export function parseKeystore(json: unknown): Keystore {
  const bad = (field: string, why: string) => new KeystoreError(`not a valid keystore: ${field} ${why}`);
  if (typeof json !== 'object' || json === null) throw bad('the file', 'is not a JSON object');
  const k = json as Record<string, unknown>;
  if (k.format !== KEYSTORE_FORMAT) throw bad('"format"', `is not "${KEYSTORE_FORMAT}"`);
  if (k.version !== KEYSTORE_VERSION) throw bad('"version"', `is not ${KEYSTORE_VERSION} (a newer tool wrote it?)`);
  if (!isHex(k.publicKey, 33)) throw bad('"publicKey"', 'is not a 33-byte hex public key');
  const addresses = k.addresses as Record<string, unknown> | undefined;
  if (typeof addresses?.mainnet !== 'string' || typeof addresses.testnet !== 'string')
    throw bad('"addresses"', 'must hold mainnet and testnet addresses');
  if (typeof k.fingerprint !== 'string' || !/^[0-9a-f]{8}$/.test(k.fingerprint))
    throw bad('"fingerprint"', 'is not 8 hex');
  if (typeof k.createdAt !== 'string') throw bad('"createdAt"', 'is missing');
  const kdf = k.kdf as Record<string, unknown> | undefined;
  if (kdf?.name !== 'scrypt') throw bad('"kdf.name"', 'is not "scrypt"');
  if (!isInt(kdf.n) || kdf.n < MIN_N || kdf.n > MAX_N || (kdf.n & (kdf.n - 1)) !== 0)
    throw bad('"kdf.n"', `is not a power of two between 2^15 and 2^18`);
  if (kdf.r !== ACCEPTED_R) throw bad('"kdf.r"', `is not ${ACCEPTED_R}`);
  if (kdf.p !== ACCEPTED_P) throw bad('"kdf.p"', `is not ${ACCEPTED_P}`);
  if (kdf.dkLen !== 32) throw bad('"kdf.dkLen"', 'is not 32');
  if (!isHex(kdf.salt) || kdf.salt.length < 32) throw bad('"kdf.salt"', 'is not hex of at least 16 bytes');
  const cipher = k.cipher as Record<string, unknown> | undefined;
  if (cipher?.name !== 'aes-256-gcm') throw bad('"cipher.name"', 'is not "aes-256-gcm"');
  if (!isHex(cipher.iv, 12)) throw bad('"cipher.iv"', 'is not 12 bytes of hex');
  if (!isHex(cipher.tag, 16)) throw bad('"cipher.tag"', 'is not 16 bytes of hex');
  if (!isHex(k.ciphertext) || (k.ciphertext.length !== 64 && k.ciphertext.length !== 66))
    throw bad('"ciphertext"', 'is not 32 or 33 bytes of hex');
  return json as Keystore;
}

/** The identification fields must agree with each other (they are also authenticated, but only with the passphrase). */
export function checkKeystoreIdentity(keystore: Keystore): void {
  const publicKey = hexToBytes(keystore.publicKey);
  if (publicKey[0] !== 2 && publicKey[0] !== 3)
    throw new KeystoreError('not a valid keystore: "publicKey" is not compressed');
  if (
    signerAddress(publicKey, 'mainnet') !== keystore.addresses.mainnet ||
    signerAddress(publicKey, 'testnet') !== keystore.addresses.testnet
  )
    throw new KeystoreError('not a valid keystore: its addresses do not belong to its public key');
}

/**
 * Decrypts to the key bytes as the config held them (the caller zeroes them after use). A wrong passphrase and a
 * tampered file are one error: GCM can't tell them apart.
 */
export async function decryptKeystore(keystore: Keystore, passphrase: string): Promise<Uint8Array> {
  checkKeystoreIdentity(keystore);
  const { n, r, p, salt } = keystore.kdf;
  const key = await scryptKey(passphrase, Buffer.from(salt, 'hex'), { n, r, p });
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(keystore.cipher.iv, 'hex'));
    decipher.setAAD(additionalData(keystore));
    decipher.setAuthTag(Buffer.from(keystore.cipher.tag, 'hex'));
    plain = Buffer.concat([decipher.update(Buffer.from(keystore.ciphertext, 'hex')), decipher.final()]);
  } catch {
    throw new KeystoreError('wrong passphrase, or the keystore was modified');
  } finally {
    key.fill(0);
  }
  const configKey = new Uint8Array(plain);
  plain.fill(0);
  if (bytesToHex(compressedPublicKey(configKey.subarray(0, 32))) !== keystore.publicKey) {
    configKey.fill(0);
    throw new KeystoreError('the decrypted key does not match the keystore public key');
  }
  return configKey;
}
