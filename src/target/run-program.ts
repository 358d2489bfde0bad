// Runs a program to its end and collects its output, with a deadline that can never cost the output.
//
// Why not execFile's `timeout`: when it fires, execFile destroys the output streams before killing the program. If
// the program had already written its answer and exited (its exit not yet reaped, which happens when this process
// was descheduled between reading its pipes and running its timers, i.e. under load), the unread answer is
// dropped and the callback still reports exit 0: `sshd -T` and `stacks-signer --version` came back empty inside
// booted hosts. Here the deadline only kills a program that is still running; the streams are read to their end,
// and a program that exited is reported with its own status and all it wrote (test/target/command-deadline.test.ts).
import { type ChildProcess, spawn } from 'node:child_process';

export interface ProgramOptions {
  /** Kill the program (SIGKILL) when it is still running this long after its start. */
  timeoutMs: number;
  /** Bound on stdout and on stderr, each; a program that prints more is killed. Default 8 MiB. */
  maxBytes?: number;
  /** Fed to standard input, which is then closed. Without it the program reads end of input (/dev/null). */
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
}

export type ProgramOutcome =
  /** The program ended by itself: its exit code (or the signal that ended it) and everything it wrote. */
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }
  /** Still running at the deadline: killed. The output is what it wrote until then. */
  | { kind: 'timeout'; stdout: string; stderr: string }
  /** Printed more than `maxBytes` on one stream: killed, the output is cut. */
  | { kind: 'overflow'; stdout: string; stderr: string }
  /** Could not be started; `code` is the errno name (ENOENT: not installed, EACCES: not executable). */
  | { kind: 'not-started'; code: string; message: string };

export const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

export function runProgram(command: string, args: readonly string[], options: ProgramOptions): Promise<ProgramOutcome> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(command, [...args], {
        shell: false,
        stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        ...(options.env ? { env: options.env } : {}),
        ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
        ...(options.uid !== undefined ? { uid: options.uid } : {}),
        ...(options.gid !== undefined ? { gid: options.gid } : {}),
      });
    } catch (error) {
      // spawn throws synchronously only for bad arguments or a full file table (EMFILE/ENFILE).
      const errno = (error as NodeJS.ErrnoException).code ?? 'EINVAL';
      resolve({ kind: 'not-started', code: errno, message: error instanceof Error ? error.message : String(error) });
      return;
    }
    const out = collector(maxBytes);
    const err = collector(maxBytes);
    let overflow = false;
    let timedOut = false;
    let exited = false;
    let settled = false;
    const stopReading = () => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    };
    const overflowed = () => {
      if (overflow) return;
      overflow = true;
      child.kill('SIGKILL');
      stopReading();
    };
    child.stdout?.on('data', (chunk: Buffer) => out.add(chunk, overflowed));
    child.stderr?.on('data', (chunk: Buffer) => err.add(chunk, overflowed));

    const settle = (outcome: ProgramOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(outcome);
    };
    /**
     * The program has exited and its deadline is past, yet its output is still open: something it started holds it.
     * Keep reading while each full turn of the loop (one poll phase: setImmediate twice) still brings output, then
     * stop waiting. What the program itself wrote before it exited is already in the pipe, so none of it is lost.
     */
    const releaseWhenQuiet = () => {
      const seen = out.bytes() + err.bytes();
      setImmediate(() =>
        setImmediate(() => {
          if (settled) return;
          if (out.bytes() + err.bytes() !== seen) releaseWhenQuiet();
          else stopReading();
        }),
      );
    };
    const deadline = setTimeout(() => {
      if (exited) {
        releaseWhenQuiet();
        return;
      }
      // Killing a program that has exited but is not reaped yet does nothing: its 'exit' and 'close' then report its
      // own status, with everything it wrote.
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);

    child.on('exit', () => {
      exited = true;
      if (timedOut) releaseWhenQuiet();
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Only a failure to start ends the run here (no pid); a failed kill of an exited program is not one.
      if (child.pid !== undefined) return;
      stopReading();
      settle({ kind: 'not-started', code: error.code ?? 'EINVAL', message: error.message });
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      const stdout = out.text();
      const stderr = err.text();
      if (overflow) settle({ kind: 'overflow', stdout, stderr });
      else if (timedOut && signal === 'SIGKILL') settle({ kind: 'timeout', stdout, stderr });
      else settle({ kind: 'exited', code, signal, stdout, stderr });
    });

    if (options.stdin !== undefined && child.stdin) {
      // A program that exits without reading its input (EPIPE) is judged by its exit status, not by the pipe.
      child.stdin.on('error', () => {});
      child.stdin.end(options.stdin);
    }
  });
}

/** Keeps up to `maxBytes` of one stream, as bytes (a character split across chunks stays whole); calls `over` past that. */
function collector(maxBytes: number) {
  const chunks: Buffer[] = [];
  let bytes = 0;
  return {
    add(chunk: Buffer, over: () => void) {
      if (bytes + chunk.length > maxBytes) {
        chunks.push(chunk.subarray(0, maxBytes - bytes));
        bytes = maxBytes;
        over();
        return;
      }
      chunks.push(chunk);
      bytes += chunk.length;
    },
    bytes: () => bytes,
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}
