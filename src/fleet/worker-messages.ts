// What the main thread and a fleet worker thread say to each other. Only plain data: reports are already masked and
// host facts hold digests, never a secret value.
import type { HostConnection } from '../parsers/ansible-inventory.js';
import type { EmptyAuditFlags } from './refuse-empty-audit.js';
import type { FleetHostResult, FleetRunOptions } from './run-options.js';

export interface WorkerSetup {
  options: Omit<FleetRunOptions, 'checks' | 'emptyAudit'>;
  checkIds: string[];
  emptyAudit: EmptyAuditFlags;
  concurrency: number;
}

/** Worker → main: ask for a host, or hand back one host's result. */
export type WorkerRequest = { type: 'next' } | { type: 'result'; index: number; result: FleetHostResult };

/** Main → worker, one reply per `next`, in order: a host to audit, or nothing left. */
export type WorkerReply = { type: 'host'; index: number; host: HostConnection } | { type: 'done' };
