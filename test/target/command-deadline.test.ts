// The deadline of a command must never cost its output. Under load, the audit's process can be descheduled between
// reading its pipes (the loop's poll phase) and running its due timers: a command that writes its answer and exits
// in that gap finished, yet Node's execFile timeout then destroyed the unread output and still reported exit 0.
// `sshd -T` and `stacks-signer --version` came back empty inside booted hosts (test/booted) under a load of ~18.
// These tests put the command's answer and exit in that gap on purpose, without depending on how fast anything
// runs: the command waits on a FIFO that a setImmediate callback (after the poll phase, before the timers) opens,
// and that callback holds the loop until the command has exited (a zombie nobody has reaped yet) and the deadline
// is past.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCommand } from '../../src/target/command.js';
import { runProgram } from '../../src/target/run-program.js';

const dir = mkdtempSync(join(tmpdir(), `so-deadline-${process.pid}-`));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

/** The state letter of /proc/<pid>/stat ('Z': exited, not yet reaped), or undefined when there is no such process. */
function processState(pid: number): string | undefined {
  try {
    return /^\d+ \(.*\) (\S)/s.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** libuv's loop time reads the coarse monotonic clock (a jiffy, up to 10 ms behind): a timer is due past that. */
const COARSE_CLOCK_MARGIN_MS = 50;

/**
 * `sh -c 'BEFORE; BODY'` that waits for a go on a FIFO between the two, and last writes its own pid (the spawned process: the one whose
 * exit status the runner waits for). `release(deadline)`, called from a setImmediate callback, gives the go and holds
 * this thread until that process has exited and `deadline` (performance.now()) is past. It sleeps in small steps and
 * gives up (throws) only if the program never exits, so the test cannot hang.
 */
function gated(body: string, before = ':'): { args: string[]; release: (deadline: number) => void } {
  counter += 1;
  const fifo = join(dir, `go-${counter}`);
  const pidFile = join(dir, `pid-${counter}`);
  execFileSync('mkfifo', [fifo]);
  const args = ['-c', `${before}; read go < "$0"; ${body}; echo $$ > "$1.tmp" && mv "$1.tmp" "$1"`, fifo, pidFile];
  const release = (deadline: number): void => {
    const go = openSync(fifo, 'w');
    writeSync(go, 'go\n');
    closeSync(go);
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    for (let step = 0; step < 60_000; step += 1) {
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : Number.NaN;
      if (
        Number.isInteger(pid) &&
        pid > 0 &&
        processState(pid) === 'Z' &&
        performance.now() > deadline + COARSE_CLOCK_MARGIN_MS
      )
        return;
      Atomics.wait(sleeper, 0, 0, 5);
    }
    throw new Error(`sh ${args[1]} did not exit`);
  };
  return { args, release };
}

/** Starts `start()` and releases its gate in the gap between the loop's poll phase and its timers. */
async function inTheGap<T>(gate: ReturnType<typeof gated>, timeoutMs: number, start: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = start();
  setImmediate(() => gate.release(started + timeoutMs));
  return result;
}

// timeout-ok: the deadlines in this file are what its tests exercise, never a bound on how long a test may take.
const GAP_DEADLINE_MS = 50;
// timeout-ok: as above; `sleep 600` and the left-behind sleep outlive it by far.
const SHORT_DEADLINE_MS = 200;

const VERSION_LINE = 'stacks-signer 4.0.2 (5c0b1b0, release build, linux [x86_64])';

test('a command that answered and exited before its deadline fired keeps its output and exit code', async () => {
  const gate = gated(`printf '%s\\n' '${VERSION_LINE}'`);
  const result = await inTheGap(gate, GAP_DEADLINE_MS, () =>
    runCommand('sh', gate.args, { timeoutMs: GAP_DEADLINE_MS }),
  );
  assert.deepEqual(result, { code: 0, stdout: `${VERSION_LINE}\n`, stderr: '' });
});

test('output written both before and in the gap: all of it, in order', async () => {
  // 40 lines of 100 bytes before the gate (the loop may read them while it waits), 40 in the gap.
  const lines = (from: number) => `i=${from}; while [ $i -lt ${from + 40} ]; do printf "%099d\\n" $i; i=$((i+1)); done`;
  const gate = gated(lines(40), lines(0));
  const { code, stdout } = await inTheGap(gate, GAP_DEADLINE_MS, () =>
    runCommand('sh', gate.args, { timeoutMs: GAP_DEADLINE_MS }),
  );
  assert.equal(code, 0);
  assert.deepEqual(
    stdout
      .split('\n')
      .filter((line) => line !== '')
      .map(Number),
    Array.from({ length: 80 }, (_, index) => index),
  );
});

test('stderr and a non-zero exit survive the same gap', async () => {
  const gate = gated('echo "sshd: no hostkeys available -- exiting." >&2');
  const args = [gate.args[0]!, `${gate.args[1]}; exit 255`, ...gate.args.slice(2)];
  const outcome = await inTheGap(gate, GAP_DEADLINE_MS, () => runProgram('sh', args, { timeoutMs: GAP_DEADLINE_MS }));
  assert.deepEqual(outcome, {
    kind: 'exited',
    code: 255,
    signal: null,
    stdout: '',
    stderr: 'sshd: no hostkeys available -- exiting.\n',
  });
});

test('a command still running at its deadline is killed and rejected, never reported as exit 0', async () => {
  await assert.rejects(
    runCommand('sleep', ['600'], { timeoutMs: SHORT_DEADLINE_MS }),
    new RegExp(`^Error: sleep: no answer within ${SHORT_DEADLINE_MS} ms$`),
  );
});

test('a process left behind holding the output does not hold the run past the deadline', async () => {
  // The program itself prints and exits at once (status 0); the sleep it leaves behind keeps the pipes open.
  const outcome = await runProgram('sh', ['-c', 'echo printed; sleep 600 & echo $! >&2'], {
    timeoutMs: SHORT_DEADLINE_MS,
  });
  assert.equal(outcome.kind, 'exited');
  const holder = outcome.kind === 'exited' ? Number(outcome.stderr.trim()) : 0;
  if (holder > 0) process.kill(holder, 'SIGKILL');
  assert.equal(outcome.kind === 'exited' && outcome.stdout, 'printed\n');
});

test('output beyond the bound kills the program and says so, never a cut output with exit 0', async () => {
  const outcome = await runProgram('sh', ['-c', 'yes signer | head -c 3000000; echo done'], {
    timeoutMs: 600_000,
    maxBytes: 1 << 20,
  });
  assert.equal(outcome.kind, 'overflow');
  await assert.rejects(
    runCommand('sh', ['-c', 'yes signer | head -c 9000000'], { timeoutMs: 600_000 }),
    /^Error: sh: wrote more than 8388608 bytes of output and was stopped$/,
  );
});

test('a program that is not there, or not executable, is not started and says which', async () => {
  await assert.rejects(
    runCommand('no-such-program-so16', []),
    /^Error: no-such-program-so16: not installed or not on PATH$/,
  );
  const notExecutable = join(dir, 'not-executable');
  writeFileSync(notExecutable, '#!/bin/sh\necho ran\n', { mode: 0o644 });
  await assert.rejects(runCommand(notExecutable, []), new RegExp(`^Error: ${notExecutable}: permission denied$`));
});

test('no input given: the program reads end of input, not a pipe held open until the deadline', async () => {
  const result = await runCommand('sh', ['-c', 'cat; echo read-to-end'], { timeoutMs: 600_000 });
  assert.deepEqual(result, { code: 0, stdout: 'read-to-end\n', stderr: '' });
});
