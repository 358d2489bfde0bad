// Issue 18, "Confinement, as a property": every command run on a hostile target, traced with strace (Debian's), may
// open, stat or execute nothing outside the target, other than its own files (the checkout, node), system libraries
// and locales, the temporary directory it is given, and the system tools it runs (and their own files). The target
// holds every indirection we know of that points out of it: git alternates, commondir, an objects symlink, config
// includes of host files and FIFOs, FIFOs as HEAD and config; nft `include "../../../../etc/x"` and `include
// "/etc/*"`; sshd `Include /etc/shadow`; systemd drop-ins that are symlinks out of the root. The bait outside the root
// (a repository holding a key, a git config, an nft file) sits in a directory no allowance covers.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeRepo, runGit, type TestRepo } from '../secrets/git/repo.js';
import { BIN, REPO_ROOT } from '../support/cli.js';
import { materialiseExample } from '../support/materialise.js';

/** Programs the tool may run on target content; their lookups along PATH and their execution are not leaks. */
const TOOLS = ['git', 'nft', 'sshd', 'systemd-analyze', 'ssh-keygen', 'tar', 'gzip', 'zstd', 'xz', 'diff', 'patch'];

/** System files any process (node, git, nft, sshd) loads: libraries, locales, the loader's and libc's own files. */
const SYSTEM_PREFIXES = [
  '/lib/',
  '/lib64/',
  '/usr/lib/',
  '/usr/lib64/',
  '/usr/libexec/',
  '/usr/share/locale/',
  '/usr/share/locale-langpack/',
  '/usr/share/zoneinfo/',
  '/usr/share/i18n/',
  '/etc/ld.so.cache',
  '/etc/ld.so.preload',
  '/etc/localtime',
  '/etc/ssl/openssl.cnf',
  '/usr/lib/ssl/',
  '/proc/',
  '/sys/devices/system/cpu/',
  '/sys/fs/cgroup/',
  '/usr/share/locale',
  '/dev/null',
  '/dev/urandom',
  // git looks for hooks in core.hooksPath, which run-git.ts sets to /dev/null: nothing can be there.
  '/dev/null/',
  // The tool's own configuration on the auditing machine (the waivers file; options.ts says it is read there).
  '/etc/signer-opsec/',
];

/** Calls that read no content: naming an ancestor directory of an allowed place is how any path lookup starts. */
const LOOKUP_CALLS = new Set([
  'stat',
  'lstat',
  'newfstatat',
  'statx',
  'readlink',
  'readlinkat',
  'access',
  'faccessat',
  'faccessat2',
  'getcwd',
]);

interface Access {
  pid: number;
  syscall: string;
  path: string;
  /** The program the process was running (its last execve), `node` for the CLI itself. */
  exe: string;
  /** An `O_PATH` open: a handle for a lookup, no content can be read through it. */
  lookupOnly: boolean;
  succeeded: boolean;
}

/**
 * What the system tools the tool runs read of their own accord, whatever the target holds: their runtime state,
 * their own configuration, environment probes. Keyed by executable; these never name a target-controlled path.
 */
const TOOL_OWN_FILES: Record<string, string[]> = {
  'systemd-analyze': [
    // The directories it lists for generators and unit paths, and their parents, opened to walk them.
    '/usr',
    '/usr/local',
    '/usr/local/lib',
    '/run',
    '/run/',
    '/etc/systemd',
    '/etc/systemd/',
    '/usr/local/lib/systemd',
    '/usr/local/lib/systemd/',
    '/etc/selinux/',
    '/sys/fs/selinux',
    '/selinux',
    '/etc/locale.conf',
    '/etc/default/locale',
    '/etc/initrd-release',
    '/.dockerenv',
    // Its scratch directories: systemd-analyze makes them in /tmp whatever TMPDIR says.
    '/tmp/systemd-',
  ],
  // sshd -t/-T: SELinux probes, its privilege-separation user and directory, name service and resolver setup.
  sshd: [
    '/sys/fs/selinux',
    '/selinux',
    '/etc/selinux/',
    '/etc/gai.conf',
    '/etc/nsswitch.conf',
    '/etc/passwd',
    '/run/sshd',
  ],
  // ssh-keygen makes the throwaway host key sshd is validated with: it looks up the running user for the comment.
  'ssh-keygen': ['/sys/fs/selinux', '/selinux', '/etc/selinux/', '/etc/nsswitch.conf', '/etc/passwd'],
  // nft's own name tables (marks, realms, groups, connection labels).
  nft: ['/etc/iproute2/', '/usr/share/iproute2/', '/etc/connlabel.conf'],
  // `/usr/lib/systemd/systemd --dump-configuration-items` (which unit keys a verify copy may hold): its log console,
  // SELinux probes, and its own manager configuration, looked up as a user manager would (never the target's).
  systemd: [
    '/sys/fs/selinux',
    '/selinux',
    '/etc/selinux/',
    '/dev/console',
    '/root',
    '/root/.config',
    '/root/.config/systemd',
    '/root/.config/systemd/',
    '/etc/systemd',
    '/etc/systemd/',
    '/run',
    '/run/systemd',
    '/run/systemd/',
    '/usr/local',
    '/usr/local/lib',
    '/usr/local/lib/systemd',
    '/usr/local/lib/systemd/',
  ],
};

