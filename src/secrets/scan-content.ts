// Scans one file's bytes (a working-tree file, a target file or a git blob): detectors find values, and this turns
// each into a Finding that carries a fingerprint instead — the value goes no further than this function.
import { detectMnemonics } from './detectors/bip39-mnemonic.js';
import { detectConfigSecrets } from './detectors/config-secret.js';
import { detectOperatorKey } from './detectors/operator-key.js';
import { detectStacksPrivateKeys } from './detectors/stacks-private-key.js';
import type { Detect, Hit } from './detectors/types.js';
import { secretFingerprint } from './fingerprint.js';
import type { Finding, ScanOptions } from './types.js';

/** Put this on a line to accept what is on it (a documented test key, say): `# signer-opsec:allow`. */
export const ALLOW_COMMENT = 'signer-opsec:allow';

const BINARY_SNIFF_BYTES = 8192;

interface DetectorRun {
  /** Detector ids this function can emit. */
  emits: readonly string[];
  detect: Detect;
}

const CONTENT_DETECTORS: readonly DetectorRun[] = [
  { emits: ['stacks-private-key', 'published-secret'], detect: detectStacksPrivateKeys },
  { emits: ['bip39-mnemonic', 'published-secret'], detect: detectMnemonics },
  { emits: ['auth-token', 'bitcoind-password', 'published-secret'], detect: detectConfigSecrets },
];

/** A NUL byte in the first 8 KiB, as git and ripgrep decide. */
export function isProbablyBinary(content: Buffer): boolean {
  return content.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

function collectHits(text: string, file: string, options: ScanOptions): Hit[] {
  if (options.keyFrom) return detectOperatorKey({ text, file }, options.keyFrom);
  const wanted = options.detectors ? new Set(options.detectors) : undefined;
  const hits: Hit[] = [];
  for (const run of CONTENT_DETECTORS) {
    if (wanted && !run.emits.some((id) => wanted.has(id))) continue;
    for (const hit of run.detect({ text, file })) {
      if (!wanted || wanted.has(hit.detector)) hits.push(hit);
    }
  }
  return hits;
}

/**
 * Findings in `content` (a Buffer is read as latin1, one character per byte: every pattern is ASCII). Does not
 * sniff for binary content or apply maxFileBytes: the caller decides what to skip and says so.
 */
export function scanContent(content: Buffer | string, file: string, options: ScanOptions): Finding[] {
  const text = typeof content === 'string' ? content : content.toString('latin1');
  const hits = collectHits(text, file, options).sort((a, b) => a.index - b.index);
  const findings: Finding[] = [];
  const seen = new Set<string>();
  // Lines are counted once, forwards, across the sorted hits.
  let line = 1;
  let lineStart = 0;
  for (const hit of hits) {
    const key = `${hit.detector}:${hit.index}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (let at = text.indexOf('\n', lineStart); at !== -1 && at < hit.index; at = text.indexOf('\n', lineStart)) {
      line++;
      lineStart = at + 1;
    }
    const lineEnd = text.indexOf('\n', hit.index);
    if (text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd).includes(ALLOW_COMMENT)) continue;
    findings.push({
      detector: hit.detector,
      file,
      line,
      column: hit.index - lineStart + 1,
      fingerprint: secretFingerprint(hit.detector, hit.canonicalValue),
      severity: hit.severity,
      message: hit.message,
    });
  }
  return findings;
}
