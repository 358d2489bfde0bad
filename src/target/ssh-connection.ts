// One multiplexed OpenSSH connection per audited host: the system's `ssh` (so ~/.ssh/config, the agent, ProxyJump,
// known_hosts and hardware keys work as they do for the operator), a ControlMaster socket in a private temporary
// directory, BatchMode so nothing ever waits for a password, and host-key checking left exactly as configured.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, type FSWatcher, mkdtempSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendAll } from '../parsers/lists.js';
import type { SshDestination } from '../parsers/ssh-destination.js';
import { shellQuote } from './shell-quote.js';

export interface SshConnectionOptions {
  destination: SshDestination;
  /** -i: an identity file (Ansible's ansible_ssh_private_key_file). */
  identityFile?: string;
  /** -F: an ssh_config to read instead of ~/.ssh/config. */
  configFile?: string;
  /** Extra ssh arguments (Ansible's ansible_ssh_common_args), already split into words. */
  extraArgs?: readonly string[];
  /** Run the remote side under `sudo -n` (never prompts: a password requirement is an error). */
  become?: boolean;
  /** Connecting and authenticating, in ms. */
  connectTimeoutMs?: number;
  /** Bytes one remote command may write (stdout, and stderr, each) before it is stopped; default DEFAULT_REMOTE_MAX_BYTES. */
  maxOutputBytes?: number;
}

/**
 * A remote command's honest output is at most the tar of /etc and the unit directories (a few MB, tens on a big
 * host): past this the host is streaming at us, and the command fails rather than filling this process's memory.
 */
export const DEFAULT_REMOTE_MAX_BYTES = 128 * 1024 * 1024;

/** The one message for a host that writes past a bound, whichever stream or stage. */
function overflowReason(maxBytes: number): string {
  return `the remote command wrote more than ${maxBytes} bytes of output and was stopped`;
}

export interface RemoteResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** The ssh options every connection uses, documented in the README's "Fleet" section. */
export const SSH_FIXED_OPTIONS = [
  'BatchMode=yes',
  'ControlPersist=no',
  'ServerAliveInterval=10',
  'ServerAliveCountMax=3',
  'ForwardAgent=no',
  'ForwardX11=no',
  'ClearAllForwardings=yes',
  'RequestTTY=no',
  'LogLevel=ERROR',
] as const;

/** Options that would weaken host-key checking: refused wherever they come from (an inventory's common args). */
const WEAKENING = [/^stricthostkeychecking=(no|off)$/i, /^userknownhostsfile=\/dev\/null$/i, /^checkhostip=/i];

/** The connection could not be made or the remote side refused to run: one line, why. */
export class SshUnreachableError extends Error {
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`${host}: ${reason}`);
    this.name = 'SshUnreachableError';
  }
}

/** A reason from ssh's stderr, in the operator's words. */
export function classifySshFailure(stderr: string, code: number | null): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('Warning: Permanently added'));
  const text = lines.join(' ');
  if (/Permission denied \(/.test(text)) return `authentication failed: ${firstMatching(lines, /Permission denied/)}`;
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/.test(text))
    return 'host key not trusted (known_hosts has no or a different key for it; check and add it, the tool never skips this)';
  if (/Connection refused/.test(text)) return `unreachable: ${firstMatching(lines, /Connection refused/)}`;
  if (/timed out|Connection timed out/.test(text)) return `unreachable: ${firstMatching(lines, /timed out/)}`;
  if (/No route to host|Network is unreachable|Could not resolve hostname/.test(text))
    return `unreachable: ${firstMatching(lines, /No route|unreachable|Could not resolve/)}`;
  return lines[0] ? `ssh failed: ${lines[0]}` : `ssh exited with ${code ?? 'a signal'}`;
}

function firstMatching(lines: string[], pattern: RegExp): string {
  return lines.find((line) => pattern.test(line)) ?? lines[0] ?? '';
}

/** With SIGNER_OPSEC_TRACE_SSH set: one stderr line per step of a remote audit, in ms since the process started. */
export function traceSsh(step: string): void {
  if (process.env.SIGNER_OPSEC_TRACE_SSH) process.stderr.write(`@${Math.round(performance.now())} ${step}\n`);
}

