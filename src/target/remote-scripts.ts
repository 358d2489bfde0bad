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
