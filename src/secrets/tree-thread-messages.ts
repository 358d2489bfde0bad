// What crosses between a tree scan's walk (tree-threads.ts) and its worker threads (scan-worker.ts): plain data only.
// Findings cross with their fingerprints computed, never with the value.
import type { FileScanOptions } from './local-file.js';
import type { Finding, ScanStats } from './types.js';

export interface ThreadSetup {
  options: FileScanOptions;
  maxFileBytes: number;
}

/** Files to scan, in walk order: paths[i] holds the walk's slot firstSlot + i. Then `end`: the walk is over. */
export type ToThread = { type: 'files'; firstSlot: number; paths: string[] } | { type: 'end' };

/** `done` after each batch; `results` once, after `end`: the stats, and each warning and finding with its slot. */
export type FromThread =
  | { type: 'done' }
  | {
      type: 'results';
      stats: ScanStats;
      warnings: { slot: number; text: string }[];
      findings: Finding[];
      findingSlots: number[];
    };
