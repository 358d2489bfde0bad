// The POSIX sh scripts the remote side runs. They use only sh builtins, coreutils (stat, paste, sha256sum, timeout),
// tar, and find/grep for the key search; they write nothing on the host. Paths are in-target paths under `root`
// (the host's "/" in an audit). Every path and name is a single-quoted word: nothing is ever interpreted.
import { shellQuote } from './shell-quote.js';

const PRELUDE =
  'LC_ALL=C; export LC_ALL; QUOTING_STYLE=literal; export QUOTING_STYLE; PATH=/usr/sbin:/usr/bin:/sbin:/bin; export PATH';

/** "/" + path under root, as a host path ("" root prefix for "/"). */
function hostPath(root: string, path: string): string {
  const prefix = root === '/' ? '' : root.replace(/\/+$/, '');
  return path === '/' ? prefix || '/' : `${prefix}${path}`;
}

/** The root prefix sh strips from stat's %n. */
export function rootPrefix(root: string): string {
  return root === '/' ? '' : root.replace(/\/+$/, '');
}

/**
 * Metadata of `paths` and of every entry of `listDirs`, one `stat` for all: NUL-separated records
 * `S, %n, %f (raw mode, hex), %u, %g, %s, %N (with "-> target" for a symlink)`. A directory whose entries can't be
 * listed is `U, dir` instead, so its emptiness is never mistaken for a listing.
 */
export function statScript(root: string, paths: readonly string[], listDirs: readonly string[]): string {
  const lines = [PRELUDE, 'set --'];
  for (const path of paths)
    lines.push(`p=${shellQuote(hostPath(root, path))}; if [ -e "$p" ] || [ -L "$p" ]; then set -- "$@" "$p"; fi`);
  for (const dir of listDirs) {
    const prefix = shellQuote(dir === '/' ? rootPrefix(root) : hostPath(root, dir));
    lines.push(
      `d=${prefix}; if [ -d "$d/" ] && [ -r "$d/" ] && [ -x "$d/" ]; then for e in "$d"/* "$d"/.[!.]* "$d"/..?*; do if [ -e "$e" ] || [ -L "$e" ]; then set -- "$@" "$e"; fi; done; else printf 'U\\0%s\\0' ${shellQuote(dir)}; fi`,
    );
  }
  lines.push(
    `if [ $# -gt 0 ]; then stat --printf 'S\\0%n\\0%f\\0%u\\0%g\\0%s\\0%N\\0' -- "$@" 2>/dev/null; fi`,
    'exit 0',
  );
  return lines.join('\n');
}

/**
 * Metadata of everything up to `depth` levels below each of `dirs` (one find, one stat per few thousand entries):
 * the same records as statScript. find's complaints about unreadable directories stay on stderr.
 */
export function treeStatScript(root: string, dirs: readonly string[], depth: number): string {
  const lines = [PRELUDE, 'set --'];
  for (const dir of dirs)
    lines.push(`d=${shellQuote(hostPath(root, dir))}; if [ -d "$d" ] && [ ! -L "$d" ]; then set -- "$@" "$d"; fi`);
  lines.push(
    `if [ $# -gt 0 ]; then find "$@" -mindepth 1 -maxdepth ${depth} -print0 | xargs -0 -r stat --printf 'S\\0%n\\0%f\\0%u\\0%g\\0%s\\0%N\\0' -- 2>/dev/null; fi`,
    'exit 0',
  );
  return lines.join('\n');
}

/**
 * A tar stream of `paths` (regular files; each alone) and of `trees` (recursively), relative to the root so the
 * names are the in-target paths. Missing trees are left out rather than reported.
 */
export function tarScript(root: string, paths: readonly string[], trees: readonly string[]): string {
  const relative = (path: string) => shellQuote(`.${path}`);
  const lines = [PRELUDE, `cd ${shellQuote(root === '/' ? '/' : rootPrefix(root))} || exit 3`, 'set --'];
  for (const tree of trees) lines.push(`if [ -e ${relative(tree)} ]; then set -- "$@" ${relative(tree)}; fi`);
  const files = paths.map(relative).join(' ');
  lines.push(`exec tar -cf - --ignore-failed-read "$@" ${files ? `--no-recursion -- ${files}` : ''}`.trimEnd());
  return lines.join('\n');
}

/** Each process's status and cmdline as consecutive lines (paste joins a file's lines with tabs: NULs kept). */
export const PROCESSES_SCRIPT = [
  PRELUDE,
  'set --',
  'for d in /proc/[0-9]*; do set -- "$@" "$d/status" "$d/cmdline"; done',
  'paste -s -d "\\t" -- "$@" 2>/dev/null',
  'exit 0',
].join('\n');

