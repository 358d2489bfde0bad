// One multiplexed OpenSSH connection per audited host: the system's `ssh` (so ~/.ssh/config, the agent, ProxyJump,
// known_hosts and hardware keys work as they do for the operator), a ControlMaster socket in a private temporary
// directory, BatchMode so nothing ever waits for a password, and host-key checking left exactly as configured.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
/** The master's first line ("connected") and the shell's ("ready"): anything longer is not our probe answering. */
const FIRST_LINE_MAX_BYTES = 64 * 1024;

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

export class SshConnection {
  readonly host: string;
  private readonly controlDir: string;
  private readonly controlPath: string;
  private master: ChildProcess | undefined;
  private closed = false;
  private readonly maxBytes: number;

  constructor(private readonly options: SshConnectionOptions) {
    this.host = options.destination.host;
    for (const arg of options.extraArgs ?? []) {
      if (WEAKENING.some((pattern) => pattern.test(arg.replace(/\s+/g, '')))) {
        throw new SshUnreachableError(this.host, `refusing ssh option "${arg}": it weakens host-key checking`);
      }
    }
    this.maxBytes = options.maxOutputBytes ?? DEFAULT_REMOTE_MAX_BYTES;
    this.controlDir = mkdtempSync(join(tmpdir(), 'signer-opsec-ssh-'));
    this.controlPath = join(this.controlDir, 'cm');
  }

  private baseArgs(): string[] {
    const { destination, identityFile, configFile, extraArgs, connectTimeoutMs } = this.options;
    const args: string[] = [];
    if (configFile) args.push('-F', configFile);
    appendAll(args, extraArgs ?? []);
    for (const option of SSH_FIXED_OPTIONS) args.push('-o', option);
    args.push('-o', `ConnectTimeout=${Math.max(1, Math.ceil((connectTimeoutMs ?? 10_000) / 1000))}`);
    args.push('-o', `ControlPath=${this.controlPath}`);
    if (identityFile) args.push('-i', identityFile);
    if (destination.port) args.push('-p', String(destination.port));
    if (destination.user) args.push('-l', destination.user);
    args.push('-T');
    return args;
  }

