// A local tree scanned on every core. The walk (on this thread) hands batches of files to worker threads
// (scan-worker.ts) and scans a batch itself whenever they all have enough queued; every file keeps its place in the
// walk (its slot), so warnings and findings are reported in walk order whichever thread scanned the file.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { emptyStats, type FileResult, type FileScanOptions, ReadBuffer, scanLocalFile } from './local-file.js';
import { type PendingFinding, withFingerprints } from './scan-content.js';
import type { FromThread, ThreadSetup, ToThread } from './tree-thread-messages.js';
import type { Finding, ScanStats } from './types.js';

const WORKER_SCRIPT = new URL('./scan-worker.js', import.meta.url);
/** Files per batch: a message per 16 files costs little, and the last batches still share out evenly. */
const BATCH_FILES = 16;
/** Batches a worker holds: one to scan, one waiting, so it never idles while this thread scans its own batch. */
const QUEUED_BATCHES = 2;
const MAX_THREADS = 8;
/**
 * Workers start once this thread has scanned this many bytes: starting one costs ~60 ms of CPU (a V8 isolate and
 * the detectors' modules), more than a small tree takes to scan on one thread.
 */
export const THREADS_AFTER_BYTES = 4 * 1024 * 1024;

/**
 * Threads to scan on, this one included: one per core (at most MAX_THREADS, or `requested`), and 1 where there is no
 * worker script beside this module (the single executable is one bundled file: it scans on its one thread).
 */
export function scanThreads(requested?: number): number {
  if (!existsSync(fileURLToPath(WORKER_SCRIPT))) return 1;
  return Math.max(1, Math.min(requested ?? availableParallelism(), MAX_THREADS));
}

let workersStarted = 0;
let workersRunning = 0;
let batchesShared = 0;

/**
 * Worker threads tree scans have started in this process, how many still run, and how many batches this thread
 * shared with an idle worker (tests: a scan split, ended, and balanced).
 */
export function scanWorkers(): { started: number; running: number; shared: number } {
  return { started: workersStarted, running: workersRunning, shared: batchesShared };
}

/** Bytes this thread scans between two looks at the workers' messages. */
const YIELD_BYTES = 256 * 1024;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Batch {
  paths: string[];
  firstSlot: number;
  next: number;
  end: number;
}

type Results = Extract<FromThread, { type: 'results' }>;

interface Thread {
  worker: Worker;
  /** Batches posted and not yet done. */
  queued: number;
  failure?: string;
  results: Promise<Results>;
  exited: Promise<void>;
}

/** When workers start (bytes scanned here first) and how often this thread looks at their messages. */
export interface ThreadTuning {
  threadsAfterBytes?: number;
  yieldBytes?: number;
}

export interface TreeScanResult {
  findings: Finding[];
  warnings: string[];
  stats: ScanStats;
}

/**
 * The files of one walk, in walk order: `file` for each file below a root, `record` for a file the walk scanned
 * itself (a root), `warning` for what the walk itself has to say (a directory not read). `finish` returns the report.
 */
export class LocalTreeScan {
  readonly stats = emptyStats();
  readonly #options: FileScanOptions;
  readonly #maxFileBytes: number;
  readonly #threads: number;
  readonly #threadsAfterBytes: number;
  readonly #yieldBytes: number;
  readonly #buffer = new ReadBuffer();
  #workers: Thread[] | undefined;
  #nextSlot = 0;
  #batch: string[] = [];
  #batchSlot = 0;
  /** Sort keys: 2 × slot for what the walk said before that slot's file, 2 × slot + 1 for the file's own warning. */
  readonly #warnings: { key: number; text: string }[] = [];
  readonly #pending: PendingFinding[] = [];
  readonly #pendingSlots: number[] = [];
  /** The batch this thread is scanning while workers run: files [next, end) are still to do. */
  #here: Batch | undefined;

  constructor(
    options: FileScanOptions,
    maxFileBytes: number,
    threads: number,
    { threadsAfterBytes = THREADS_AFTER_BYTES, yieldBytes = YIELD_BYTES }: ThreadTuning = {},
  ) {
    this.#options = options;
    this.#maxFileBytes = maxFileBytes;
    this.#threads = threads;
    this.#threadsAfterBytes = threadsAfterBytes;
    this.#yieldBytes = yieldBytes;
  }

  warning(text: string): void {
    this.#warnings.push({ key: 2 * this.#nextSlot, text });
  }

  /** A file scanned by the caller (a root, read its own way). */
  record(result: FileResult): void {
    this.#keep(this.#nextSlot++, result);
  }

