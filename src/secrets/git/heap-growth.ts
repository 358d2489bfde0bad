// A history scan reads gigabytes of patch and blob text through short-lived strings and Buffers; what stays live is a
// few tens of MiB (findings, commit ids). V8's default growing factor (up to 4x the live size) lets the old generation
// fill with that garbage before a full collection: on stacks-core the heap held ~70 MiB of which ~26 MiB was live, and
// peak RSS went over the 250 MB budget (issue #15). A fixed factor of 2 collects it sooner at no measured CPU cost;
// tighter ones cut more (1.1: ~45 MiB less peak) but cost 20-70% more CPU in full collections. The flag is read when
// V8 sets its next collection limit, so setting it at run time applies; it is put back afterwards, so V8's flag hash
// (which the bundle's code cache must match) is the launcher's again for anything compiled later in the process.
import { setFlagsFromString } from 'node:v8';

/** V8's old-generation growing factor while a history scan runs: 1 + this/100. */
export const SCAN_HEAP_GROWING_PERCENT = 100;

let scansRunning = 0;

/** Runs `scan` with the tighter growing factor; nested and concurrent scans share it until the last ends. */
export async function withTightHeap<T>(scan: () => Promise<T>): Promise<T> {
  if (scansRunning++ === 0) setFlagsFromString(`--heap-growing-percent=${SCAN_HEAP_GROWING_PERCENT}`);
  try {
    return await scan();
  } finally {
    // 0 is V8's default: the dynamic factor.
    if (--scansRunning === 0) setFlagsFromString('--heap-growing-percent=0');
  }
}
