// One multiplexed OpenSSH connection per audited host: the system's `ssh` (so ~/.ssh/config, the agent, ProxyJump,
// known_hosts and hardware keys work as they do for the operator), a ControlMaster socket in a private temporary
// directory, BatchMode so nothing ever waits for a password, and host-key checking left exactly as configured.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  constructor(private readonly options: SshConnectionOptions) {
    this.host = options.destination.host;
    for (const arg of options.extraArgs ?? []) {
      if (WEAKENING.some((pattern) => pattern.test(arg.replace(/\s+/g, '')))) {
        throw new SshUnreachableError(this.host, `refusing ssh option "${arg}": it weakens host-key checking`);
      }
    }
    this.controlDir = mkdtempSync(join(tmpdir(), 'signer-opsec-ssh-'));
    this.controlPath = join(this.controlDir, 'cm');
  }

  private baseArgs(): string[] {
    const { destination, identityFile, configFile, extraArgs, connectTimeoutMs } = this.options;
    const args: string[] = [];
    if (configFile) args.push('-F', configFile);
    args.push(...(extraArgs ?? []));
    for (const option of SSH_FIXED_OPTIONS) args.push('-o', option);
    args.push('-o', `ConnectTimeout=${Math.max(1, Math.ceil((connectTimeoutMs ?? 10_000) / 1000))}`);
    args.push('-o', `ControlPath=${this.controlPath}`);
    if (identityFile) args.push('-i', identityFile);
    if (destination.port) args.push('-p', String(destination.port));
    if (destination.user) args.push('-l', destination.user);
    args.push('-T');
    return args;
  }

  /** The remote command: a POSIX sh script, under `sudo -n` with --become. */
  private remoteCommand(script: string): string {
    const sh = `sh -c ${shellQuote(script)}`;
    return this.options.become ? `sudo -n -- ${sh}` : sh;
  }

  /** Connects and authenticates (and checks sudo with --become). Throws SshUnreachableError with the reason. */
  async open(): Promise<void> {
    const probe = this.options.become
      ? 'if ! command -v sudo >/dev/null 2>&1; then echo no-sudo; elif sudo -n true 2>/dev/null; then echo ready; else echo sudo-password; fi; read line'
      : 'echo ready; read line';
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
    const answer = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => {
        master.kill('SIGKILL');
        reject(new SshUnreachableError(this.host, `unreachable: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      master.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        if (stdout.includes('\n')) {
          clearTimeout(timer);
          resolve(stdout.trim());
        }
      });
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
  }

  /** Runs a script on the host over the master connection; stdin (a secret, say) crosses only the SSH channel. */
  exec(script: string, options: { stdin?: Buffer | string; timeoutMs?: number; maxBytes?: number } = {}): Promise<RemoteResult> {
    if (this.closed || !this.master) return Promise.reject(new SshUnreachableError(this.host, 'connection closed'));
    const maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
    const child = spawn(
      'ssh',
      ['-o', 'ControlMaster=no', ...this.baseArgs(), this.options.destination.host, this.remoteCommand(script)],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let stderr = '';
      let failure: Error | undefined;
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              failure = new SshUnreachableError(this.host, `the remote command gave no answer within ${options.timeoutMs} ms`);
              child.kill('SIGKILL');
            }, options.timeoutMs);
      child.stdout!.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          failure = new SshUnreachableError(this.host, `the remote answer is larger than ${maxBytes} bytes`);
          child.kill('SIGKILL');
          return;
        }
        chunks.push(chunk);
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        if (stderr.length < 1024 * 1024) stderr += chunk.toString('utf8');
      });
      child.on('error', (error) => {
        failure = new SshUnreachableError(this.host, `cannot run ssh: ${error.message}`);
      });
      child.on('close', (code) => {
        if (timer) clearTimeout(timer);
        if (failure) reject(failure);
        else if (code === 255) reject(new SshUnreachableError(this.host, classifySshFailure(stderr, code)));
        else resolve({ code, stdout: Buffer.concat(chunks, size), stderr });
      });
      child.stdin!.on('error', () => {});
      child.stdin!.end(options.stdin ?? '');
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
    rmSync(this.controlDir, { recursive: true, force: true });
  }
}
