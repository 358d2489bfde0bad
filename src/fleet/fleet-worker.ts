// A fleet worker thread: audits the hosts the main thread hands it, `concurrency` at a time, and posts each result
// back. It rebuilds the controls from their ids, from the same catalogue the CLI selected them from.
import { parentPort, workerData } from 'node:worker_threads';
import { allChecks } from '../checks/index.js';
import type { HostConnection } from '../parsers/ansible-inventory.js';
import { auditOne, type FleetRunOptions } from './run-fleet.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './worker-messages.js';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const byId = new Map(allChecks.map((check) => [check.id, check]));
const options: FleetRunOptions = {
  ...setup.options,
  checks: setup.checkIds.map((id) => {
    const check = byId.get(id);
    if (!check) throw new Error(`control ${id} is not in the catalogue`);
    return check;
  }),
  emptyAudit: setup.emptyAudit,
};

// Replies come in the order the requests went out: the oldest waiting loop gets the next one.
const waiting: ((reply: WorkerReply) => void)[] = [];
port.on('message', (reply: WorkerReply) => waiting.shift()?.(reply));

function nextHost(): Promise<{ index: number; host: HostConnection } | undefined> {
  return new Promise((resolve) => {
    waiting.push((reply) => resolve(reply.type === 'host' ? reply : undefined));
    port.postMessage({ type: 'next' } satisfies WorkerRequest);
  });
}

async function loop(): Promise<void> {
  for (let next = await nextHost(); next; next = await nextHost()) {
    const result = await auditOne(next.host, options);
    port.postMessage({ type: 'result', index: next.index, result } satisfies WorkerRequest);
  }
}

await Promise.all(Array.from({ length: setup.concurrency }, loop));
port.close();
