// The contract shared by the content scanner, the git scanners and the formatters: findings carry a fingerprint, never a value.

export type SecretSeverity = 'critical' | 'high' | 'medium' | 'low';

export interface Finding {
  /** 'stacks-private-key', 'bip39-mnemonic', 'auth-token', 'bitcoind-password', 'published-secret', 'operator-key'. */
  detector: string;
  /** Path as given on the command line, or relative to the scanned root or repository. */
  file: string;
  /** 1-based line in the file (for history: in the blob at that commit). */
  line: number;
  /** 1-based column of the value's first character. */
  column?: number;
  /** 16 hex characters of SHA-256 over (detector, normalised value): stable across encodings, never reversible. */
  fingerprint: string;
  severity: SecretSeverity;
  /** Says what was found and where; never contains the value. */
  message: string;
  /** History only: the commit that first introduced the secret at this path, its author and author date. */
  commit?: string;
  author?: string;
  date?: string;
  /** History only: how many other commits added the same secret at this path again (after a removal, on a branch). */
  addedAgain?: number;
  /**
   * History only: the refs (branches, tags, remote-tracking refs, stash entries) whose tip still holds the secret at
   * this path; empty when it was removed from every tip and lives on only in the history.
   */
  inRefs?: string[];
  /** History only: refs that were not checked (a repository with very many refs), so `inRefs` may miss some. */
  refsUnchecked?: number;
}

/** The operator's own key, every encoding precomputed once (see operatorKeyFromHex in src/secrets/operator-key.ts). */
export interface OperatorKey {
  /** Fingerprint of the key (Finding.fingerprint of every match). */
  fingerprint: string;
  /** Every text form searched for: 64/66 hex with and without 0x, in lower and upper case, base64 of 32/33 bytes. */
  encodings: readonly string[];
}

export interface ScanOptions {
  /** When set, ONLY this key is searched (in all its encodings): zero false positives. */
  keyFrom?: OperatorKey;
  /** Detector ids to run; all when absent. */
  detectors?: readonly string[];
  /** Content longer than this is not scanned (the caller notes it); default DEFAULT_MAX_FILE_BYTES. */
  maxFileBytes?: number;
}

export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

export interface ScanStats {
  filesScanned: number;
  bytesScanned: number;
  skippedBinary: number;
  skippedTooLarge: number;
  skippedUnreadable: number;
  /** History only. */
  commits?: number;
  blobs?: number;
  missingObjects?: number;
  /** History only: findings before grouping (one per commit that added a secret at a path). */
  additions?: number;
}

export interface ScanResult {
  findings: Finding[];
  /**
   * Set when part of what was asked could not be searched (a history walk that stopped early): the findings are
   * then a lower bound, and no finding must not be read as "clean".
   */
  incomplete?: string;
  stats: ScanStats;
  /** One line each, no secret in it (a missing object, an unreadable file, a file over the size cap). */
  warnings: string[];
}

/** Metadata of one detector: the SARIF rules and the docs are built from it. */
export interface DetectorInfo {
  id: string;
  name: string;
  severity: SecretSeverity;
  description: string;
  help: string;
}
