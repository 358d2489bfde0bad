// The main thread's side of a fleet split over worker threads: which hosts a worker audits next, and its results.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HostConnection } from '../parsers/ansible-inventory.js';
import { type FleetHostResult, type FleetRunOptions, fleetDestination } from './run-options.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './worker-messages.js';

const WORKER_SCRIPT = new URL('./fleet-worker.js', import.meta.url);
/** Starting a worker loads the whole tool again (~0.2 s of CPU): worth it only with a few hosts for it to take. */
const MIN_HOSTS_PER_THREAD = 2;

/**
 * Threads to audit on: one per core, at most `forks`, and 1 where there is no worker script beside this module (the
 * single executable is one bundled file; it audits a fleet on its one thread).
 */
export function fleetThreads(hosts: number, forks: number, cores = availableParallelism()): number {
  if (!existsSync(fileURLToPath(WORKER_SCRIPT))) return 1;
  return Math.max(1, Math.min(cores, forks, Math.floor(hosts / MIN_HOSTS_PER_THREAD)));
}

export interface WorkerRun {
  hosts: readonly HostConnection[];
  options: FleetRunOptions;
  /** Concurrent audits inside the worker. */
  concurrency: number;
  /** The next host index nobody has taken, or undefined when all are taken. */
  take: () => number | undefined;
  store: (index: number, result: FleetHostResult) => void;
}

/** Plain data only crosses: the controls go as ids, the empty-audit refusal as its flags. */
function setup(run: WorkerRun): WorkerSetup {
  const { checks, emptyAudit, ...rest } = run.options;
  return { options: rest, checkIds: checks.map((check) => check.id), emptyAudit, concurrency: run.concurrency };
}

/**
 * Runs one worker until no host is left. If the worker dies, the hosts it was auditing become `error` rows with the
 * reason, and the rest of the fleet goes on in the other threads.
 */
export function runInWorker(run: WorkerRun): Promise<void> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_SCRIPT, { workerData: setup(run) });
    const inFlight = new Set<number>();
    worker.on('message', (message: WorkerRequest) => {
      if (message.type === 'result') {
        inFlight.delete(message.index);
        run.store(message.index, message.result);
        return;
      }
      const index = run.take();
      if (index !== undefined) inFlight.add(index);
      const reply: WorkerReply =
        index === undefined ? { type: 'done' } : { type: 'host', index, host: run.hosts[index]! };
      worker.postMessage(reply);
    });
    const orphan = (reason: string) => {
      for (const index of inFlight) {
        const host = run.hosts[index]!;
        run.store(index, {
          outcome: { name: host.name, destination: fleetDestination(host), status: 'error', reason },
        });
      }
      inFlight.clear();
    };
    worker.on('error', (error) => orphan(`the audit worker thread failed: ${error.message}`));
    worker.on('exit', (code) => {
      orphan(`the audit worker thread exited (code ${code}) before this host's audit finished`);
      resolve();
    });
  });
}