const AT_PATH_CALLS = new Set([
  'openat',
  'openat2',
  'newfstatat',
  'fstatat64',
  'statx',
  'faccessat',
  'faccessat2',
  'execveat',
  'readlinkat',
  'mkdirat',
  'mknodat',
  'unlinkat',
  'fchmodat',
  'fchownat',
  'utimensat',
  'name_to_handle_at',
  'renameat',
  'renameat2',
  'linkat',
  'symlinkat',
  'inotify_add_watch',
]);
const TWO_PATH_CALLS = new Set(['rename', 'link', 'renameat', 'renameat2', 'linkat']);
const FORK_CALLS = new Set(['clone', 'clone3', 'fork', 'vfork']);

/** Tokens of a syscall's arguments that name places: `AT_FDCWD`, a decoded fd `3</dir>`, or a string. */
function placeTokens(args: string): { kind: 'cwd' | 'fd' | 'string'; value: string }[] {
  const tokens: { kind: 'cwd' | 'fd' | 'string'; value: string }[] = [];
  const pattern = /AT_FDCWD|\b\d+<((?:[^>\\]|\\.)*)>|"((?:[^"\\]|\\.)*)"/g;
  for (const match of args.matchAll(pattern)) {
    if (match[0] === 'AT_FDCWD') tokens.push({ kind: 'cwd', value: '' });
    else if (match[1] !== undefined) tokens.push({ kind: 'fd', value: unescapeTrace(match[1]) });
    else tokens.push({ kind: 'string', value: unescapeTrace(match[2] ?? '') });
  }
  return tokens;
}