/** Every process's exe and fd links, `%n NUL %N NUL` ("name -> target"): the executables and socket holders. */
export const LINKS_SCRIPT = [
  PRELUDE,
  'stat --printf "%n\\0%N\\0" -- /proc/[0-9]*/exe /proc/[0-9]*/fd/* 2>/dev/null',
  'exit 0',
].join('\n');

/** The kernel's TCP tables, IPv4 then IPv6, split by a line no table holds. */
export const NET_TCP_MARK = '--signer-opsec-tcp6--';
export const NET_TCP_SCRIPT = [
  PRELUDE,
  'cat /proc/net/tcp 2>/dev/null',
  `printf '%s\\n' ${shellQuote(NET_TCP_MARK)}`,
  'cat /proc/net/tcp6 2>/dev/null',
  'exit 0',
].join('\n');

/** Exit statuses the run script uses for what runCommand rejects locally. */
export const NOT_INSTALLED_EXIT = 127;
export const NOT_ROOT_EXIT = 126;
export const TIMED_OUT_EXIT = 137;
export const NOT_INSTALLED_MARK = 'signer-opsec: not installed';
export const NOT_ROOT_MARK = 'signer-opsec: not root';

/**
 * Runs one program as runCommand does locally: no shell between it and its arguments, C locale, a fixed PATH,
 * a timeout; `unprivileged` drops to nobody with setpriv, which needs root (else the program is not run).
 */
export function runScript(
  command: string,
  args: readonly string[],
  options: { timeoutMs: number; unprivileged?: boolean },
): string {
  const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
  const words = [command, ...args].map(shellQuote).join(' ');
  const lines = [
    PRELUDE,
    'cd /',
    `if ! command -v ${shellQuote(command)} >/dev/null 2>&1; then printf '%s\\n' ${shellQuote(NOT_INSTALLED_MARK)} >&2; exit ${NOT_INSTALLED_EXIT}; fi`,
  ];
  if (options.unprivileged) {
    lines.push(
      `if [ "$(id -u)" != 0 ]; then printf '%s\\n' ${shellQuote(NOT_ROOT_MARK)} >&2; exit ${NOT_ROOT_EXIT}; fi`,
      `exec timeout -s KILL ${seconds} setpriv --reuid=65534 --regid=65534 --clear-groups -- ${words}`,
    );
  } else lines.push(`exec timeout -s KILL ${seconds} ${words}`);
  return lines.join('\n');
}

/** SHA-256 of one file (a binary under audit, or /proc/<pid>/exe): only the digest crosses the connection. */
export function sha256Script(hostFile: string): string {
  return [PRELUDE, `exec sha256sum -- ${shellQuote(hostFile)}`].join('\n');
}

export function hostPathIn(root: string, path: string): string {
  return hostPath(root, path);
}

/**
 * Files under `roots` that hold one of the needles, which arrive on standard input (never in an argument or the
 * environment): find lists the regular files a tree walk would read (depth, size, no .git, no symlinks below a
 * root) and xargs hands them to grep -F in batches. Each batch reads its own copy of the needles, exactly
 * `needleBytes` of them, from a pipe a builtin printf loop keeps filled. Output: NUL-terminated tokens, the matching
 * paths and one `#<files in the batch>` per batch.
 */
export function searchScript(
  root: string,
  roots: readonly string[],
  limits: { maxDepth: number; maxFileBytes: number; includeGitDir: boolean },
  needleBytes: number,
): string {
  const prune = limits.includeGitDir ? '' : '\\( -type d -name .git -prune \\) -o ';
  const rootWords = roots.map((path) => shellQuote(hostPath(root, path))).join(' ');
  const batch = `printf '#%d\\0' "$#"; head -c ${needleBytes} <&3 | grep -l -a -i -F -Z -f - -- "$@" 2>/dev/null; exit 0`;
  return [
    PRELUDE,
    'needles=$(cat)',
    `while printf '%s\\n' "$needles"; do :; done 2>/dev/null | {`,
    `  find -H ${rootWords} -maxdepth ${limits.maxDepth + 1} ${prune}\\( -type f -size -${limits.maxFileBytes + 1}c -print0 \\) 2>/dev/null </dev/null | xargs -0 -r sh -c ${shellQuote(batch)} sh`,
    '} 3<&0',
    'exit 0',
  ].join('\n');
}

