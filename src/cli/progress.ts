// The history-walk progress line, shared by `scan --history` and the audit's keys/key-in-git: counts only, never a
// path or a value, on stderr only when it is a terminal (the callers decide that and --quiet).

/**
 * Shown only after this long, so quick walks print nothing extra. SIGNER_OPSEC_PROGRESS_DELAY_MS overrides it (the
 * pty tests show the line without building a slow history).
 */
const PROGRESS_DELAY_MS = Number(process.env.SIGNER_OPSEC_PROGRESS_DELAY_MS ?? 1000);
const PROGRESS_INTERVAL_MS = 200;

export interface TerminalProgress {
  update: (done: number, total: number) => void;
  stop: () => void;
}

/**
 * `scanning history: done/total commits (rate/s)` on one rewritten line of `stream`. A new walk (another total, or
 * a count that went back: the audit walks one repository after another) restarts the rate. `stop` erases the line.
 */
export function terminalProgress(stream: NodeJS.WriteStream): TerminalProgress {
  const created = Date.now();
  let walkStarted = created;
  let last = 0;
  let lastDone = 0;
  let lastTotal = -1;
  let shown = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (total !== lastTotal || done < lastDone) {
        walkStarted = now;
        lastTotal = total;
      }
      lastDone = done;
      if (now - created < PROGRESS_DELAY_MS || (now - last < PROGRESS_INTERVAL_MS && done !== total)) return;
      last = now;
      shown = true;
      const rate = Math.round(done / (Math.max(now - walkStarted, 1) / 1000));
      stream.write(`\r\x1b[Kscanning history: ${done}/${total} commits (${rate}/s)`);
    },
    stop() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
