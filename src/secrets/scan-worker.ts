// A worker thread of a tree scan (tree-threads.ts): scans the batches of local files the walk hands it, then, told
// the walk is over, computes its findings' fingerprints all at once (the slow ones side by side on libuv's pool) and
// posts everything back in one message, each warning and finding tagged with its file's place in the walk.
import { parentPort, workerData } from 'node:worker_threads';
import { emptyStats, ReadBuffer, scanLocalFile } from './local-file.js';
import { type PendingFinding, withFingerprints } from './scan-content.js';
import type { FromThread, ThreadSetup, ToThread } from './tree-thread-messages.js';

const port = parentPort!;
const { options, maxFileBytes } = workerData as ThreadSetup;
const buffer = new ReadBuffer();
const stats = emptyStats();
const warnings: { slot: number; text: string }[] = [];
const pending: PendingFinding[] = [];
const pendingSlots: number[] = [];

port.on('message', async (message: ToThread) => {
  if (message.type === 'files') {
    for (let i = 0; i < message.paths.length; i++) {
      const slot = message.firstSlot + i;
      const result = scanLocalFile(message.paths[i] as string, options, maxFileBytes, stats, buffer);
      if (result.warning !== undefined) warnings.push({ slot, text: result.warning });
      for (const finding of result.pending) {
        pending.push(finding);
        pendingSlots.push(slot);
      }
    }
    port.postMessage({ type: 'done' } satisfies FromThread);
    return;
  }
  const findings = await withFingerprints(pending);
  port.postMessage({ type: 'results', stats, warnings, findings, findingSlots: pendingSlots } satisfies FromThread);
  port.close();
});
