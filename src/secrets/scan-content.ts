// Scans one file's bytes (a working-tree file, a target file or a git blob): detectors find values, and this turns
// each into a Finding that carries a fingerprint instead — the value goes no further than this function.

import { appendAll } from '../parsers/lists.js';
import { configKeywordOffsets, findWordRuns, keyCandidateOffsets } from './candidates.js';
import { detectMnemonics } from './detectors/bip39-mnemonic.js';
import { detectConfigSecrets } from './detectors/config-secret.js';
import { detectOperatorKey } from './detectors/operator-key.js';
import { detectStacksPrivateKeys } from './detectors/stacks-private-key.js';
import type { Detect, DetectInput, Hit } from './detectors/types.js';
import { SecretValue } from './fingerprint.js';
import type { Finding, ScanOptions } from './types.js';

/** Put this on a line to accept what is on it (a documented test key, say): `# signer-opsec:allow`. */
export const ALLOW_COMMENT = 'signer-opsec:allow';

const BINARY_SNIFF_BYTES = 8192;

/** A NUL byte in the first 8 KiB, as git and ripgrep decide. */
export function isProbablyBinary(content: Buffer): boolean {
  return content.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

/** At most this share of the NUL-free half's bytes may be NUL for the alternating pattern (U+0100, U+0200… text). */
const UTF16_STRAY_NULS = 0.05;
/** At least this share of the other half must be NUL: ASCII and Latin-1 text in UTF-16 has a NUL high byte. */
const UTF16_HIGH_NULS = 0.9;

/** 'le'/'be' for UTF-16 (a BOM, or NUL in every other byte of the first 8 KiB), else undefined. */
export function utf16Order(content: Buffer): 'le' | 'be' | undefined {
  if (content.length >= 2) {
    if (content[0] === 0xff && content[1] === 0xfe) return 'le';
    if (content[0] === 0xfe && content[1] === 0xff) return 'be';
  }
  const head = content.subarray(0, Math.min(content.length, BINARY_SNIFF_BYTES) & ~1);
  const pairs = head.length / 2;
  // Text without a NUL (nearly every file) is settled by one native search.
  if (pairs < 2 || !head.includes(0)) return undefined;
  let evenNuls = 0;
  let oddNuls = 0;
  for (let i = 0; i < head.length; i += 2) {
    if (head[i] === 0) evenNuls++;
    if (head[i + 1] === 0) oddNuls++;
  }
  if (oddNuls >= pairs * UTF16_HIGH_NULS && evenNuls <= pairs * UTF16_STRAY_NULS) return 'le';
  if (evenNuls >= pairs * UTF16_HIGH_NULS && oddNuls <= pairs * UTF16_STRAY_NULS) return 'be';
  return undefined;
}

/**
 * The bytes to scan: the content itself when it is text, UTF-16 text (Windows editors, PowerShell `>`) re-encoded as
 * UTF-8 so its lines and keys read as any other file's, or undefined for binary content (a NUL in the first 8 KiB).
 */
export function textToScan(content: Buffer): Buffer | undefined {
  const order = utf16Order(content);
  if (order === undefined) return isProbablyBinary(content) ? undefined : content;
  const hasBom = content[0] === (order === 'le' ? 0xff : 0xfe) && content[1] === (order === 'le' ? 0xfe : 0xff);
  const body = Buffer.from(content.subarray(hasBom ? 2 : 0, content.length & ~1));
  if (order === 'be') body.swap16();
  return Buffer.from(body.toString('utf16le'), 'utf8');
}

interface Line {
  start: number;
  end: number;
}

function lineAround(bytes: Buffer, index: number): Line {
  const start = bytes.lastIndexOf(0x0a, index - 1) + 1;
  const newline = bytes.indexOf(0x0a, index);
  return { start: index === 0 ? 0 : start, end: newline === -1 ? bytes.length : newline };
}

/** Runs `detect` once per distinct line holding one of `offsets`; hit offsets are made file-relative. */
function detectOnLines(
  bytes: Buffer,
  offsets: Iterable<number>,
  input: Omit<DetectInput, 'text'>,
  detect: Detect,
): Hit[] {
  const hits: Hit[] = [];
  // Offsets come sorted: one on the line already read is skipped before any search, so a long line holding many
  // candidates is searched for its ends once, not once per candidate (that was quadratic).
  let lastLineEnd = -1;
  for (const offset of offsets) {
    if (offset <= lastLineEnd) continue;
    const line = lineAround(bytes, offset);
    lastLineEnd = line.end;
    const text = bytes.toString('latin1', line.start, line.end);
    for (const hit of detect({ ...input, text, offset: line.start }))
      hits.push({ ...hit, index: hit.index + line.start });
  }
  return hits;
}

function collectHits(bytes: Buffer, file: string, options: ScanOptions): Hit[] {
  if (options.keyFrom) return detectOperatorKey({ text: bytes.toString('latin1'), file }, options.keyFrom);
  const wanted = options.detectors ? new Set(options.detectors) : undefined;
  const want = (...ids: string[]) => !wanted || ids.some((id) => wanted.has(id));
  let whole: string | undefined;
  const fullText = () => {
    whole ??= bytes.toString('latin1');
    return whole;
  };
  const input = { file, fullText };
  const hits: Hit[] = [];
  if (want('stacks-private-key', 'published-secret')) {
    appendAll(hits, detectOnLines(bytes, keyCandidateOffsets(bytes), input, detectStacksPrivateKeys));
  }
  if (want('bip39-mnemonic', 'published-secret')) {
    for (const [start, end] of findWordRuns(bytes)) {
      const text = bytes.toString('latin1', start, end);
      for (const hit of detectMnemonics({ text, file, offset: start })) hits.push({ ...hit, index: hit.index + start });
    }
  }
  if (want('auth-token', 'bitcoind-password', 'published-secret')) {
    appendAll(hits, detectOnLines(bytes, configKeywordOffsets(bytes), input, detectConfigSecrets));
  }
  return wanted ? hits.filter((hit) => wanted.has(hit.detector)) : hits;
}

/** A finding whose fingerprint is not computed yet: `secret` computes it (and tells equal values apart) on demand. */
export type PendingFinding = Omit<Finding, 'fingerprint'> & { secret: SecretValue };

/**
 * Findings in `content` (bytes are read as latin1, one character per byte: every pattern is ASCII; a string is
 * taken as UTF-8, so columns count bytes), with fingerprints left to compute: a caller that drops some (history
 * grouping) or holds many (a tree scan) computes them once each, concurrently, with `withFingerprints`. Does not
 * sniff for binary content or apply maxFileBytes: the caller decides what to skip and says so.
 */
export function scanContentPending(content: Buffer | string, file: string, options: ScanOptions): PendingFinding[] {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const hits = collectHits(bytes, file, options).sort((a, b) => a.index - b.index);
  const findings: PendingFinding[] = [];
  const seen = new Set<string>();
  // Lines are counted once, forwards, across the sorted hits.
  let line = 1;
  let lineStart = 0;
  for (const hit of hits) {
    const key = `${hit.detector}:${hit.index}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (let at = bytes.indexOf(0x0a, lineStart); at !== -1 && at < hit.index; at = bytes.indexOf(0x0a, lineStart)) {
      line++;
      lineStart = at + 1;
    }
    const lineEnd = bytes.indexOf(0x0a, hit.index);
    if (bytes.subarray(lineStart, lineEnd === -1 ? bytes.length : lineEnd).includes(ALLOW_COMMENT)) continue;
    findings.push({
      detector: hit.detector,
      file,
      line,
      column: hit.index - lineStart + 1,
      secret: new SecretValue(hit.detector, hit.canonicalValue),
      severity: hit.severity,
      message: hit.message,
    });
  }
  return findings;
}

/** Computes every pending fingerprint at once (the slow ones run side by side on libuv's pool), keeping the order. */
export async function withFingerprints<T extends PendingFinding>(
  pending: readonly T[],
): Promise<(Omit<T, 'secret'> & { fingerprint: string })[]> {
  const fingerprints = await Promise.all(pending.map((finding) => finding.secret.fingerprint()));
  return pending.map(({ secret: _secret, ...finding }, index) => ({
    ...finding,
    fingerprint: fingerprints[index] as string,
  }));
}

/** scanContent with its fingerprints computed (the slow ones synchronously): for a single small input. */
export function scanContent(content: Buffer | string, file: string, options: ScanOptions): Finding[] {
  return scanContentPending(content, file, options).map(({ secret, ...finding }) => ({
    ...finding,
    fingerprint: secret.fingerprintSync(),
  }));
}
