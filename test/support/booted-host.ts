// Boots a test host under systemd-nspawn: the cached Debian 12 root, a host's files laid over it, the stand-in
// stacks-signer / stacks-node, and signer-opsec (this clone's build and the host's node, read-only) — then systemd
// as PID 1, in its own network namespace joined by a veth pair to a "client" namespace that plays the other machines.
//
// The host's PID 1 is not systemd, so machinectl and `systemctl -M` cannot reach the container: commands run through
// `nsenter -t <container PID 1> -a`. Each nspawn first moves itself into its own cgroup (the host is cgroup v1), or
// stopping one container would tear down the others. Every name carries this process's pid and a counter.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { exampleHostsDir, readExampleHost, repoRoot } from '../../scripts/example-hosts.js';
import { runProgram } from '../../src/target/run-program.js';
import { ensureRootTarball } from './booted-root.js';
import { type FileSpec, type PlannedEntry, planEntry } from './materialise.js';

/** Where signer-opsec is mounted inside: a path no audit control walks (not /opt, /srv, /var/lib, /home, /etc). */
export const TOOL_DIR = '/usr/lib/signer-opsec';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Booting takes seconds; this is for a machine loaded by five other test suites. */
const BOOT_TIMEOUT_MS = 240_000;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface BootOptions {
  /** A bundled example host (examples/hosts/<name>), or a file map laid over the root. */
  example?: string;
  files?: FileSpec;
  /** Addresses (CIDR) on the container's side of the veth, and on the client namespace's side. */
  addresses?: readonly string[];
  clientAddresses?: readonly string[];
}

export interface BootedHost {
  name: string;
  /** The container's root directory on the host: what `audit --root` reads. */
  root: string;
  /** The client namespace, on the other end of the container's veth. */
  clientNs: string;
  /** Seconds from starting nspawn to `systemctl is-system-running` answering. */
  bootSeconds: number;
  /** Runs a command inside the container (all its namespaces), as root, with a clean environment. */
  exec(command: string, args?: readonly string[], options?: ExecOptions): Promise<RunResult>;
  /** Runs a command in the client namespace (on the host's filesystem). */
  execClient(command: string, args?: readonly string[], options?: ExecOptions): Promise<RunResult>;
  /** Shuts the container down and removes its tree, namespaces and cgroup; safe to call twice. */
  stop(): Promise<void>;
}

export interface ExecOptions {
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export const DEFAULT_ADDRESSES = ['10.0.0.5/24', '10.8.0.2/24'];
/** 10.0.0.8 is the remote node of the harden tests' hosts (stacks-node.lan), 10.0.0.9 a stranger, 10.8.0.1 a tunnel peer. */
export const DEFAULT_CLIENT_ADDRESSES = ['10.0.0.8/24', '10.0.0.9/24', '10.8.0.1/24'];

let counter = 0;
const live = new Set<() => void>();
process.on('exit', () => {
  for (const cleanup of live) cleanup();
});
// The test runner stops a file's process with a signal on timeout or ^C: no container, namespace or tree is left.
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => {
    for (const cleanup of live) cleanup();
    process.exit(signal === 'SIGTERM' ? 143 : 130);
  });

/** A deadline that kills only a program still running: one that answered keeps its output (run-program.ts). */
async function run(command: string, args: readonly string[], options: ExecOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const outcome = await runProgram(command, args, {
    timeoutMs,
    maxBytes: 256 * 1024 * 1024,
    stdin: options.input ?? '',
  });
  if (outcome.kind === 'not-started') return { code: 128, stdout: '', stderr: `${command}: ${outcome.message}` };
  if (outcome.kind !== 'exited')
    return {
      code: 128,
      stdout: outcome.stdout,
      stderr: `${outcome.stderr}${command}: ${outcome.kind === 'timeout' ? `killed after ${timeoutMs} ms` : 'printed too much'}`,
    };
  return { code: outcome.code ?? 128, stdout: outcome.stdout, stderr: outcome.stderr };
}