/** Exit statuses and marks of the remote history search (gitHistorySearchScript). */
export const GIT_MISSING_MARK = 'signer-opsec: git is not installed on the host';
export const GIT_ALTERNATES_MARK =
  'signer-opsec: the repository borrows objects from another (objects/info/alternates)';
export const GIT_NOT_A_DIRECTORY_MARK = 'signer-opsec: not a directory';
/** Config given on git's command line, which outranks the repository's own (as src/secrets/git/run-git.ts does). */
const REMOTE_GIT_CONFIG = [
  'safe.directory=*',
  'protocol.allow=never',
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.pager=cat',
  'core.quotePath=false',
  'log.showSignature=false',
  'log.showRoot=true',
  'diff.noprefix=false',
  'diff.mnemonicPrefix=false',
  'diff.relative=false',
  'gc.auto=0',
  'maintenance.auto=false',
];
/**
 * Marks of the history stream. git's --format writes the commit line; a patch's own lines always start with ' ', '+',
 * '-', '\\', '@@ ' or 'diff ', so a line starting with one of these marks is always ours.
 */
export const GIT_COMMIT_MARK = '@@signer-opsec-commit';
export const GIT_EXIT_MARK = '@@signer-opsec-exit';
export const GIT_HIT_MARK = '@@signer-opsec-hit';
export const GIT_GREP_MARK = '@@signer-opsec-grep';
/**
 * Keeps, with their stream line numbers, only what can never hold a secret: our commit and exit lines, `diff --`
 * headers (the path), hunk headers cut after their closing `@@` (git puts a line of the file after it) and the
 * marks of removed lines.
 */
const STRUCTURE_SED = [
  `/^[0-9]*:${GIT_COMMIT_MARK} /p`,
  `/^[0-9]*:${GIT_EXIT_MARK} /p`,
  '/^[0-9]*:diff --/p',
  's/^\\([0-9]*:@@@* [-+0-9, ]*@@@*\\).*$/\\1/p',
  // A removed line's marks only (its first two characters), so a hit's line in the file can be counted exactly.
  's/^\\([0-9]*:[-+ ]\\{0,1\\}-\\).*$/\\1/p',
];
/**
 * Searches a repository's whole history on the host for needles that arrive on standard input (never in an argument
 * or the environment): every commit reachable from a ref, plus every stash entry (older ones too), patch by patch
 * (merges as combined diffs, files git deems binary as text), with grep, sed and tee. git runs confined: no system or global
 * config, no lazy fetch, no replace objects, nothing the repository's config could make it run, and killed after
 * `timeoutSeconds`. A repository that borrows objects through alternates is refused: they may lie anywhere.
 */
export function gitHistorySearchScript(hostGitDir: string, timeoutSeconds: number): string {
  const config = REMOTE_GIT_CONFIG.map((setting) => `-c ${shellQuote(setting)}`).join(' ');
  const env = [
    'GIT_CONFIG_NOSYSTEM=1',
    'GIT_CONFIG_GLOBAL=/dev/null',
    'GIT_ATTR_NOSYSTEM=1',
    'GIT_TERMINAL_PROMPT=0',
    'GIT_NO_LAZY_FETCH=1',
    'GIT_NO_REPLACE_OBJECTS=1',
    'GIT_OPTIONAL_LOCKS=0',
    'HOME=/nonexistent',
  ].join(' ');
  const format = shellQuote(`--format=${GIT_COMMIT_MARK} %H %aI %an`);
  const structure = STRUCTURE_SED.map((expression) => `-e ${shellQuote(expression)}`).join(' ');
  return [
    PRELUDE,
    // The needles stay on fd 3 for the one grep that reads them; nothing else reads them.
    'exec 3<&0 </dev/null',
    `if ! command -v git >/dev/null 2>&1; then printf '%s\\n' ${shellQuote(GIT_MISSING_MARK)} >&2; exit ${NOT_INSTALLED_EXIT}; fi`,
    `d=${shellQuote(hostGitDir)}`,
    `if [ ! -d "$d" ]; then printf '%s\\n' ${shellQuote(GIT_NOT_A_DIRECTORY_MARK)} >&2; exit 3; fi`,
    `if [ -s "$d/objects/info/alternates" ]; then printf '%s\\n' ${shellQuote(GIT_ALTERNATES_MARK)} >&2; exit 4; fi`,
    `g() { env -i PATH="$PATH" LC_ALL=C ${env} timeout -s KILL ${timeoutSeconds} git --git-dir="$d" ${config} --no-pager "$@"; }`,
    // One patch stream, read twice through tee: the needle grep sends only the line numbers (and first character) of
    // the lines holding a needle, on stderr; the structure (commits, paths, hunk starts) goes to stdout. Neither
    // carries a line of the files.
    // Through cat: fd 3 is then a pipe, which /dev/fd/3 can open again (a socket, as some sshd give, cannot).
    'cat <&3 | { exec 3<&0 </dev/null; { {',
    `  g log -g --format=%H refs/stash -- 2>/dev/null | g log --stdin --all --no-color --no-ext-diff --no-textconv --no-renames --text --cc -p ${format} --`,
    `  printf '%s %s\\n' ${shellQuote(GIT_EXIT_MARK)} "$?"`,
    `} | tee /dev/fd/5 | { grep -n -a -i -F -f /dev/fd/3; printf '%s %s\\n' ${shellQuote(GIT_GREP_MARK)} "$?" >&2; } | sed -n -e ${shellQuote(`s/^\\([0-9]*:.\\).*$/${GIT_HIT_MARK} \\1/p`)} >&2; } 5>&1 | grep -n -a -e '^@@' -e '^diff --' -e '^-' -e '^.-' | sed -n ${structure}; }`,
  ].join('\n');
}

