// The tree of a booted host as harden sees it, for byte-for-byte comparisons, and its loaded ruleset.
import { BACKUP_DIRECTORY } from '../../src/harden/manifest.js';
import type { BootedHost } from '../support/booted-host.js';
import { type SnapshotEntry, snapshotTree } from '../support/snapshot-tree.js';

/** What a running system changes on its own (journal, runtime state), and the backup rollback keeps. */
export const VOLATILE = [
  '/proc',
  '/sys',
  '/dev',
  '/run',
  '/tmp',
  '/var/tmp',
  '/var/log',
  '/var/cache',
  '/var/lib/systemd',
  BACKUP_DIRECTORY,
  // Debian's own files (~250 MB, hashed at every snapshot): harden writes under /etc, /var, /home and /usr/local.
  ...['bin', 'games', 'include', 'lib', 'lib64', 'libexec', 'sbin', 'share', 'src'].map((dir) => `/usr/${dir}`),
];

export function snapshot(host: BootedHost): Record<string, SnapshotEntry> {
  return snapshotTree(host.root, { exclude: VOLATILE });
}

export function treeDifferences(a: Record<string, SnapshotEntry>, b: Record<string, SnapshotEntry>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((path) => JSON.stringify(a[path]) !== JSON.stringify(b[path]))
    .sort();
}

export async function ruleset(host: BootedHost): Promise<string> {
  return (await host.exec('nft', ['list', 'ruleset'])).stdout;
}
