// The one view of a system that checks may use. Paths are absolute paths *inside* the target ("/etc/passwd"),
// whatever the target is: the live host, a directory holding another system's root, or a tar archive of one.

export type FileType = 'file' | 'dir' | 'symlink' | 'other';

export interface FileStat {
  type: FileType;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
}

export interface ProcessInfo {
  pid: number;
  uid: number;
  /** argv as the kernel holds it. */
  argv: string[];
  /** Target of /proc/<pid>/exe, with " (deleted)" when the file was replaced. */
  exe?: string;
  comm: string;
}

/** A TCP socket in LISTEN state, with the processes holding it. */
export interface ListeningSocket {
  /** Dotted IPv4 (also for a v4-mapped IPv6 bind) or IPv6 text. */
  address: string;
  port: number;
  family: 4 | 6;
  /** The socket's owner uid, as the kernel records it. */
  uid: number;
  inode: number;
  /** Where it was read ("/proc/net/tcp") and on which line. */
  file: string;
  line: number;
  /** Pids holding the socket; empty when no visible process does. */
  pids: number[];
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type TargetKind = 'live' | 'directory' | 'tar' | 'remote';

export interface RunOptions {
  timeoutMs?: number;
  /**
   * Run the program as nobody (65534), for programs we don't trust (`--version` of a binary under audit). That needs
   * root: when the audit is not root the program is not run and the call rejects with UnprivilegedRunRefusedError.
   */
  unprivileged?: boolean;
  /** Fed to the program's standard input, which is then closed (e.g. `nft -f -` reading a ruleset). */
  stdin?: string;
  /** Bytes of stdout (and of stderr) past which the program is killed and the call rejects; 8 MiB by default. */
  maxOutputBytes?: number;
}

export interface Target {
  readonly kind: TargetKind;
  /** Where the target came from: "/" or the directory / archive given to --root. */
  readonly source: string;
  /** Processes, sockets and commands describe this target only when it is the running host. */
  readonly live: boolean;
  /** Follows symlinks (inside the target). Undefined when the path does not exist. */
  stat(path: string): Promise<FileStat | undefined>;
  /** Does not follow a symlink in the last component. */
  lstat(path: string): Promise<FileStat | undefined>;
  /** The text of a symlink (not resolved). Throws TargetError; EINVAL-like cases (not a symlink) give undefined. */
  readlink(path: string): Promise<string | undefined>;
  /** The canonical path inside the target, symlinks resolved. Throws TargetError. */
  realpath(path: string): Promise<string>;
  readFile(path: string, options?: { maxBytes?: number }): Promise<Buffer>;
  readText(path: string, options?: { maxBytes?: number }): Promise<string>;
  /** Lower-case hex SHA-256 of a file's content (symlinks followed inside the target), read in bounded chunks. */
  sha256(path: string, options?: { maxBytes?: number }): Promise<string>;
  /** Entry names, sorted. */
  readDir(path: string): Promise<string[]>;
  /** Entry names with their own type (a symlink is 'symlink', not followed), sorted: one call for a tree walk. */
  readDirEntries(path: string): Promise<{ name: string; type: FileType }[]>;
  /** Running processes. Throws NotEvaluableError on an offline target. */
  processes(): Promise<ProcessInfo[]>;
  /**
   * SHA-256 of the executable a live process is running (the kernel's /proc/<pid>/exe, which still reads the
   * original file after it was replaced or deleted on disk). Throws NotEvaluableError on an offline target.
   */
  processExecutableSha256(pid: number, options?: { maxBytes?: number }): Promise<string>;
  /** Listening TCP sockets with their holders. Throws NotEvaluableError on an offline target. */
  listeningSockets(): Promise<ListeningSocket[]>;
  /** Runs a program of the live host, never through a shell. Throws NotEvaluableError on an offline target. */
  run(command: string, args: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /**
   * Where reading every file to look for a few exact strings would be slow (a remote host), the target searches where
   * the files are and names the files that may hold one (case-insensitive), with how many files it searched. The
   * needles never appear in an argument or the environment. Targets without it are walked file by file.
   */
  findFilesContaining?(
    roots: readonly string[],
    needles: readonly string[],
    limits: { maxDepth: number; maxFileBytes: number; includeGitDir: boolean },
  ): Promise<{ files: string[]; searched: number }>;
  /**
   * Where a repository's history cannot be read here without copying it out (a remote host), the target searches
   * the history of `gitDir` where it is for a few exact strings (case-insensitive) and returns every patch line that
   * holds one, with its commit. The needles never appear in an argument or the environment. Rejects with the reason
   * when the history could not be searched through (no git there, a failed or stopped walk): never a partial answer.
   */
  searchGitHistory?(gitDir: string, needles: readonly string[]): Promise<GitHistoryMatches>;
}

export interface GitHistoryMatch {
  commit: string;
  /** Author date, ISO 8601. */
  date: string;
  author: string;
  /** Path in the repository (git's quoting kept for unusual names). */
  file: string;
  /** Line in that commit's version of the file. */
  line: number;
  /** The patch line added it (else it was context or a removal: the key was already in the history). */
  added: boolean;
}

export interface GitHistoryMatches {
  matches: GitHistoryMatch[];
  /** Commits whose patches were read. */
  commits: number;
}