function unescapeTrace(text: string): string {
  return text.replace(/\\x([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/**
 * The paths each traced process named, made absolute: relative paths against the process's working directory
 * (followed through chdir and inherited across clone), `*at` paths against their decoded directory fd.
 */
export function parseTrace(text: string, startCwd: string): Access[] {
  const cwd = new Map<number, string>();
  const parent = new Map<number, number>();
  const pending = new Map<number, { syscall: string; args: string }>();
  const exe = new Map<number, string>();
  const accesses: Access[] = [];
  const exeOf = (pid: number): string => {
    const known = exe.get(pid);
    if (known !== undefined) return known;
    const from = parent.get(pid);
    return from !== undefined ? exeOf(from) : 'node';
  };
  const cwdOf = (pid: number): string => {
    const known = cwd.get(pid);
    if (known !== undefined) return known;
    const from = parent.get(pid);
    const inherited = from !== undefined ? cwdOf(from) : startCwd;
    cwd.set(pid, inherited);
    return inherited;
  };
  // First pass: who forked whom, so a child seen before its parent's clone returns still inherits its cwd.
  for (const line of text.split('\n')) {
    const match = /^(\d+)\s+(?:<\.\.\. (\w+) resumed>|(\w+)\().*\)\s+=\s+(\d+)/.exec(line);
    if (match && FORK_CALLS.has(match[2] ?? match[3] ?? '')) parent.set(Number(match[4]), Number(match[1]));
  }
  for (const line of text.split('\n')) {
    const head = /^(\d+)\s+(.*)$/.exec(line);
    if (!head) continue;
    const pid = Number(head[1]);
    let rest = head[2] ?? '';
    let syscall: string;
    let args: string;
    const resumed = /^<\.\.\. (\w+) resumed>(.*)$/.exec(rest);
    if (resumed) {
      syscall = resumed[1] ?? '';
      const before = pending.get(pid);
      pending.delete(pid);
      args = `${before?.args ?? ''}${resumed[2] ?? ''}`;
      rest = args;
    } else {
      const call = /^(\w+)\((.*)$/.exec(rest);
      if (!call) continue;
      syscall = call[1] ?? '';
      args = call[2] ?? '';
      if (args.endsWith('<unfinished ...>')) {
        pending.set(pid, { syscall, args: args.slice(0, -'<unfinished ...>'.length) });
        continue;
      }
    }
    const result = /\)\s+=\s+(-?\d+|\?)/.exec(args);
    const succeeded = result !== null && result[1] !== undefined && !result[1].startsWith('-');
    const argText = args.replace(/\)\s+=\s+.*$/, '');
    if (syscall === 'chdir' || syscall === 'fchdir') {
      const [token] = placeTokens(argText);
      if (succeeded && token) cwd.set(pid, resolve(cwdOf(pid), token.value));
      continue;
    }
    const tokens = placeTokens(argText);
    const paths: string[] = [];
    let base: string | undefined;
    for (const token of tokens) {
      if (token.kind === 'cwd') base = cwdOf(pid);
      else if (token.kind === 'fd') base = token.value;
      else {
        if (token.value !== '') {
          paths.push(resolve(AT_PATH_CALLS.has(syscall) ? (base ?? cwdOf(pid)) : cwdOf(pid), token.value));
        }
        base = undefined;
      }
    }
    // symlink(target, linkpath): the target text is not a path that is accessed.
    const named =
      syscall === 'symlink' || syscall === 'symlinkat'
        ? paths.slice(-1)
        : TWO_PATH_CALLS.has(syscall)
          ? paths.slice(0, 2)
          : paths.slice(0, 1);
    const lookupOnly = /\bO_PATH\b/.test(argText);
    for (const path of named) accesses.push({ pid, syscall, path, exe: exeOf(pid), lookupOnly, succeeded });
    if (syscall === 'execve' && succeeded && named[0] !== undefined)
      exe.set(pid, named[0].slice(named[0].lastIndexOf('/') + 1));
  }
  return accesses;
}

interface Traced {
  code: number | null;
  stdout: string;
  stderr: string;
  accesses: Access[];
}

/** The programs a run executed (so a harness that traced nothing of a tool cannot pass unnoticed). */
function executed(run: Traced): Set<string> {
  return new Set(
    run.accesses
      .filter((access) => access.syscall === 'execve' && access.succeeded)
      .map((access) => access.path.slice(access.path.lastIndexOf('/') + 1)),
  );
}

const STRACE_TIMEOUT_MS = 900_000;

/** Runs the CLI under strace -f (file syscalls and process creation, fds decoded). */
function traced(args: readonly string[], work: string, temp: string): Traced {
  const log = join(work, `trace-${args[0]}-${Date.now()}.log`);
  const run = spawnSync(
    'strace',
    [
      '-f',
      '-qq',
      '-y',
      '-s',
      '65535',
      '--seccomp-bpf',
      '-e',
      'trace=%file,%process,fchdir',
      '-o',
      log,
      process.execPath,
      BIN,
      ...args,
    ],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, TMPDIR: temp, LC_ALL: 'C' },
      timeout: STRACE_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  if (run.error) throw new Error(`strace: ${run.error.message} (strace must be installed)`);
  const accesses = parseTrace(readFileSync(log, 'utf8'), REPO_ROOT);
  rmSync(log, { force: true });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, accesses };
}

function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** The allowance: where a path outside the target may be touched, and why. */
function allowedOutside({ path, syscall, exe, lookupOnly }: Access, allowed: readonly string[]): boolean {
  if (allowed.some((dir) => isInside(path, dir))) return true;
  const lookup = LOOKUP_CALLS.has(syscall) || lookupOnly;
  if (lookup && [...allowed, ...SYSTEM_PREFIXES].some((place) => isInside(place, path))) return true;
  const own = TOOL_OWN_FILES[exe] ?? [];
  if (own.some((place) => (place.endsWith('/') || place.endsWith('-') ? path.startsWith(place) : path === place))) {
    return true;
  }
  if (SYSTEM_PREFIXES.some((prefix) => (prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix))) {
    return true;
  }
  // The tools it runs: looked up along PATH (stat/exec of each candidate) and executed.
  const pathDirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  if (TOOLS.some((tool) => pathDirs.some((dir) => path === join(dir, tool)))) return true;
  // The directories on PATH themselves, and `/` (a `realpath` of any absolute path walks from it).
  return path === '/' || pathDirs.includes(path);
}

interface Hostile {
  root: string;
  sshdRoot: string;
  tar: string;
  bait: string;
  work: string;
  temp: string;
  repos: string[];
  allowed: string[];
}

let hostile: Hostile;
let hostRepo: TestRepo;

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

/** The example host plus every indirection out of it. */
async function buildHostile(): Promise<Hostile> {
  const work = realpathSync(mkdtempSync(join(tmpdir(), `confinement-${process.pid}-`)));
  const temp = join(work, 'tmp');
  mkdirSync(temp);
  // Bait outside the root, in a directory no allowance covers.
  const bait = realpathSync(mkdtempSync(join(tmpdir(), `confinement-bait-${process.pid}-`)));
  hostRepo = makeRepo(`confinement-host-repo-${process.pid}-`);
  hostRepo.write('host-only/secret.env', 'HOST_ONLY=1\n');
  hostRepo.commit('host history');
  writeFileSync(join(bait, 'bait.gitconfig'), '[core]\n\tpager = cat\n');
  writeFileSync(join(bait, 'bait.nft'), 'table inet bait {}\n');
  writeFileSync(join(bait, 'bait.conf'), '[Service]\nUser=root\n');

  const root = realpathSync(await materialiseExample('published-guide'));
  const home = join(root, 'home/stacks');
  const repos: string[] = [];
  const cleanRepo = (dir: string) => {
    mkdirSync(dir, { recursive: true });
    runGit(dir, ['init', '-q', '-b', 'main']);
    writeFileSync(join(dir, 'README.md'), 'ops\n');
    runGit(dir, ['add', '-A']);
    runGit(dir, ['commit', '-q', '-m', 'readme']);
    repos.push(dir);
  };
  // git: objects borrowed from the host (alternates), a commondir on the host, objects/ a symlink to the host.
  runGit(home, ['clone', '-q', '--shared', hostRepo.dir, 'alternates']);
  repos.push(join(home, 'alternates'));
  cleanRepo(join(home, 'commondir'));
  writeFileSync(join(home, 'commondir/.git/commondir'), `${join(hostRepo.dir, '.git')}\n`);
  runGit(home, ['clone', '-q', '--no-local', hostRepo.dir, 'objects-link']);
  repos.push(join(home, 'objects-link'));
  rmSync(join(home, 'objects-link/.git/objects'), { recursive: true });
  symlinkSync(join(hostRepo.dir, '.git/objects'), join(home, 'objects-link/.git/objects'));
  // git: config includes of host files (/etc/shadow, the bait) and of a FIFO; includeIf too.
  cleanRepo(join(home, 'includes'));
  mkfifo(join(home, 'includes/.git/fifo.inc'));
  appendFileSync(
    join(home, 'includes/.git/config'),
    `[include]\n\tpath = /etc/shadow\n\tpath = ${join(bait, 'bait.gitconfig')}\n\tpath = fifo.inc\n` +
      '[includeIf "gitdir:/"]\n\tpath = /etc/shadow\n',
  );
  // git: FIFOs as HEAD and config.
  cleanRepo(join(home, 'fifo-head'));
  rmSync(join(home, 'fifo-head/.git/HEAD'));
  mkfifo(join(home, 'fifo-head/.git/HEAD'));
  cleanRepo(join(home, 'fifo-config'));
  rmSync(join(home, 'fifo-config/.git/config'));
  mkfifo(join(home, 'fifo-config/.git/config'));

  // nft: includes that climb out of the root, and a glob of the host's /etc.
  appendFileSync(
    join(root, 'etc/nftables.conf'),
    `\ninclude "../../../../../../../../${bait.slice(1)}/bait.nft"\ninclude "../../../../etc/x"\ninclude "/etc/*"\n`,
  );
  // sshd: an Include of the host's shadow file (inside the root it is the target's).
  const sshd = join(root, 'etc/ssh/sshd_config');
  writeFileSync(sshd, `Include /etc/shadow\n${readFileSync(sshd, 'utf8')}`);
  // systemd: drop-ins that are symlinks out of the root.
  for (const unit of ['stacks-signer.service', 'stacks-node.service']) {
    const dropIns = join(root, 'etc/systemd/system', `${unit}.d`);
    mkdirSync(dropIns, { recursive: true });
    symlinkSync(join(bait, 'bait.conf'), join(dropIns, 'zz-escape.conf'));
    symlinkSync('../../../../../../../../etc/shadow', join(dropIns, 'zz-shadow.conf'));
  }

  // A second root where sshd itself runs (the first one's `Include /etc/shadow` stops harden before sshd does, and an
  // Include climbing out by `..` is refused before sshd runs): a drop-in is an absolute symlink to a host path.
  const sshdRoot = realpathSync(await materialiseExample('published-guide'));
  const sshdConfig = join(sshdRoot, 'etc/ssh/sshd_config');
  writeFileSync(join(bait, 'bait.sshd'), '# bait\n');
  // The same path inside the root holds a valid file, so the target's config parses and sshd is run on it: git, nft or
  // sshd reading the host's copy instead is exactly the escape looked for.
  mkdirSync(join(sshdRoot, bait), { recursive: true });
  writeFileSync(join(sshdRoot, bait, 'bait.sshd'), '# bait\n');
  mkdirSync(join(sshdRoot, 'etc/ssh/sshd_config.d'), { recursive: true });
  symlinkSync(join(bait, 'bait.sshd'), join(sshdRoot, 'etc/ssh/sshd_config.d/zz-escape.conf'));
  writeFileSync(sshdConfig, `Include /etc/ssh/sshd_config.d/*.conf\n${readFileSync(sshdConfig, 'utf8')}`);
  // nft runs here too: an include climbing out by `..` stops at the root (as nft --root would have it) and names the
  // bait's in-root twin, so the validation copy holds that file and nft reads nothing of the host.
  writeFileSync(join(sshdRoot, bait, 'bait.nft'), 'table inet bait {}\n');
  appendFileSync(
    join(sshdRoot, 'etc/nftables.conf'),
    `\ninclude "../../../../../../../../${bait.slice(1)}/bait.nft"\n`,
  );

  const tar = join(work, 'host.tar');
  execFileSync('tar', ['-C', root, '-cf', tar, '.']);
  return {
    root,
    sshdRoot,
    tar,
    bait,
    work,
    temp,
    repos,
    allowed: [root, tar, REPO_ROOT, temp, process.execPath, dirname(realpathSync(process.execPath))],
  };
}

interface Leak {
  command: string;
  syscall: string;
  path: string;
}

function leaksOf(command: string, run: Traced, extraAllowed: readonly string[] = []): Leak[] {
  const allowed = [...hostile.allowed, ...extraAllowed];
  const seen = new Set<string>();
  const leaks: Leak[] = [];
  for (const access of run.accesses) {
    if (allowedOutside(access, allowed)) continue;
    const key = `${access.exe}: ${access.syscall} ${access.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    leaks.push({ command, syscall: `${access.exe}: ${access.syscall}`, path: access.path });
  }
  return leaks;
}

/** Leaks not covered by a pending entry fail; pending entries that did not leak are printed for the lead. */
function assertConfined(command: string, leaks: readonly Leak[]): void {
  assert.deepEqual(
    leaks.map((leak) => `${leak.syscall} ${leak.path}`),
    [],
    `${command} touched paths outside the target`,
  );
}

before(async () => {
  hostile = await buildHostile();
});
after(() => {
  if (hostile === undefined) return;
  rmSync(hostile.root, { recursive: true, force: true });
  rmSync(hostile.sshdRoot, { recursive: true, force: true });
  rmSync(hostile.work, { recursive: true, force: true });
  rmSync(hostile.bait, { recursive: true, force: true });
  hostRepo.cleanup();
});

describe('confinement under strace: nothing outside the target is opened, stat-ed or run', {
  timeout: STRACE_TIMEOUT_MS * 6,
}, () => {
  test('the trace parser sees a relative open after chdir, an *at open and a failed stat', () => {
    const trace = [
      '100 chdir("/work/x") = 0',
      '100 openat(AT_FDCWD, "a/b", O_RDONLY) = 3</work/x/a/b>',
      '100 clone3({flags=CLONE_VM, exit_signal=SIGCHLD} <unfinished ...>',
      '101 openat(4</etc>, "shadow", O_RDONLY) = -1 EACCES (Permission denied)',
      '100 <... clone3 resumed> => {parent_tid=[101]}, 88) = 101',
      '101 newfstatat(AT_FDCWD, "rel", 0x7ff, 0) = -1 ENOENT (No such file or directory)',
      '101 execve("/usr/bin/git", ["git", "/etc/passwd"], 0x1 /* 3 vars */) = 0',
    ].join('\n');
    assert.deepEqual(
      parseTrace(trace, '/start').map(({ syscall, path, exe }) => `${exe}: ${syscall} ${path}`),
      [
        'node: openat /work/x/a/b',
        'node: openat /etc/shadow',
        'node: newfstatat /work/x/rel',
        'node: execve /usr/bin/git',
      ],
    );
  });

  test('audit --root DIR', () => {
    const run = traced(['audit', '--root', hostile.root, '--format', 'json'], hostile.work, hostile.temp);
    assert.ok(run.stdout.includes('"results"'), run.stderr.slice(0, 2000));
    assertConfined('audit-dir', leaksOf('audit-dir', run));
    assert.ok(executed(run).has('git'), 'git ran on the target');
    // git ran on the target's repositories, and what it could not read is an error, not a silent pass.
    const report = JSON.parse(run.stdout) as { results: { id: string; status: string; message: string }[] };
    const keyInGit = report.results.find((result) => result.id === 'keys/key-in-git');
    assert.ok(keyInGit, 'keys/key-in-git ran');
  });

  test('audit --root TAR', () => {
    const run = traced(['audit', '--root', hostile.tar, '--format', 'json'], hostile.work, hostile.temp);
    assert.ok(run.stdout.includes('"results"'), run.stderr.slice(0, 2000));
    assertConfined('audit-tar', leaksOf('audit-tar', run));
    assert.ok(executed(run).has('git'), 'git ran on the target');
  });

  test('harden plan --root DIR', () => {
    const run = traced(['harden', 'plan', '--root', hostile.root], hostile.work, hostile.temp);
    assert.notEqual(run.code, null, 'harden plan finished');
    assertConfined('harden-plan', leaksOf('harden-plan', run));
    console.log(`harden plan ran: ${[...executed(run)].sort().join(', ')}`);
    assert.ok(executed(run).has('systemd-analyze'), 'systemd-analyze ran on the target');
    // Its nft includes name files the root does not hold: an error before nft runs, never a read of the host's.
    assert.ok(!executed(run).has('nft'), 'nft was not run on includes that cannot be placed inside the root');
  });

  test('harden plan --root DIR, where sshd runs on a drop-in symlinked to the host and nft on a climbing include', () => {
    const run = traced(['harden', 'plan', '--root', hostile.sshdRoot], hostile.work, hostile.temp);
    assert.notEqual(run.code, null, 'harden plan finished');
    assertConfined('harden-plan-sshd', leaksOf('harden-plan-sshd', run, [hostile.sshdRoot]));
    for (const tool of ['sshd', 'nft']) assert.ok(executed(run).has(tool), `${tool} ran on the target`);
  });

  test('scan --history REPO, for each hostile repository', () => {
    const leaks: Leak[] = [];
    for (const repo of hostile.repos) {
      const run = traced(['scan', '--history', repo, '--format', 'json'], hostile.work, hostile.temp);
      assert.notEqual(run.code, null, `scan --history ${repo} finished`);
      // The repository is the target here: its directory is inside; the rest of the example root is not needed.
      appendAll(leaks, leaksOf('scan-history', run));
      assert.ok(executed(run).has('git') || run.code === 2, `git ran on ${repo}`);
    }
    assertConfined('scan-history', leaks);
  });
});

function appendAll<T>(into: T[], items: readonly T[]): void {
  for (const item of items) into.push(item);
}