function runSync(command: string, args: readonly string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function bootHost(options: BootOptions): Promise<BootedHost> {
  const tarball = await ensureRootTarball();
  counter += 1;
  const tag = `${process.pid}-${counter}`;
  const name = `so17-${tag}`;
  const netns = `so17-${tag}`;
  const clientNs = `so17c-${tag}`;
  const link = `s17${process.pid % 100000}x${counter}`;
  const cgroup = `/sys/fs/cgroup/systemd/${name}`;
  const root = mkdtempSync('/var/tmp/so17-root-');
  let nspawn: ChildProcess | undefined;
  let output = '';
  let stopped = false;

  const cleanupSync = (): void => {
    if (nspawn && nspawn.exitCode === null && nspawn.signalCode === null) nspawn.kill('SIGKILL');
    killCgroup(cgroup);
    for (const ns of [netns, clientNs]) {
      try {
        runSync('ip', ['netns', 'del', ns]);
      } catch {
        // never created, or already gone
      }
    }
    removeCgroup(cgroup);
    rmSync(`/run/systemd/nspawn/propagate/${name}`, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  };
  live.add(cleanupSync);

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const child = nspawn;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // SIGTERM asks nspawn to halt the container cleanly; a container that does not halt in time is killed.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    }
    cleanupSync();
    live.delete(cleanupSync);
  };

  try {
    runSync('tar', ['--zstd', '--xattrs', '--xattrs-include=*', '-xpf', tarball.path, '-C', root]);
    layHostOver(root, options);
    installStandIns(root);
    mkdirSync(join(root, TOOL_DIR.slice(1)), { recursive: true });
    runSync('ip', ['netns', 'add', netns]);
    runSync('ip', ['netns', 'add', clientNs]);
    runSync('ip', ['link', 'add', `${link}a`, 'type', 'veth', 'peer', 'name', `${link}b`]);
    runSync('ip', ['link', 'set', `${link}a`, 'netns', netns]);
    runSync('ip', ['link', 'set', `${link}b`, 'netns', clientNs]);
    for (const [ns, dev, addresses] of [
      [netns, `${link}a`, options.addresses ?? DEFAULT_ADDRESSES],
      [clientNs, `${link}b`, options.clientAddresses ?? DEFAULT_CLIENT_ADDRESSES],
    ] as const) {
      runSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      for (const address of addresses) runSync('ip', ['-n', ns, 'addr', 'add', address, 'dev', dev]);
      runSync('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
    mkdirSync(cgroup);
    const repo = repoRoot();
    const binds = [
      [process.execPath, 'node'],
      [join(repo, 'bin'), 'bin'],
      [join(repo, 'dist', 'src'), 'dist/src'],
      [join(repo, 'data'), 'data'],
      [join(repo, 'schema'), 'schema'],
      [join(repo, 'node_modules'), 'node_modules'],
      [join(repo, 'package.json'), 'package.json'],
    ].map(([source, target]) => `--bind-ro=${source}:${TOOL_DIR}/${target}`);
    const started = Date.now();
    nspawn = spawn(
      'sh',
      [
        '-c',
        'echo $$ > "$0/cgroup.procs" && exec "$@"',
        cgroup,
        'systemd-nspawn',
        '-D',
        root,
        '-b',
        '-M',
        name,
        '--register=no',
        '--keep-unit',
        '--console=pipe',
        `--network-namespace-path=/run/netns/${netns}`,
        // nspawn keeps CAP_NET_ADMIN only with --private-network; this namespace is just as private, and the
        // container's own nftables.service needs it to load the boot ruleset.
        '--capability=CAP_NET_ADMIN',
        ...binds,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const capture = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    nspawn.stdout?.on('data', capture);
    nspawn.stderr?.on('data', capture);
    const leader = await waitForLeader(nspawn, () => output);
    const enter = (command: string, args: readonly string[], execOptions: ExecOptions = {}): Promise<RunResult> => {
      const env = Object.entries({ PATH, HOME: '/root', LANG: 'C.UTF-8', ...execOptions.env }).map(
        ([key, value]) => `${key}=${value}`,
      );
      return run('nsenter', ['-t', String(leader), '-a', '--', 'env', '-i', ...env, command, ...args], execOptions);
    };
    for (;;) {
      const state = await enter('systemctl', ['is-system-running', '--wait'], { timeoutMs: BOOT_TIMEOUT_MS });
      if (/^(running|degraded)/.test(state.stdout)) break;
      if (Date.now() - started > BOOT_TIMEOUT_MS)
        throw new Error(`${name} did not boot: ${state.stdout}${state.stderr}\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return {
      name,
      root,
      clientNs,
      bootSeconds: (Date.now() - started) / 1000,
      exec: (command, args = [], execOptions = {}) => enter(command, args, execOptions),
      execClient: (command, args = [], execOptions = {}) =>
        run('ip', ['netns', 'exec', clientNs, command, ...args], execOptions),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The container's PID 1: the child of nspawn whose pid in its own namespace is 1. */
async function waitForLeader(nspawn: ChildProcess, output: () => string): Promise<number> {
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (nspawn.exitCode !== null || nspawn.signalCode !== null)
      throw new Error(`systemd-nspawn exited (${nspawn.exitCode ?? nspawn.signalCode}): ${output()}`);
    for (const pid of childrenOf(nspawn.pid!)) {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        if (/^NSpid:\s+\d+\s+1$/m.test(status)) return pid;
      } catch {
        // gone already
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no container PID 1 under systemd-nspawn: ${output()}`);
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function cgroupDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const below = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => cgroupDirs(join(dir, entry.name)));
  return [...below, dir];
}

function killCgroup(cgroup: string): void {
  for (const dir of cgroupDirs(cgroup)) {
    try {
      for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean))
        process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already empty or gone
    }
  }
}

/** Deepest first; a cgroup whose last process is still exiting is retried briefly. */
function removeCgroup(cgroup: string): void {
  for (let attempt = 0; attempt < 50 && existsSync(cgroup); attempt += 1) {
    for (const dir of cgroupDirs(cgroup)) {
      try {
        rmdirSync(dir);
      } catch {
        // busy for a moment more
      }
    }
    if (existsSync(cgroup)) execFileSync('sleep', ['0.1']);
  }
}

/** Account files: the host's entries, plus the Debian root's own (systemd's, dbus's) that the host does not name. */
const ACCOUNT_FILES = ['etc/passwd', 'etc/group', 'etc/shadow', 'etc/gshadow'];

function layHostOver(root: string, options: BootOptions): void {
  const entries: PlannedEntry[] = options.example
    ? readExampleHost(join(exampleHostsDir(), options.example)).map((entry) => ({
        path: entry.path.replace(/^\/+|\/+$/g, ''),
        type: entry.type,
        mode: entry.mode,
        uid: entry.uid,
        gid: entry.gid,
        ...(entry.content !== undefined ? { content: entry.content } : {}),
        ...(entry.linkTarget !== undefined ? { linkTarget: entry.linkTarget } : {}),
      }))
    : Object.entries(options.files ?? {}).map(([path, value]) => planEntry(path, value));
  const debianAccounts = new Map(ACCOUNT_FILES.map((file) => [file, readFileSync(join(root, file), 'utf8')]));
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const entry of sorted) {
    const path = join(root, entry.path);
    const existing = lstatOrUndefined(path);
    if (entry.type === 'dir') {
      if (existing && !existing.isDirectory()) rmSync(path, { recursive: true, force: true });
      mkdirSync(path, { recursive: true });
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    if (entry.type === 'symlink') {
      if (existing?.isSymbolicLink() && readlinkSync(path) === entry.linkTarget) continue;
      if (existing) rmSync(path, { recursive: true, force: true });
      symlinkSync(entry.linkTarget ?? '', path);
      continue;
    }
    // Never write through a symlink of the Debian root (etc/os-release): the host's file replaces it.
    if (existing && !existing.isFile()) rmSync(path, { recursive: true, force: true });
    else if (existing) unlinkSync(path);
    writeFileSync(path, entry.content ?? '');
  }
  for (const entry of [...sorted].reverse()) {
    const path = join(root, entry.path);
    if (entry.type === 'symlink') {
      lchownSync(path, entry.uid, entry.gid);
      continue;
    }
    chownSync(path, entry.uid, entry.gid);
    chmodSync(path, entry.mode);
  }
  for (const [file, debian] of debianAccounts) mergeAccounts(join(root, file), debian);
}

/** Adds the Debian root's accounts whose name and (passwd/group) id the host's file does not already use. */
function mergeAccounts(path: string, debian: string): void {
  const current = readFileSync(path, 'utf8');
  if (current === debian) return;
  const lines = current.split('\n').filter(Boolean);
  const names = new Set(lines.map((line) => line.split(':')[0]));
  const numbered = /etc\/(passwd|group)$/.test(path);
  const ids = new Set(numbered ? lines.map((line) => line.split(':')[2]) : []);
  const added = debian
    .split('\n')
    .filter(Boolean)
    .filter((line) => {
      const [name, , id] = line.split(':');
      return !names.has(name) && !(numbered && ids.has(id));
    });
  if (added.length === 0) return;
  const stats = lstatSync(path);
  writeFileSync(path, `${[...lines, ...added].join('\n')}\n`);
  chownSync(path, stats.uid, stats.gid);
  chmodSync(path, stats.mode & 0o7777);
}

let standInDir: string | undefined;

/**
 * The stand-ins, compiled once per test process (C, linked against the host's glibc: the container's Debian 12 has
 * the same). ELF binaries, not scripts, so the kernel's /proc/<pid>/exe is /usr/local/bin/stacks-signer itself, as
 * with a real release, and the audit's process controls see the signer.
 */
export function compileStandIns(): string {
  if (standInDir) return standInDir;
  const dir = mkdtempSync(join(tmpdir(), 'so17-standins-'));
  live.add(() => rmSync(dir, { recursive: true, force: true }));
  const sources = join(repoRoot(), 'test', 'booted', 'stand-ins');
  for (const name of ['stacks-signer', 'stacks-node']) {
    execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', join(dir, name), join(sources, `${name}.c`)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
  standInDir = dir;
  return dir;
}

/** The stand-ins replace the host's placeholder binaries, keeping their owner and mode (a wrong one is a finding). */
function installStandIns(root: string): void {
  const compiled = compileStandIns();
  for (const name of ['stacks-signer', 'stacks-node']) {
    const source = join(compiled, name);
    const target = join(root, 'usr/local/bin', name);
    const existing = lstatOrUndefined(target);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
    if (existing?.isFile()) {
      chownSync(target, existing.uid, existing.gid);
      chmodSync(target, existing.mode & 0o7777);
    } else {
      chownSync(target, 0, 0);
      chmodSync(target, 0o755);
    }
  }
}

function lstatOrUndefined(path: string): import('node:fs').Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Runs tasks with at most `limit` at once (the machine has two cores, shared with other suites). */
export async function boundedAll<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