  /** A file below a root. Returns a promise (await it) when this thread should let the workers' messages in. */
  file(path: string): Promise<void> | undefined {
    if (this.#batch.length === 0) this.#batchSlot = this.#nextSlot;
    this.#nextSlot++;
    this.#batch.push(path);
    return this.#batch.length < BATCH_FILES ? undefined : this.#flush();
  }

  async finish(): Promise<TreeScanResult> {
    if (this.#batch.length > 0) await this.#flush();
    const workers = this.#workers ?? [];
    for (const thread of workers)
      if (thread.failure === undefined) thread.worker.postMessage({ type: 'end' } satisfies ToThread);
    const [own, ...theirs] = await Promise.all([withFingerprints(this.#pending), ...workers.map((t) => t.results)]);
    // Each worker ends once it has sent its results: the scan is over when they are gone.
    await Promise.all(workers.map((thread) => thread.exited));
    const warnings = this.#warnings;
    const findings = own.map((finding, i) => ({ slot: this.#pendingSlots[i] as number, finding }));
    for (const results of theirs) {
      for (const key of Object.keys(this.stats) as (keyof ScanStats)[])
        this.stats[key] = (this.stats[key] ?? 0) + (results.stats[key] ?? 0);
      for (const { slot, text } of results.warnings) warnings.push({ key: 2 * slot + 1, text });
      results.findings.forEach((finding, i) => {
        findings.push({ slot: results.findingSlots[i] as number, finding });
      });
    }
    // Stable sorts: a file's findings (all from one thread) and the walk's warnings at one slot keep their order.
    warnings.sort((a, b) => a.key - b.key);
    findings.sort((a, b) => a.slot - b.slot);
    return {
      findings: findings.map(({ finding }) => finding),
      warnings: warnings.map(({ text }) => text),
      stats: this.stats,
    };
  }

  /** The walk failed (a root the user named is missing): the workers are stopped, or they would keep the process. */
  async abort(): Promise<void> {
    await Promise.all((this.#workers ?? []).map((thread) => thread.worker.terminate()));
  }

  #keep(slot: number, result: FileResult): void {
    if (result.warning !== undefined) this.#warnings.push({ key: 2 * slot + 1, text: result.warning });
    for (const finding of result.pending) {
      this.#pending.push(finding);
      this.#pendingSlots.push(slot);
    }
  }

  /** Hands the batch to the least busy worker with room, or scans it here and then yields to the event loop. */
  #flush(): Promise<void> | undefined {
    const paths = this.#batch;
    const firstSlot = this.#batchSlot;
    this.#batch = [];
    if (this.#workers === undefined && this.#threads > 1 && this.stats.bytesScanned >= this.#threadsAfterBytes)
      this.#workers = Array.from({ length: this.#threads - 1 }, () => this.#startWorker());
    let idlest: Thread | undefined;
    for (const thread of this.#workers ?? []) {
      if (thread.failure !== undefined || thread.queued >= QUEUED_BATCHES) continue;
      if (idlest === undefined || thread.queued < idlest.queued) idlest = thread;
    }
    if (idlest !== undefined) {
      idlest.queued++;
      idlest.worker.postMessage({ type: 'files', firstSlot, paths } satisfies ToThread);
      return undefined;
    }
    if (this.#workers === undefined) {
      for (let i = 0; i < paths.length; i++) {
        this.#keep(
          firstSlot + i,
          scanLocalFile(paths[i] as string, this.#options, this.#maxFileBytes, this.stats, this.#buffer),
        );
      }
      return undefined;
    }
    return this.#scanHere({ paths, firstSlot, next: 0, end: paths.length });
  }

  /**
   * Scans a batch on this thread while workers run: every YIELD_BYTES it lets their messages in, and a worker that
   * ran out of work takes the back half of what is left of the batch (#share), so none idles while this thread
   * scans a batch of large files.
   */
  async #scanHere(batch: Batch): Promise<void> {
    this.#here = batch;
    let mark = this.stats.bytesScanned;
    while (batch.next < batch.end) {
      const i = batch.next++;
      this.#keep(
        batch.firstSlot + i,
        scanLocalFile(batch.paths[i] as string, this.#options, this.#maxFileBytes, this.stats, this.#buffer),
      );
      if (this.stats.bytesScanned - mark >= this.#yieldBytes) {
        mark = this.stats.bytesScanned;
        await nextTurn();
      }
    }
    this.#here = undefined;
    // A worker's `done` waits in the event loop's poll phase: setImmediate runs after it.
    await nextTurn();
  }

  /** A worker with room takes the back half of the batch this thread is scanning, if two files or more are left. */
  #share(thread: Thread): void {
    const batch = this.#here;
    if (batch === undefined || thread.failure !== undefined || batch.end - batch.next < 2) return;
    const start = batch.end - Math.floor((batch.end - batch.next) / 2);
    thread.queued++;
    batchesShared++;
    thread.worker.postMessage({
      type: 'files',
      firstSlot: batch.firstSlot + start,
      paths: batch.paths.slice(start, batch.end),
    } satisfies ToThread);
    batch.end = start;
  }

  #startWorker(): Thread {
    const setup: ThreadSetup = { options: this.#options, maxFileBytes: this.#maxFileBytes };
    // `--input-type` (node -e with a module) is refused by a worker started from a file.
    const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
    const worker = new Worker(WORKER_SCRIPT, { workerData: setup, execArgv });
    workersStarted++;
    workersRunning++;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const thread: Thread = { worker, queued: 0, results: undefined as unknown as Promise<Results>, exited };
    thread.results = new Promise<Results>((resolve, reject) => {
      const fail = (reason: string) => {
        thread.failure ??= reason;
        reject(new Error(`the scan's worker thread failed (${thread.failure}): its files were not all scanned`));
      };
      worker.on('message', (message: FromThread) => {
        if (message.type === 'done') {
          thread.queued--;
          if (thread.queued === 0) this.#share(thread);
        } else resolve(message);
      });
      worker.on('error', (error) => fail(error.message));
      worker.on('exit', (code) => {
        workersRunning--;
        fail(`exited with code ${code}`);
      });
    });
    // A failure is reported by finish(), which awaits every thread's results; until then it must not go unhandled.
    thread.results.catch(() => {});
    return thread;
  }
}