  /** Connects and authenticates (and checks sudo with --become). Throws SshUnreachableError with the reason. */
  async open(): Promise<void> {
    // The master's own session becomes the first remote shell: one ssh process fewer per host (a fork of this
    // process costs tens of ms of the one JS thread a fleet shares).
    const loop = shellQuote(SHELL_LOOP);
    const probe = this.options.become
      ? `if ! command -v sudo >/dev/null 2>&1; then echo no-sudo; read line; elif sudo -n true 2>/dev/null; then echo connected; exec sudo -n -- sh -c ${loop}; else echo sudo-password; read line; fi`
      : `echo connected; exec sh -c ${loop}`;
    const timeoutMs = (this.options.connectTimeoutMs ?? 10_000) + 5000;
    const master = spawn(
      'ssh',
      ['-o', 'ControlMaster=yes', ...this.baseArgs(), this.options.destination.host, `sh -c ${shellQuote(probe)}`],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.master = master;
    master.stdin!.on('error', () => {});
    let stderr = '';
    master.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 8192) stderr += chunk.toString('utf8');
    });
    let rest = '';
    const answer = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => {
        master.kill('SIGKILL');
        reject(new SshUnreachableError(this.host, `unreachable: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const onData = (chunk: Buffer) => {
        stdout += chunk.toString('latin1');
        const newline = stdout.indexOf('\n');
        if (newline === -1 && stdout.length > FIRST_LINE_MAX_BYTES) {
          clearTimeout(timer);
          master.stdout!.removeListener('data', onData);
          master.stdout!.destroy();
          master.kill('SIGKILL');
          reject(new SshUnreachableError(this.host, overflowReason(FIRST_LINE_MAX_BYTES)));
          return;
        }
        if (newline !== -1) {
          clearTimeout(timer);
          // What follows the answer is the remote shell's: handed to it below.
          master.stdout!.removeListener('data', onData);
          rest = stdout.slice(newline + 1);
          resolve(stdout.slice(0, newline).trim());
        }
      };
      master.stdout!.on('data', onData);
      master.on('error', (error) => {
        clearTimeout(timer);
        reject(new SshUnreachableError(this.host, `cannot run ssh: ${error.message}`));
      });
      master.on('exit', (code) => {
        clearTimeout(timer);
        reject(new SshUnreachableError(this.host, classifySshFailure(stderr, code)));
      });
    });
    if (answer === 'no-sudo') {
      this.close();
      throw new SshUnreachableError(this.host, '--become: sudo is not installed on the host');
    }
    if (answer === 'sudo-password') {
      this.close();
      throw new SshUnreachableError(
        this.host,
        '--become: sudo asks for a password (the audit runs `sudo -n` and never types one); allow NOPASSWD for the audit user or connect as root',
      );
    }
    if (answer !== 'connected') {
      this.close();
      throw new SshUnreachableError(this.host, `the remote shell did not start: ${answer.slice(0, 200)}`);
    }
    try {
      this.sessions.push(
        await RemoteShell.start(master, this.host, { initial: rest, primary: true, maxBytes: this.maxBytes }),
      );
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /**
   * Runs a script on the host over the master connection; stdin (a secret, say) crosses only the SSH channel. The
   * script goes to one of a few long-lived remote shells (one login each, however many requests follow).
   */
  async exec(
    script: string,
    options: { stdin?: Buffer | string; timeoutMs?: number; maxBytes?: number } = {},
  ): Promise<RemoteResult> {
    if (this.closed || !this.master) throw new SshUnreachableError(this.host, 'connection closed');
    const session = await this.pickSession();
    return session.run(
      script,
      options.stdin === undefined ? '' : options.stdin.toString(),
      options.timeoutMs,
      options.maxBytes ?? this.maxBytes,
    );
  }

  private sessions: RemoteShell[] = [];
  private starting: Promise<RemoteShell>[] = [];

  /** The least busy remote shell; more are opened (up to SESSIONS) while all are busy. */
  private async pickSession(): Promise<RemoteShell> {
    this.sessions = this.sessions.filter((session) => session.alive);
    const idle = this.sessions.find((session) => session.pending === 0);
    if (idle) return idle;
    if (this.sessions.length + this.starting.length < SESSIONS) {
      const starting = RemoteShell.start(this.spawnRemote(), this.host, { maxBytes: this.maxBytes });
      this.starting.push(starting);
      try {
        const session = await starting;
        this.sessions.push(session);
        return session;
      } finally {
        this.starting = this.starting.filter((each) => each !== starting);
      }
    }
    if (this.sessions.length === 0) return this.starting[0]!;
    return this.sessions.reduce((best, session) => (session.pending < best.pending ? session : best));
  }

  private spawnRemote(): ChildProcess {
    const command = this.options.become
      ? `sudo -n -- sh -c ${shellQuote(SHELL_LOOP)}`
      : `sh -c ${shellQuote(SHELL_LOOP)}`;
    return spawn('ssh', ['-o', 'ControlMaster=no', ...this.baseArgs(), this.options.destination.host, command], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  /** Ends the master (its remote `read` sees end of input) and removes the private control directory. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const master = this.master;
    if (master && master.exitCode === null && master.signalCode === null) {
      master.stdin?.end();
      const kill = setTimeout(() => master.kill('SIGKILL'), 3000);
      kill.unref();
      master.once('exit', () => clearTimeout(kill));
    }
    for (const session of this.sessions) session.close();
    rmSync(this.controlDir, { recursive: true, force: true });
  }
}

/** Remote shells per host: requests to one shell run one after another, so a few let fetches overlap. */
const SESSIONS = 3;
const MARK = '@@signer-opsec';

/**
 * The remote loop: each request is a header line `<id> <script bytes> <input bytes>`, then the script and its input.
 * The script runs in `sh -c` (its text is in argv: it never holds a secret); the input reaches it through a pipe from
 * the printf builtin, so a secret is never in any argv or environment. The answer is the base64 of the script's
 * output and its exit status on one line ending in ` <id>`; its stderr sits between two markers on stderr.
 */
export const SHELL_LOOP = [
  'LC_ALL=C; export LC_ALL',
  'echo ready',
  'while IFS=" " read -r id slen ilen; do',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: sh parameter expansion (drops the guard against $( ) stripping newlines)
  '  script=$(head -c "$slen"; printf x); script=${script%x}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: sh parameter expansion
  '  input=$(head -c "$ilen"; printf x); input=${input%x}',
  `  printf '\\n${MARK} %s@@\\n' "$id" >&2`,
  `  { printf '%s' "$input" | sh -c "$script"; printf '\\n%s' "$?"; } | base64 -w0`,
  `  printf '\\n${MARK} %s@@\\n' "$id" >&2`,
  '  printf \' %s\\n\' "$id"',
  'done',
].join('\n');

interface PendingRequest {
  resolve: (result: RemoteResult) => void;
  reject: (error: Error) => void;
  stdout?: Buffer;
  stderr?: string;
  timer?: NodeJS.Timeout;
  /** Bytes of output (each stream) past which the command fails. */
  maxBytes: number;
}

class RemoteShell {
  alive = true;
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
  /** Why the shell was stopped (a bound was passed): every request on it, and any later one, fails with it. */
  private failure: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly host: string,
    private readonly primary: boolean,
    private readonly maxBytes: number,
  ) {}

  get pending(): number {
    return this.requests.size;
  }

  /**
   * `initial`: what the child already printed (the master's answer is read first). A `primary` shell is the master
   * connection's own: a stuck request does not close it (that would end every session), its answer is dropped.
   */
  static start(
    child: ChildProcess,
    host: string,
    options: { initial?: string; primary?: boolean; maxBytes?: number } = {},
  ): Promise<RemoteShell> {
    const shell = new RemoteShell(child, host, options.primary === true, options.maxBytes ?? DEFAULT_REMOTE_MAX_BYTES);
    child.stdin!.on('error', () => {});
    return new Promise((resolve, reject) => {
      let ready = false;
      let early = '';
      const onData = (chunk: Buffer) => {
        if (ready) {
          shell.onStdout(chunk.toString('latin1'));
          return;
        }
        early += chunk.toString('latin1');
        const newline = early.indexOf('\n');
        if (newline === -1 && early.length > FIRST_LINE_MAX_BYTES) {
          shell.stop(overflowReason(FIRST_LINE_MAX_BYTES));
          reject(new SshUnreachableError(host, overflowReason(FIRST_LINE_MAX_BYTES)));
          return;
        }
        if (newline === -1) return;
        if (early.slice(0, newline) !== 'ready') {
          reject(new SshUnreachableError(host, `the remote shell did not start: ${early.slice(0, newline)}`));
          child.kill('SIGKILL');
          return;
        }
        ready = true;
        resolve(shell);
        if (early.length > newline + 1) shell.onStdout(early.slice(newline + 1));
      };
      child.stdout!.on('data', onData);
      if (options.initial) onData(Buffer.from(options.initial, 'latin1'));
      child.stderr!.on('data', (chunk: Buffer) => shell.onStderr(chunk.toString('utf8')));
      child.on('close', (code) => {
        shell.alive = false;
        const reason = shell.failure ?? classifySshFailure(shell.stderrText, code);
        if (!ready) reject(new SshUnreachableError(host, reason));
        for (const request of shell.requests.values()) {
          if (request.timer) clearTimeout(request.timer);
          request.reject(new SshUnreachableError(host, shell.failure ?? `the connection ended: ${reason}`));
        }
        shell.requests.clear();
      });
    });
  }

  run(script: string, input: string, timeoutMs: number | undefined, maxBytes = this.maxBytes): Promise<RemoteResult> {
    if (!this.alive) return Promise.reject(new SshUnreachableError(this.host, this.failure ?? 'connection closed'));
    const id = this.nextId++;
    const scriptBytes = Buffer.from(script, 'utf8');
    const inputBytes = Buffer.from(input, 'utf8');
    return new Promise((resolve, reject) => {
      const request: PendingRequest = { resolve, reject, maxBytes };
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
      this.child.stdin!.write(
        Buffer.concat([Buffer.from(`${id} ${scriptBytes.length} ${inputBytes.length}\n`), scriptBytes, inputBytes]),
      );
    });
  }

  /** The bound of the request being answered (requests on one shell run in order: the oldest pending one). */
  private currentMaxBytes(): number {
    for (const request of this.requests.values()) return request.maxBytes;
    return this.maxBytes;
  }

  private onStdout(text: string): void {
    if (this.failure !== undefined) return;
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
    if (this.lineLength + this.strayLength > Math.ceil((maxBytes + 16) / 3) * 4 + 32) {
      this.stop(overflowReason(maxBytes));
    }
  }

  private onStderr(text: string): void {
    if (this.failure !== undefined) return;
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
   * Stops a shell that passed a bound: what it holds is dropped, its requests (and any later one) fail with `reason`,
   * and the ssh process is killed, so nothing more is read. The master's own shell too: its host is streaming at us.
   */
  stop(reason: string): void {
    if (this.failure !== undefined) return;
    this.failure = reason;
    this.alive = false;
    this.stdoutChunks = [];
    this.lineLength = 0;
    this.stderrText = '';
    for (const request of this.requests.values()) {
      if (request.timer) clearTimeout(request.timer);
      request.reject(new SshUnreachableError(this.host, reason));
    }
    this.requests.clear();
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    this.child.kill('SIGKILL');
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

  close(): void {
    if (!this.alive) return;
    this.alive = false;
    this.child.stdin!.end();
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    kill.unref();
    this.child.once('close', () => clearTimeout(kill));
  }
}