/**
 * What the scripts above need beyond POSIX sh and utilities, each tried once when the connection opens: GNU coreutils
 * (stat --printf, head -c, base64 -w0, timeout, sha256sum), findutils (find -mindepth/-maxdepth/-print0, xargs -0 -r),
 * grep -F -Z, sed, tee and GNU tar (--ignore-failed-read). A host whose tools lack one (busybox, BSD) is not audited:
 * its files would look missing and controls would pass on nothing. Each probe exits 0 only when the tool works as
 * the scripts use it. test/target/remote-scripts.test.ts fails when a script uses a non-POSIX option no probe covers.
 * The shell compares the outputs itself (no grep after each tool): every program started here is started per audit.
 */
export const REMOTE_TOOL_PROBES: ReadonlyArray<readonly [name: string, probe: string]> = [
  ['stat --printf', "stat --printf '%n\\0%f\\0%u\\0%g\\0%s\\0%N\\0' -- /"],
  ['find -mindepth -maxdepth -print0', 'find / -mindepth 0 -maxdepth 0 -print0'],
  [
    'find -H -prune -size',
    'find -H / -maxdepth 0 \\( -type d -name .git -prune \\) -o \\( -type f -size -2c -print0 \\)',
  ],
  ['xargs -0 -r', "printf '/\\0' | xargs -0 -r true"],
  ['head -c', '[ "$(printf ab | head -c 1)" = a ]'],
  ['base64 -w0', '[ "$(printf ab | base64 -w0)" = YWI= ]'],
  [
    'grep -l -a -i -F -Z -f',
    `case "$(printf 'ROOT\\n' | grep -l -a -i -F -Z -f - -- /etc/passwd)" in /etc/passwd*) ;; *) false ;; esac`,
  ],
  ['grep -n -a -c -q', "printf 'a\\n' | grep -n -a -c -q -e a"],
  [
    'tar --ignore-failed-read --no-recursion',
    '[ -n "$(tar -cf - --ignore-failed-read --no-recursion -- / | head -c 512)" ]',
  ],
  ['timeout -s KILL', 'timeout -s KILL 10 true'],
  ['sha256sum', 'case "$(sha256sum /dev/null)" in e3b0c442*) ;; *) false ;; esac'],
  ['paste -s -d', `case "$(printf 'a\\nb\\n' | paste -s -d '\\t')" in *b) ;; *) false ;; esac`],
  ['tee', '[ "$(printf a | tee /dev/null)" = a ]'],
  ['sed -n -e', `[ "$(printf 'ab\\n' | sed -n -e 's/^\\(a\\).*$/\\1/p')" = a ]`],
];

/**
 * Prints the names of the probes that failed, one a line (nothing when the host has all it needs). Each probe runs in
 * the script's own shell (a brace group, not a subshell): no probe assigns or exits, and a fork each is saved.
 */
export const PROBE_SCRIPT = [
  PRELUDE,
  'cd /',
  ...REMOTE_TOOL_PROBES.map(
    ([name, probe]) => `if ! { ${probe}; } </dev/null >/dev/null 2>&1; then printf '%s\\n' ${shellQuote(name)}; fi`,
  ),
  'exit 0',
].join('\n');
