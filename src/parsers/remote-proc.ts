// Pure parsers for what a remote host's /proc gives over SSH (see src/target/remote-scripts.ts), shaped exactly as
// the live target's own /proc readers shape them, so a check sees the same processes either way.
// Shapes match src/target/types.ts (FileStat, ProcessInfo); parsers import only parsers.
type FileType = 'file' | 'dir' | 'symlink' | 'other';

interface FileStat {
  type: FileType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
}

export interface RemoteProcess {
  pid: number;
  uid: number;
  argv: string[];
  comm: string;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** The file type in a raw st_mode (a switch, not an object keyed by octal literals, which a formatter rewrote wrongly). */
function typeOfMode(mode: number): FileType {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return 'file';
    case S_IFDIR:
      return 'dir';
    case S_IFLNK:
      return 'symlink';
    default:
      return 'other';
  }
}

export interface StatRecord extends FileStat {
  /** The in-target path (the root prefix removed). */
  path: string;
  linkTarget?: string;
}

export interface StatOutput {
  records: StatRecord[];
  /** Directories whose entries could not be listed (no read or search permission). */
  unlistable: string[];
}

/** `stat --printf 'S\0%n\0%f\0%u\0%g\0%s\0%N\0'` records and `U\0dir\0` markers; `prefix` is the root's host path. */
export function parseStatOutput(output: Buffer, prefix: string): StatOutput {
  const fields = output.toString('utf8').split('\0');
  const records: StatRecord[] = [];
  const unlistable: string[] = [];
  let i = 0;
  while (i < fields.length) {
    const tag = fields[i];
    if (tag === 'U') {
      unlistable.push(fields[i + 1] ?? '');
      i += 2;
      continue;
    }
    if (tag !== 'S' || i + 6 >= fields.length) break;
    const [name = '', rawMode = '0', uid = '0', gid = '0', size = '0', quoted = ''] = fields.slice(i + 1, i + 7);
    i += 7;
    const mode = Number.parseInt(rawMode, 16);
    const type = typeOfMode(mode);
    let path = prefix && name.startsWith(prefix) ? name.slice(prefix.length) : name;
    if (path === '') path = '/';
    path = path.replace(/\/{2,}/g, '/');
    const record: StatRecord = {
      path,
      type,
      mode: mode & 0o7777,
      uid: Number(uid),
      gid: Number(gid),
      size: Number(size),
    };
    if (type === 'symlink' && quoted.startsWith(`${name} -> `)) record.linkTarget = quoted.slice(name.length + 4);
    records.push(record);
  }
  return { records, unlistable };
}

/**
 * `paste -s` of each process's status then cmdline: one line each (a file's own newlines became tabs). A status line
 * starts with "Name:" and carries "Pid:"; the line after it is that process's cmdline.
 */
export function parseProcessLines(output: Buffer): RemoteProcess[] {
  const lines = output.toString('utf8').split('\n');
  const processes: RemoteProcess[] = [];
  for (let i = 0; i < lines.length; i++) {
    const status = lines[i]!;
    if (!status.startsWith('Name:\t')) continue;
    const fields = status.split('\t');
    const value = (key: string) => {
      const at = fields.indexOf(`${key}:`);
      return at === -1 ? undefined : fields[at + 1];
    };
    const pid = Number(value('Pid'));
    if (!Number.isSafeInteger(pid)) continue;
    const uid = Number(value('Uid') ?? -1);
    const next = lines[i + 1];
    // A process that exited between its status and its cmdline leaves the next status right after.
    const cmdline = next !== undefined && !next.startsWith('Name:\t') ? next : '';
    if (cmdline === next) i++;
    const argv = cmdline.split('\0');
    if (argv.at(-1) === '') argv.pop();
    processes.push({ pid, uid: Number.isSafeInteger(uid) ? uid : -1, argv, comm: value('Name') ?? '' });
  }
  return processes.sort((a, b) => a.pid - b.pid);
}

export interface ProcLinks {
  exe: Map<number, string>;
  /** pid → socket inodes it holds, in fd order. */
  sockets: Map<number, number[]>;
}

/** `stat --printf '%n\0%N\0'` of /proc/<pid>/exe and /proc/<pid>/fd/<n>. */
export function parseProcLinks(output: Buffer): ProcLinks {
  const fields = output.toString('utf8').split('\0');
  const links: ProcLinks = { exe: new Map(), sockets: new Map() };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!;
    const quoted = fields[i + 1]!;
    if (!quoted.startsWith(`${name} -> `)) continue;
    const target = quoted.slice(name.length + 4);
    const exe = /^\/proc\/(\d+)\/exe$/.exec(name);
    if (exe) {
      links.exe.set(Number(exe[1]), target);
      continue;
    }
    const fd = /^\/proc\/(\d+)\/fd\/\d+$/.exec(name);
    const inode = /^socket:\[(\d+)\]$/.exec(target);
    if (fd && inode) {
      const pid = Number(fd[1]);
      // Appended in place: copying the list per socket was quadratic in a process's sockets (the long run's 2 MB of
      // 19,000 fd lines of one pid took 2 s, issue #18).
      const sockets = links.sockets.get(pid);
      if (sockets) sockets.push(Number(inode[1]));
      else links.sockets.set(pid, [Number(inode[1])]);
    }
  }
  return links;
}