/** Refuses ssh options that would weaken host-key checking (an inventory's common args). */
function refuseWeakening(options: SshConnectionOptions): void {
  for (const arg of options.extraArgs ?? []) {
    if (WEAKENING.some((pattern) => pattern.test(arg.replace(/\s+/g, ''))))
      throw new SshUnreachableError(
        options.destination.host,
        `refusing ssh option "${arg}": it weakens host-key checking`,
      );
  }
}

/** The arguments every ssh of one connection shares (the master and each session over it). */
function baseArgs(options: SshConnectionOptions, controlPath: string): string[] {
  const { destination, identityFile, configFile, extraArgs, connectTimeoutMs } = options;
  const args: string[] = [];
  if (configFile) args.push('-F', configFile);
  appendAll(args, extraArgs ?? []);
  for (const option of SSH_FIXED_OPTIONS) args.push('-o', option);
  args.push('-o', `ConnectTimeout=${Math.max(1, Math.ceil((connectTimeoutMs ?? 10_000) / 1000))}`);
  args.push('-o', `ControlPath=${controlPath}`);
  if (identityFile) args.push('-i', identityFile);
  if (destination.port) args.push('-p', String(destination.port));
  if (destination.user) args.push('-l', destination.user);
  args.push('-T');
  return args;
}

/** A master ssh process and its private control directory, started before its SshConnection exists (early-ssh.ts). */
export interface EarlyMaster {
  child: ChildProcess;
  controlDir: string;
  /** The spawn failed before the connection took the process (ssh not installed, say). */
  error?: Error;
  /** Ends the process and removes the directory (a master nobody takes). */
  discard(): void;
}

/**
 * Starts the master of a connection: ssh logs in and runs the probe, then the remote loop (the connection's first
 * shell). The master's own session becomes the first remote shell: one ssh process fewer per host (a fork of this
 * process costs tens of ms of the one JS thread a fleet shares). Until a connection takes it, it keeps this process
 * from exiting no longer than it is running (unref'd).
 */
