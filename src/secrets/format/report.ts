import type { Finding, ScanStats } from '../types.js';

/** What a scan hands to a formatter: findings (already without values), counts and notes. */
export interface SecretScanReport {
  findings: readonly Finding[];
  stats: ScanStats & { suppressedByBaseline: number };
  warnings: readonly string[];
  toolVersion: string;
}
