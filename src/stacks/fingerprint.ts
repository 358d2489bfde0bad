// Names a secret without revealing it: evidence and messages carry this instead of the value.
// Scheme (docs/fingerprints.md): keys and mnemonics (≥ 128 bits) get a fast SHA-256 prefix; guessable values
// (tokens, passwords) get a scrypt prefix, so a published fingerprint is not a cheap dictionary oracle.
import { createHash, scrypt, scryptSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * First 8 hex characters of SHA-256 over the secret (a string is hashed as UTF-8). Only for high-entropy secrets.
 * For a private key pass its 32 key bytes (`parsePrivateKeyHex(...).bytes`), so that every encoding of the same key
 * (64/66 hex, `0x`, upper case) gets the same fingerprint.
 */
export function fingerprint(secret: string | Uint8Array): string {
  const bytes = typeof secret === 'string' ? utf8ToBytes(secret) : secret;
  return bytesToHex(sha256(bytes)).slice(0, 8);
}

/**
 * THE fingerprint of a signer private key, the same in keygen, key show, keystores, scan findings, audit evidence and
 * the report's `[secret …]` masks: the first 8 hex of SHA-256 over its 32 key bytes (whatever the encoding: 64 or 66
 * hex, `0x`, any case). docs/keystore.md explains why there is only one.
 */
export function keyFingerprint(keyBytes: Uint8Array): string {
  return fingerprint(keyBytes.subarray(0, 32));
}

/** keyFingerprint of a key given as hex (64 or 66 digits, optional 0x, any case). */
export function keyFingerprintOfHex(hex: string): string {
  return keyFingerprint(hexToBytes(hex.replace(/^0x/i, '').slice(0, 64).toLowerCase()));
}

// Fixed so that equal values get equal fingerprints across runs and hosts (baselines depend on it); it separates
// this use from any other scrypt of the same value.
export const SLOW_FINGERPRINT_SALT = 'signer-opsec fingerprint v1';
// N=2^15, r=8, p=1: ~50-100 ms and 32 MiB per guess. maxmem is raised because 128·N·r equals Node's default limit.
const SCRYPT_OPTIONS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

// Memo keyed by a SHA-256 of the input, so the map holds no secret; a run pays once per distinct value.
const slowMemo = new Map<string, string>();

/** Hex of scrypt(input, SLOW_FINGERPRINT_SALT), 32 bytes; memoised for the life of the process. */
export function slowDigestHex(input: string): string {
  const memoKey = createHash('sha256').update(input, 'utf8').digest('hex');
  let digest = slowMemo.get(memoKey);
  if (digest === undefined) {
    digest = scryptSync(input, SLOW_FINGERPRINT_SALT, 32, SCRYPT_OPTIONS).toString('hex');
    slowMemo.set(memoKey, digest);
  }
  return digest;
}

// In-flight and settled async digests, keyed like slowMemo: concurrent callers of one value share one scrypt.
const slowPending = new Map<string, { promise: Promise<string>; job: ScryptJob }>();

/**
 * slowDigestHex on libuv's thread pool: many values are digested at once (one per core) and the event loop goes on
 * meanwhile. Shares the memo with the synchronous form. `background`: started ahead of need (a history scan starts
 * each finding's as the walk finds it), one such at a time, so the walk keeps its cores and one scrypt's 32 MiB is
 * all it adds to the walk's memory; a foreground caller of the same value moves it up the queue.
 */
export function slowDigestHexAsync(input: string, { background = false } = {}): Promise<string> {
  const memoKey = createHash('sha256').update(input, 'utf8').digest('hex');
  const settled = slowMemo.get(memoKey);
  if (settled !== undefined) return Promise.resolve(settled);
  const pending = slowPending.get(memoKey);
  if (pending !== undefined) {
    if (!background && pending.job.background) {
      pending.job.background = false;
      dispatch();
    }
    return pending.promise;
  }
  const job: ScryptJob = { background, run: () => {} };
  const promise = new Promise<string>((resolvePromise, reject) => {
    job.run = () =>
      scrypt(input, SLOW_FINGERPRINT_SALT, 32, SCRYPT_OPTIONS, (error, key) => {
        slowPending.delete(memoKey);
        scryptsRunning--;
        if (job.startedInBackground) backgroundRunning--;
        dispatch();
        if (error) {
          reject(error);
          return;
        }
        const digest = key.toString('hex');
        slowMemo.set(memoKey, digest);
        resolvePromise(digest);
      });
  });
  slowPending.set(memoKey, { promise, job });
  scryptQueue.push(job);
  dispatch();
  return promise;
}

interface ScryptJob {
  background: boolean;
  startedInBackground?: boolean;
  run: () => void;
}

// Each scrypt holds 32 MiB while it runs: more at once than there are cores is memory without speed (libuv's pool
// has 4 threads; a 2-core machine ran 4 and a history scan's peak RSS grew by 128 MiB at its end).
const MAX_SCRYPTS = Math.max(1, Math.min(4, availableParallelism()));
const MAX_BACKGROUND_SCRYPTS = 1;
let scryptsRunning = 0;
let backgroundRunning = 0;
const scryptQueue: ScryptJob[] = [];

/** Scrypts running now, and how many of them were started in the background (for the tests of the limits). */
export function slowDigestsRunning(): { all: number; background: number } {
  return { all: scryptsRunning, background: backgroundRunning };
}

/** Starts queued scrypts while the limits allow: foreground ones first, in order, then background ones. */
function dispatch(): void {
  while (scryptsRunning < MAX_SCRYPTS && scryptQueue.length > 0) {
    let index = scryptQueue.findIndex((job) => !job.background);
    if (index === -1) {
      if (backgroundRunning >= MAX_BACKGROUND_SCRYPTS) return;
      index = 0;
    }
    const [job] = scryptQueue.splice(index, 1) as [ScryptJob];
    scryptsRunning++;
    if (job.background) {
      job.startedInBackground = true;
      backgroundRunning++;
    }
    job.run();
  }
}

/** First 8 hex of the slow digest: the fingerprint of a guessable secret (token, password). */
export function guessableFingerprint(secret: string): string {
  return slowDigestHex(secret).slice(0, 8);
}