export function spawnMaster(
  options: SshConnectionOptions,
  controlDir = mkdtempSync(join(tmpdir(), 'signer-opsec-ssh-')),
): EarlyMaster {
  refuseWeakening(options);
  const loop = shellQuote(SHELL_LOOP);
  const probe = options.become
    ? `if ! command -v sudo >/dev/null 2>&1; then echo no-sudo; read line; elif sudo -n true 2>/dev/null; then echo connected; exec sudo -n -- sh -c ${loop}; else echo sudo-password; read line; fi`
    : `echo connected; exec sh -c ${loop}`;
  traceSsh('ssh master spawned');
  const child = spawn(
    'ssh',
    [
      '-o',
      'ControlMaster=yes',
      ...baseArgs(options, join(controlDir, 'cm')),
      options.destination.host,
      `sh -c ${shellQuote(probe)}`,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const master: EarlyMaster = {
    child,
    controlDir,
    discard: () => {
      child.kill('SIGKILL');
      rmSync(controlDir, { recursive: true, force: true });
    },
  };
  child.on('error', (error) => {
    master.error = error;
  });
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
  return master;
}

export class SshConnection {
  readonly host: string;
  private readonly controlDir: string;
  private readonly controlPath: string;
  private closed = false;

  private readonly maxBytes: number;
  private early: EarlyMaster | undefined;

  /** `early`: a master already started for these very options (spawnMaster); else start() starts one. */
  constructor(
    private readonly options: SshConnectionOptions,
    early?: EarlyMaster,
  ) {
    this.host = options.destination.host;
    refuseWeakening(options);
    this.maxBytes = options.maxOutputBytes ?? DEFAULT_REMOTE_MAX_BYTES;
    this.early = early;
    this.controlDir = early?.controlDir ?? mkdtempSync(join(tmpdir(), 'signer-opsec-ssh-'));
    this.controlPath = join(this.controlDir, 'cm');
  }

  private baseArgs(): string[] {
    return baseArgs(this.options, this.controlPath);
  }

  /**
   * Starts connecting (once) and resolves when the host answered (authenticated, and sudo checked with --become);
   * rejects with SshUnreachableError and the reason. Requests made meanwhile are queued on the connection's own shell:
   * ssh sends them as soon as the session is up, so the first answers follow the login by one round trip.
   */
  start(): Promise<void> {
    if (this.connecting) return this.connecting;
    const early = this.early ?? spawnMaster(this.options, this.controlDir);
    this.early = undefined;
    const master = early.child;
    // Taken: it keeps this process running as any child does.
    master.ref();
    for (const stream of [master.stdin, master.stdout, master.stderr]) (stream as { ref?: () => void } | null)?.ref?.();
    const timeoutMs = (this.options.connectTimeoutMs ?? 10_000) + 5000;
    const primary = new RemoteShell(master, this.host, {
      primary: true,
      answer: (line) => this.refusal(line),
      maxBytes: this.maxBytes,
    });
    this.primary = primary;
    if (early.error) primary.fail(new SshUnreachableError(this.host, `cannot run ssh: ${early.error.message}`));
    // The other shells take requests at once, and start as soon as the master listens for them (after the login,
    // while the master's own session is still opening). With --become they wait for the probe: sudo may refuse.
    if (SESSIONS > 1 && !this.options.become) {
      for (let index = 1; index < SESSIONS; index++)
        this.sessions.push(
          new RemoteShell(undefined, this.host, { maxBytes: this.maxBytes, fallback: () => this.firstShell() }),
        );
      this.watchControlSocket();
    }
    const timer = setTimeout(() => {
      primary.fail(new SshUnreachableError(this.host, `unreachable: no answer within ${timeoutMs} ms`));
      master.kill('SIGKILL');
    }, timeoutMs);
    this.connecting = primary.ready.then(
      () => {
        clearTimeout(timer);
        traceSsh('ssh master answered');
        this.connected = true;
        this.sessions.unshift(primary);
        this.attachWaitingSessions();
        // A second shell, ready before the follow-ups of the first requests (a long search must not hold them up).
        if (!this.closed && SESSIONS > 1 && this.sessions.length === 1) this.openSession();
      },
      (error: unknown) => {
        clearTimeout(timer);
        for (const session of this.sessions) session.fail(error as Error);
        this.close();
        throw error;
      },
    );
    this.connecting.catch(() => {});
    return this.connecting;
  }

  /** Connects and authenticates (and checks sudo with --become). Throws SshUnreachableError with the reason. */
  async open(): Promise<void> {
    await this.start();
  }

  /** What the probe's first line means when it is not "connected". */
  private refusal(answer: string): SshUnreachableError | undefined {
    if (answer === 'connected') return undefined;
    if (answer === 'no-sudo') return new SshUnreachableError(this.host, '--become: sudo is not installed on the host');
    if (answer === 'sudo-password')
      return new SshUnreachableError(
        this.host,
        '--become: sudo asks for a password (the audit runs `sudo -n` and never types one); allow NOPASSWD for the audit user or connect as root',
      );
    return new SshUnreachableError(this.host, `the remote shell did not start: ${answer.slice(0, 200)}`);
  }

  /**
   * Runs a script on the host over the master connection; stdin (a secret, say) crosses only the SSH channel. The
   * script goes to one of a few long-lived remote shells (one login each, however many requests follow). Before the
   * host has answered, requests wait on the connection's own shell (see start).
   */
  async exec(
    script: string,
    options: { stdin?: Buffer | string; timeoutMs?: number; maxBytes?: number; long?: boolean; lane?: number } = {},
  ): Promise<RemoteResult> {
    if (this.closed || !this.primary) throw new SshUnreachableError(this.host, 'connection closed');
    const session = this.connected ? this.pickSession(options.long === true) : this.firstRoundShell(options.lane);
    return session.run(
      script,
      options.stdin === undefined ? '' : options.stdin.toString(),
      options.timeoutMs,
      options.long === true,
      options.maxBytes ?? this.maxBytes,
    );
  }

  /**
   * Before the host has answered: the master's own shell (lane 0, or no lane), or the waiting shell of that lane
   * (requests of the first round spread over the shells run side by side once they start).
   */
  private firstRoundShell(lane: number | undefined): RemoteShell {
    if (!lane) return this.primary!;
    const waiting = this.sessions.filter((session) => session.alive);
    return waiting.length === 0 ? this.primary! : waiting[(lane - 1) % waiting.length]!;
  }

  /** The master's own shell while it can take requests (a session that could not start hands its requests here). */
  private firstShell(): RemoteShell | undefined {
    const primary = this.primary;
    return primary?.alive && !primary.failed ? primary : undefined;
  }

  private watcher: FSWatcher | undefined;

  /** Starts the waiting shells once the master's control socket exists (it listens there before its own session opens). */
  private watchControlSocket(): void {
    try {
      this.watcher = watch(this.controlDir, (_event, name) => {
        if (name === 'cm') this.attachWaitingSessions();
      });
      this.watcher.on('error', () => {});
    } catch {
      // Without a watch, they start when the master answers.
    }
    // An early master (early-ssh.ts) may be listening already.
    if (existsSync(this.controlPath)) this.attachWaitingSessions();
  }

  /** Spawns the ssh of every shell made before the master listened (once). */
  private attachWaitingSessions(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.closed) return;
    for (const session of this.sessions) {
      if (session.attached || !session.alive) continue;
      session.attach(this.spawnSession());
      traceSsh(`ssh session ${this.sessions.filter((each) => each !== this.primary).indexOf(session) + 2} spawned`);
      session.ready.then(() => traceSsh('ssh session started')).catch(() => {});
    }
  }

  private spawnSession(): ChildProcess {
    const command = this.options.become
      ? `sudo -n -- sh -c ${shellQuote(SHELL_LOOP)}`
      : `sh -c ${shellQuote(SHELL_LOOP)}`;
    return spawn('ssh', ['-o', 'ControlMaster=no', ...this.baseArgs(), this.options.destination.host, command], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  private connecting: Promise<void> | undefined;
  private connected = false;
  private primary: RemoteShell | undefined;
  private sessions: RemoteShell[] = [];

  /**
   * An idle remote shell (one that has started first). A short request otherwise waits behind other short ones (they
   * take milliseconds; a new shell costs a login's worth of processes on both sides); a shell is opened (up to
   * SESSIONS) only when every one is held by a long request (a search), or for a long request when none is idle.
   */
  private pickSession(long: boolean): RemoteShell {
    this.sessions = this.sessions.filter((session) => session.alive);
    const idle =
      this.sessions.find((session) => session.pending === 0 && session.started) ??
      this.sessions.find((session) => session.pending === 0);
    if (idle) return idle;
    const candidates = long ? [] : this.sessions.filter((session) => !session.holdsLong);
    if (candidates.length > 0)
      return candidates.reduce((best, session) => (session.pending < best.pending ? session : best));
    if (this.sessions.length < SESSIONS) return this.openSession();
    return this.sessions.reduce((best, session) => (session.pending < best.pending ? session : best));
  }

  /** A new remote shell over the master; it takes requests at once (they wait in the pipe until it has started). */
  private openSession(): RemoteShell {
    const session = new RemoteShell(this.spawnSession(), this.host, {
      maxBytes: this.maxBytes,
      fallback: () => this.firstShell(),
    });
    traceSsh(`ssh session ${this.sessions.length + 1} spawned`);
    session.ready.then(() => traceSsh('ssh session started')).catch(() => {});
    this.sessions.push(session);
    return session;
  }

  /** Ends the master (its remote `read` sees end of input) and removes the private control directory. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    this.primary?.close(3000);
    for (const session of this.sessions) session.close();
    rmSync(this.controlDir, { recursive: true, force: true });
  }
}

/** Remote shells per host: requests to one shell run one after another, so a few let fetches overlap. */
const SESSIONS = 3;
const MARK = '@@signer-opsec';
/** What a shell may print before its loop starts (the probe's answer and "ready"; a banner goes to stderr). */
const MAX_EARLY_BYTES = 64 * 1024;

/**
 * The remote loop: each request is a header line `<id> <script bytes> <input bytes>`, then the script and its input.
 * The script runs in a subshell of the loop (eval: no program started for it, and its text is in no argv, though it
 * never holds a secret); the input reaches it through a pipe from the printf builtin, so a secret is never in any
 * argv or environment, and a script without input reads /dev/null, never the requests that follow. The answer is the
 * base64 of the script's output and its exit status on one line ending in ` <id>`; its stderr sits between two
 * markers on stderr. Per request: head, base64 and the forks of the pipeline (a remote audit makes a few dozen).
 */
export const SHELL_LOOP = [
  'LC_ALL=C; export LC_ALL',
  'echo ready',
  'while IFS=" " read -r id slen ilen; do',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: sh parameter expansion (drops the guard against $( ) stripping newlines)
  '  script=$(head -c "$slen"; printf x); script=${script%x}',
  `  printf '\\n${MARK} %s@@\\n' "$id" >&2`,
  '  if [ "$ilen" -gt 0 ]; then',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: sh parameter expansion
  '    input=$(head -c "$ilen"; printf x); input=${input%x}',
  `    { printf '%s' "$input" | ( eval "$script" ); printf '\\n%s' "$?"; } | base64 -w0`,
  '    input=',
  '  else',
  `    { ( eval "$script" ) </dev/null; printf '\\n%s' "$?"; } | base64 -w0`,
  '  fi',
  `  printf '\\n${MARK} %s@@\\n' "$id" >&2`,
  '  printf \' %s\\n\' "$id"',
  'done',
].join('\n');

interface PendingRequest {
  /** What run() was given: a shell that never started hands the request to another (see RemoteShell.fallback). */
  script: string;
  input: string;
  timeoutMs: number | undefined;
  long: boolean;
  /** Bytes of output (each stream) past which the command fails. */
  maxBytes: number;
  resolve: (result: RemoteResult) => void;
  reject: (error: Error) => void;
  stdout?: Buffer;
  stderr?: string;
  timer?: NodeJS.Timeout;
}

class RemoteShell {
  alive = true;
  /** The remote loop said "ready": requests written before then were waiting in the pipe. */
  started = false;
  /** Settles when the remote loop has started, or with why it could not. */
  readonly ready: Promise<void>;
  private settleReady!: { resolve: () => void; reject: (error: Error) => void };
  private failure: Error | undefined;
  private nextId = 1;
  private readonly requests = new Map<number, PendingRequest>();
  private stdoutChunks: string[] = [];
  /** Characters in stdoutChunks: the answer line being received. */
  private lineLength = 0;
  /** Characters of stdout since the last answer that were no answer (a hostile host's lines): bounded as well. */
  private strayLength = 0;
  private stderrText = '';
  /** Characters of stderr since the last request's stderr was read whole (a banner, or a host streaming at us). */
  private stderrLength = 0;
  private readonly maxBytes: number;
  /** What the child printed before "ready" (the probe's answer, then "ready"). */
  private early = '';
  private readonly primary: boolean;
  private answer: ((line: string) => Error | undefined) | undefined;

  private child: ChildProcess | undefined;
  /** Requests written before the ssh process exists (a shell made before the master listened for it). */
  private unsent: Buffer[] = [];
  /** The shell that takes this one's requests if it never starts. */
  private readonly fallback: (() => RemoteShell | undefined) | undefined;

  /**
   * A `primary` shell is the master connection's own: a stuck request does not close it (that would end every
   * session), its answer is dropped. `answer` judges the first line the child prints (the master's probe) before
   * the loop's "ready".
   */
  constructor(
    child: ChildProcess | undefined,
    private readonly host: string,
    options: {
      primary?: boolean;
      answer?: (line: string) => Error | undefined;
      maxBytes?: number;
      fallback?: () => RemoteShell | undefined;
    },
  ) {
    this.primary = options.primary === true;
    this.fallback = options.fallback;
    this.maxBytes = options.maxBytes ?? DEFAULT_REMOTE_MAX_BYTES;
    this.answer = options.answer;
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = { resolve, reject };
    });
    this.ready.catch(() => {});
    if (child) this.attach(child);
  }

  get attached(): boolean {
    return this.child !== undefined;
  }

  /** Gives the shell its ssh process; the requests made meanwhile leave at once (they wait in its pipe). */
  attach(child: ChildProcess): void {
    this.child = child;
    const host = this.host;
    child.stdin!.on('error', () => {});
    child.stdout!.on('data', (chunk: Buffer) => this.onStdout(chunk.toString('latin1')));
    child.stderr!.on('data', (chunk: Buffer) => this.onStderr(chunk.toString('utf8')));
    child.on('error', (error) => this.fail(new SshUnreachableError(host, `cannot run ssh: ${error.message}`)));
    child.on('close', (code) => {
      this.alive = false;
      const reason = classifySshFailure(this.stderrText, code);
      this.fail(
        this.started
          ? new SshUnreachableError(host, `the connection ended: ${reason}`)
          : new SshUnreachableError(host, reason),
      );
    });
    if (this.unsent.length > 0) child.stdin!.write(Buffer.concat(this.unsent));
    this.unsent = [];
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  get pending(): number {
    return this.requests.size;
  }

  /** A long request (a search of the host) is queued or running here. */
  get holdsLong(): boolean {
    for (const request of this.requests.values()) if (request.long) return true;
    return false;
  }

  /** Ends the shell with `error`: a start that has not happened rejects with it, and so does every pending request. */
  fail(error: Error): void {
    this.failure ??= error;
    if (!this.started) this.settleReady.reject(this.failure);
    // A shell that never started ran none of its requests: another takes them (a host that allows one session, say).
    const other = this.started ? undefined : this.fallback?.();
    if (other && this.requests.size > 0) traceSsh('an ssh session did not start: its requests go to the first shell');
    for (const request of this.requests.values()) {
      if (request.timer) clearTimeout(request.timer);
      if (other)
        other
          .run(request.script, request.input, request.timeoutMs, request.long, request.maxBytes)
          .then(request.resolve, request.reject);
      else request.reject(this.started ? error : this.failure);
    }
    this.requests.clear();
    this.unsent = [];
    if (this.alive && !this.started) this.close();
  }

  run(
    script: string,
    input: string,
    timeoutMs: number | undefined,
    long = false,
    maxBytes = this.maxBytes,
  ): Promise<RemoteResult> {
    if (!this.alive || this.failure)
      return Promise.reject(this.failure ?? new SshUnreachableError(this.host, 'connection closed'));
    const id = this.nextId++;
    const scriptBytes = Buffer.from(script, 'utf8');
    const inputBytes = Buffer.from(input, 'utf8');
    return new Promise((resolve, reject) => {
      const request: PendingRequest = { script, input, timeoutMs, resolve, reject, long, maxBytes };
      if (timeoutMs !== undefined) {
        request.timer = setTimeout(() => {
          this.requests.delete(id);
          reject(new SshUnreachableError(this.host, `the remote command gave no answer within ${timeoutMs} ms`));
          // The shell is stuck on this request: drop it (the others queued on it fail with it). The master's own
          // shell stays (closing it would end the connection); its late answer finds no request and is dropped.
          if (!this.primary) this.close();
        }, timeoutMs);
      }
      this.requests.set(id, request);
      const message = Buffer.concat([
        Buffer.from(`${id} ${scriptBytes.length} ${inputBytes.length}\n`),
        scriptBytes,
        inputBytes,
      ]);
      if (this.child) this.child.stdin!.write(message);
      else this.unsent.push(message);
    });
  }

  /** Lines before the loop's "ready": the master's probe answer (judged by `answer`), then "ready". */
  private onEarly(text: string): string | undefined {
    this.early += text;
    for (;;) {
      const newline = this.early.indexOf('\n');
      if (newline === -1) {
        // Bounded: a host that prints without end before its shell starts is not read on.
        if (this.early.length > MAX_EARLY_BYTES) this.stop(overflowReason(MAX_EARLY_BYTES));
        return undefined;
      }
      const line = this.early.slice(0, newline).trim();
      this.early = this.early.slice(newline + 1);
      if (this.answer) {
        const refused = this.answer(line);
        if (refused) {
          this.fail(refused);
          return undefined;
        }
        // Judged once: the next line is the loop's.
        this.answer = undefined;
        continue;
      }
      if (line !== 'ready') {
        this.fail(new SshUnreachableError(this.host, `the remote shell did not start: ${line.slice(0, 200)}`));
        return undefined;
      }
      this.started = true;
      this.settleReady.resolve();
      const rest = this.early;
      this.early = '';
      return rest;
    }
  }

  private onStdout(chunk: string): void {
    if (this.failure) return;
    let text = chunk;
    if (!this.started) {
      const rest = this.onEarly(text);
      if (rest === undefined) return;
      text = rest;
    }
    // Answers are long base64 lines: only the new chunk is searched for the line end.
    let newline = text.indexOf('\n');
    let rest = text;
    while (newline !== -1) {
      const line = this.stdoutChunks.join('') + rest.slice(0, newline);
      this.stdoutChunks = [];
      this.lineLength = 0;
      rest = rest.slice(newline + 1);
      const space = line.lastIndexOf(' ');
      const id = Number(line.slice(space + 1));
      const request = space < 0 ? undefined : this.requests.get(id);
      if (request) {
        this.strayLength = 0;
        request.stdout = Buffer.from(line.slice(0, space), 'base64');
        this.settle(id, request);
      } else {
        this.strayLength += line.length + 1;
      }
      newline = rest.indexOf('\n');
    }
    if (rest !== '') {
      this.stdoutChunks.push(rest);
      this.lineLength += rest.length;
    }
    // The answer is base64 (4 characters per 3 bytes) of the output and its exit status: what an output of maxBytes
    // takes, and a little more, is let through; past that the host is streaming, and is stopped.
    const maxBytes = this.currentMaxBytes();
    if (this.lineLength + this.strayLength > Math.ceil((maxBytes + 16) / 3) * 4 + 32)
      this.stop(overflowReason(maxBytes));
  }

  /** The bound of the request being answered (requests on one shell run in order: the oldest pending one). */
  private currentMaxBytes(): number {
    for (const request of this.requests.values()) return request.maxBytes;
    return this.maxBytes;
  }

  private onStderr(text: string): void {
    if (this.failure) return;
    this.stderrText += text;
    this.stderrLength += text.length;
    for (;;) {
      const start = this.stderrText.indexOf(`\n${MARK} `);
      if (start === -1) break;
      const idEnd = this.stderrText.indexOf('@@\n', start + MARK.length + 2);
      if (idEnd === -1) break;
      const id = this.stderrText.slice(start + MARK.length + 2, idEnd);
      const endMarker = `\n${MARK} ${id}@@\n`;
      const end = this.stderrText.indexOf(endMarker, idEnd + 3);
      if (end === -1) break;
      const request = this.requests.get(Number(id));
      const body = this.stderrText.slice(idEnd + 3, end);
      this.stderrText = this.stderrText.slice(end + endMarker.length);
      if (request) {
        this.stderrLength = this.stderrText.length;
        request.stderr = body;
        this.settle(Number(id), request);
      }
    }
    // Outside a request (a login banner, a motd): kept only to explain a failure, bounded.
    if (this.stderrText.length > 1024 * 1024 && !this.stderrText.includes(`\n${MARK} `))
      this.stderrText = this.stderrText.slice(-8192);
    // A command's stderr is bounded like its stdout (the markers' few bytes aside), and so is what comes outside any
    // request's markers: kept or not, it is read, and a host that streams it endlessly is stopped.
    const maxBytes = this.currentMaxBytes();
    if (this.stderrLength > maxBytes + 1024) this.stop(overflowReason(maxBytes));
  }

  /**
   * Stops a shell that passed a bound: what it holds is dropped, its requests (and any later one, and a start not yet
   * made) fail with `reason`, and the ssh process is killed, so nothing more is read. The master's own shell too: its
   * host is streaming at us.
   */
  private stop(reason: string): void {
    if (this.failure) return;
    this.fail(new SshUnreachableError(this.host, reason));
    this.alive = false;
    this.stdoutChunks = [];
    this.lineLength = 0;
    this.stderrText = '';
    this.early = '';
    this.child?.stdout?.destroy();
    this.child?.stderr?.destroy();
    this.child?.kill('SIGKILL');
  }

  private settle(id: number, request: PendingRequest): void {
    if (request.stdout === undefined || request.stderr === undefined) return;
    this.requests.delete(id);
    if (request.timer) clearTimeout(request.timer);
    const output = request.stdout;
    const newline = output.lastIndexOf(0x0a);
    const code = Number(output.subarray(newline + 1).toString('latin1'));
    request.resolve({
      code: Number.isInteger(code) ? code : null,
      stdout: newline === -1 ? Buffer.alloc(0) : output.subarray(0, newline),
      stderr: request.stderr,
    });
  }

  /** Ends the remote loop (end of its input); killed after `graceMs` if it has not ended. */
  close(graceMs = 2000): void {
    if (!this.alive) return;
    this.alive = false;
    const child = this.child;
    if (!child) {
      this.fail(new SshUnreachableError(this.host, 'connection closed'));
      return;
    }
    child.stdin!.end();
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    kill.unref();
    child.once('close', () => clearTimeout(kill));
  }
}
