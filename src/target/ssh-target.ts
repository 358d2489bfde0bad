// A remote host seen over SSH, agentless: the same Target the checks already use, filled by a few batched round
// trips (stat, tar and /proc over one multiplexed connection) and held in memory only. Nothing is written on either
// side; secrets in the files read cross only the SSH channel.
import { parseListeningSockets } from '../parsers/proc-net-tcp.js';
import { type ProcLinks, parseProcessLines, parseProcLinks, parseStatOutput } from '../parsers/remote-proc.js';
import { NotEvaluableError, TargetError, type TargetErrorCode, UnprivilegedRunRefusedError } from './errors.js';
import {
  GIT_ALTERNATES_MARK,
  GIT_COMMIT_MARK,
  GIT_EXIT_MARK,
  GIT_GREP_MARK,
  GIT_HIT_MARK,
  GIT_MISSING_MARK,
  GIT_NOT_A_DIRECTORY_MARK,
  gitHistorySearchScript,
  hostPathIn,
  LINKS_SCRIPT,
  NET_TCP_MARK,
  NET_TCP_SCRIPT,
  NOT_INSTALLED_EXIT,
  NOT_INSTALLED_MARK,
  NOT_ROOT_EXIT,
  NOT_ROOT_MARK,
  PROBE_SCRIPT,
  PROCESSES_SCRIPT,
  rootPrefix,
  runScript,
  searchScript,
  sha256Script,
  statScript,
  TIMED_OUT_EXIT,
  tarScript,
  treeStatScript,
} from './remote-scripts.js';
import { DEFAULT_MAX_HASH_BYTES, type RawNode, RootedTarget } from './rooted.js';
import {
  type EarlyMaster,
  type RemoteResult,
  SshConnection,
  type SshConnectionOptions,
  SshUnreachableError,
  traceSsh,
} from './ssh-connection.js';
import { type ByteSource, indexTar } from './tar-reader.js';
import type {
  CommandResult,
  FileType,
  GitHistoryMatch,
  GitHistoryMatches,
  ListeningSocket,
  ProcessInfo,
  RunOptions,
  TargetKind,
} from './types.js';

/** Read whole at connect time: where units, configs, sshd, sudoers, firewalls and accounts live. */
const PREFETCH_TREES = ['/etc', '/usr/lib/systemd/system', '/lib/systemd/system'];
/**
 * Files outside those trees that every audit reads (the package database the updates control reads; init's status,
 * which the egress control reads): their content comes with the trees. Their metadata comes from the listings.
 */
export const PREFETCH_FILES = ['/var/lib/dpkg/status', '/proc/1/status'];
/** Metadata (and listings) most audits look at next, fetched in the same first round trip. */
const PREFETCH_STATS = [
  '/',
  '/usr',
  '/usr/lib',
  '/usr/lib/systemd',
  '/lib',
  '/var',
  '/var/lib',
  '/usr/local',
  '/usr/local/bin',
  '/home',
  '/root',
  '/opt',
  '/srv',
  '/tmp',
  '/var/tmp',
  '/var/log',
  '/var/backups',
  '/var/cache',
  '/usr/local/etc',
  '/bin',
  '/usr/bin',
  '/usr/sbin',
  '/usr/sbin/sshd',
  '/usr/local/lib',
  // Where systemd keeps units (the search path discovery walks, one directory after the other).
  '/run/systemd/system.control',
  '/usr/local/lib/systemd',
  '/usr/local/lib/systemd/system',
  '/run',
  '/run/systemd',
  '/run/systemd/system',
  '/run/systemd/system.attached',
  '/run/systemd/transient',
  '/run/systemd/generator',
  '/run/systemd/generator.early',
  '/run/systemd/generator.late',
  '/var/lib/docker',
  // Home directories of the standard system accounts (/etc/passwd), looked at for keys and repositories.
  '/var/spool',
  '/var/spool/news',
  '/var/spool/uucp',
  '/var/spool/lpd',
  '/var/mail',
  '/var/www',
  '/var/list',
  '/proc/1/status',
];
/** Directory trees listed (with every entry's metadata) in the first round trip, by depth. */
const PREFETCH_LISTINGS: ReadonlyArray<readonly [number, readonly string[]]> = [
  // The parents of the home directories of the standard accounts (/usr/games, /var/cache/man, /run/sshd...), which the
  // key search looks at one after another: each is there or not without a round trip. /proc: a process the audit
  // names (its own, by /proc/self) likewise.
  [
    1,
    [
      '/',
      '/usr',
      '/usr/local',
      '/var',
      '/var/cache',
      '/var/spool',
      '/run',
      '/usr/local/bin',
      '/tmp',
      '/var/tmp',
      '/proc',
    ],
  ],
  [3, ['/home', '/root', '/opt', '/srv', '/var/lib', '/usr/local/src', '/usr/games', '/var/mail', '/var/backups']],
];
/** A directory listed on demand brings the levels below it too: tree walks (repositories, compose files) need them next. */
const LISTING_DEPTH = 3;
/**
 * Commands the live audit always runs, with the timeout it gives them: started at connect time, their answers kept
 * for the run (a call with another timeout runs the command again, so a hung one fails as it would locally).
 */
export const PREFETCH_COMMANDS: ReadonlyArray<readonly [string, readonly string[], number]> = [
  ['nft', ['-j', 'list', 'ruleset'], 10_000],
  ['iptables-save', [], 10_000],
  ['ip6tables-save', [], 10_000],
  ['docker', ['ps', '--quiet', '--no-trunc'], 3000],
  // The effective sshd settings for the probe connection and for root (src/discovery/sshd.ts).
  ['sshd', ['-T', '-C', 'user=signer-opsec-probe,host=probe.invalid,addr=203.0.113.1'], 5000],
  ['sshd', ['-T', '-C', 'user=root,host=probe.invalid,addr=203.0.113.1'], 5000],
];
/** Follow-ups needed by one operation (one more path each time a symlink leads somewhere new). */
const MAX_FOLLOW_UPS = 64;
const DEFAULT_RUN_TIMEOUT_MS = 5000;
/** One repository's history search on the host: git is killed there after this long (the search is then an error). */
const GIT_HISTORY_TIMEOUT_S = 600;
/** Sibling directories listed along with one a walk asks for. */
const MAX_SIBLINGS = 512;

/** The path a `diff --git a/<path> b/<path>` (renames are off: the same path twice) or `diff --cc <path>` names. */
function fileOfDiffHeader(header: string): string {
  if (!header.startsWith('diff --git ')) return header.slice(header.indexOf(' ', 'diff --'.length) + 1);
  const paths = header.slice('diff --git '.length);
  const half = paths.slice(Math.floor(paths.length / 2) + 1);
  return half.startsWith('b/') ? half.slice(2) : half;
}

/**
 * The two streams of gitHistorySearchScript: stdout holds the structure (`N:` + a commit line, a `diff --` header, a
 * hunk header's ranges, the exit line), stderr one `hit N:<first character>` per line that holds a needle. Each hit is
 * placed in the commit, file and hunk that precede its line number; its file line counts the hunk's lines since its
 * start that are not removed ones.
 */
export function parseGitHistoryStreams(
  structure: string,
  stderr: string,
): { matches: GitHistoryMatch[]; commits: number; gitStatus?: number; grepStatus?: number } {
  const entries: { at: number; text: string }[] = [];
  for (const line of structure.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) entries.push({ at: Number(line.slice(0, colon)), text: line.slice(colon + 1) });
  }
  const hits: { at: number; prefix: string }[] = [];
  let grepStatus: number | undefined;
  for (const line of stderr.split('\n')) {
    if (line.startsWith(`${GIT_HIT_MARK} `)) {
      const [at = '', prefix = ''] = line.slice(GIT_HIT_MARK.length + 1).split(':');
      hits.push({ at: Number(at), prefix });
    } else if (line.startsWith(`${GIT_GREP_MARK} `)) grepStatus = Number(line.slice(GIT_GREP_MARK.length + 1));
  }
  hits.sort((a, b) => a.at - b.at);
  const matches: GitHistoryMatch[] = [];
  let commits = 0;
  let gitStatus: number | undefined;
  let commit = { commit: '', date: '', author: '' };
  let file = '';
  let hunk = { at: 0, start: 1, parents: 1 };
  /** Stream lines of the current hunk that are not in the commit's file (removed from a parent). */
  let removed: number[] = [];
  let next = 0;
  const placeHitsBefore = (at: number) => {
    for (; next < hits.length && hits[next]!.at < at; next++) {
      const hit = hits[next]!;
      const before = removed.filter((line) => line < hit.at).length;
      const line = hit.at > hunk.at && hunk.at > 0 ? hunk.start + (hit.at - hunk.at - 1 - before) : 1;
      matches.push({ ...commit, file, line, added: hit.prefix === '+' });
    }
  };
  for (const entry of entries) {
    placeHitsBefore(entry.at);
    if (entry.text.startsWith(`${GIT_COMMIT_MARK} `)) {
      const [hash = '', date = '', ...author] = entry.text.slice(GIT_COMMIT_MARK.length + 1).split(' ');
      commit = { commit: hash, date, author: author.join(' ') };
      commits++;
      file = '';
      hunk = { at: 0, start: 1, parents: 1 };
      removed = [];
    } else if (entry.text.startsWith(`${GIT_EXIT_MARK} `))
      gitStatus = Number(entry.text.slice(GIT_EXIT_MARK.length + 1));
    else if (entry.text.startsWith('diff --')) {
      hunk = { at: 0, start: 1, parents: 1 };
      removed = [];
      file = fileOfDiffHeader(entry.text);
    } else if (entry.text.startsWith('@@')) {
      const starts = [...entry.text.matchAll(/\+(\d+)/g)];
      const parents = (/^@+/.exec(entry.text)?.[0].length ?? 2) - 1;
      hunk = { at: entry.at, start: Number(starts[starts.length - 1]?.[1] ?? 1), parents };
      removed = [];
    } else if (hunk.at > 0 && entry.text.slice(0, hunk.parents).includes('-')) removed.push(entry.at);
  }
  placeHitsBefore(Number.POSITIVE_INFINITY);
  return {
    matches,
    commits,
    ...(gitStatus !== undefined ? { gitStatus } : {}),
    ...(grepStatus !== undefined ? { grepStatus } : {}),
  };
}

/** A tar answer held in memory (never written to disk on this side). */
function bufferSource(bytes: Buffer): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, offset + length),
  };
}

class Missing extends Error {
  constructor(
    readonly need: 'stat' | 'listing' | 'content',
    readonly path: string,
  ) {
    super(`${need} ${path} not fetched yet`);
  }
}

interface RemoteNode extends RawNode {
  data?: Buffer;
  contentError?: TargetErrorCode;
}

interface Batch {
  stats: Set<string>;
  listings: Set<string>;
  contents: Set<string>;
  done: Promise<void>;
}

export interface SshTargetOptions extends SshConnectionOptions {
  /** The directory on the host taken as the root (tests audit a tree; an audit uses "/"). */
  remoteRoot?: string;
  /** One remote command or fetch, in ms. */
  commandTimeoutMs?: number;
  /** How the report names the target (default ssh://user@host:port). */
  label?: string;
  /** Aborting ends the connection (and fails the open if it has not finished). */
  signal?: AbortSignal;
}

function parentOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
}

function isUnder(path: string, tree: string): boolean {
  return path === tree || path.startsWith(tree === '/' ? '/' : `${tree}/`);
}

/** Every prefix of an absolute path, shortest first ("/a/b" → "/", "/a", "/a/b"); ".." and "." are left to resolve. */
function prefixes(path: string): string[] {
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  const result = ['/'];
  let current = '';
  for (const part of parts) {
    if (part === '..') break;
    current += `/${part}`;
    result.push(current);
  }
  return result;
}

export class SshTarget extends RootedTarget {
  readonly kind: TargetKind = 'remote';
  readonly source: string;
  override readonly live = true;
  /** Round trips made (for the benchmark and the report's timing). */
  roundTrips = 0;
  private readonly root: string;
  private readonly commandTimeoutMs: number;
  private readonly nodes = new Map<string, RemoteNode>();
  private readonly children = new Map<string, Set<string>>();
  private readonly known = new Set<string>();
  private readonly listed = new Set<string>();
  private readonly unlistable = new Set<string>();
  private readonly fullTrees: string[] = [];
  /** Paths inside a full tree that tar could not read: their metadata is fetched on its own. */
  private readonly treeExceptions: string[] = [];
  private readonly commandAnswers = new Map<string, Promise<CommandResult>>();
  private batch: Batch | undefined;
  private liveFacts: Promise<{ processes: Buffer; links: Buffer; net: Buffer }> | undefined;

  private constructor(
    private readonly connection: SshConnection,
    options: SshTargetOptions,
  ) {
    super();
    this.root = options.remoteRoot ?? '/';
    this.commandTimeoutMs = options.commandTimeoutMs ?? 30_000;
    this.source =
      options.label ??
      `ssh://${options.destination.user ? `${options.destination.user}@` : ''}${options.destination.host}${options.destination.port ? `:${options.destination.port}` : ''}`;
  }

  /**
   * Connects (throws SshUnreachableError with the reason) and reads what every audit needs in one round of requests.
   * `early`: the master already started for these options (see SshConnection).
   */
  static async open(options: SshTargetOptions, early?: EarlyMaster): Promise<SshTarget> {
    const connection = new SshConnection(options, early);
    options.signal?.addEventListener('abort', () => connection.close(), { once: true });
    try {
      const connected = connection.start();
      // The first requests leave with the login: they wait in the connection until the host has answered.
      const target = new SshTarget(connection, options);
      const prefetched = target.prefetch();
      prefetched.catch(() => {});
      // A connection that fails says why (the requests waiting on it fail with the same reason).
      await connected;
      await prefetched;
      return target;
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  close(): void {
    this.connection.close();
  }

  private exec(
    script: string,
    options: { stdin?: Buffer | string; timeoutMs?: number; long?: boolean; lane?: number } = {},
  ): Promise<RemoteResult> {
    this.roundTrips++;
    const started = performance.now();
    const answer = this.connection.exec(script, { timeoutMs: this.commandTimeoutMs, ...options });
    if (process.env.SIGNER_OPSEC_TRACE_SSH)
      answer.then(
        (result) =>
          process.stderr.write(
            `ssh @${Math.round(started)} ${Math.round(performance.now() - started)} ms ${result.stdout.length} B: ${script.split('\n').slice(1, 3).join(' | ').slice(0, 120)}\n`,
          ),
        // The caller has the failure; the trace is no second owner of it (an unhandled rejection ends the process).
        () => {},
      );
    return answer;
  }

  /**
   * The first round: every request leaves before the host has answered, spread over the shells (lanes) so that they
   * run side by side on the host, each lane about as long as the others (the tar and the tool probe are the longest).
   */
  private async prefetch(): Promise<void> {
    // Indexed as soon as it arrives, while the other shells still run (it is the first answer of its lane); a stream
    // that is no tar is reported after the tool probe, which says why better.
    const tarAnswer = this.exec(tarScript(this.root, PREFETCH_FILES, PREFETCH_TREES), { lane: 0 }).then((tar) => {
      try {
        return { tar, index: indexTar(bufferSource(tar.stdout)) };
      } catch (error) {
        return { tar, error };
      }
    });
    // What open() waits for leaves first on each shell (the tar, the tool probe, the metadata); the /proc facts and the
    // commands follow, and are awaited only by what reads them, while the audit already runs.
    const probeAnswer = this.exec(PROBE_SCRIPT, { lane: 1 });
    const metadata = Promise.all([
      this.fetchStats(PREFETCH_STATS, 2),
      ...PREFETCH_LISTINGS.map(([depth, dirs]) => this.fetchTrees(dirs, depth, 0)),
    ]);
    this.liveFacts = Promise.all([
      this.exec(PROCESSES_SCRIPT, { lane: 1 }),
      this.exec(LINKS_SCRIPT, { lane: 0 }),
      this.exec(NET_TCP_SCRIPT, { lane: 1 }),
    ]).then(([processes, links, net]) => ({ processes: processes.stdout, links: links.stdout, net: net.stdout }));
    this.liveFacts.catch(() => {});
    for (const [command, args, timeoutMs] of PREFETCH_COMMANDS)
      this.cachedRun(command, args, timeoutMs, 2).catch(() => {});
    const [tar, probe] = await Promise.all([tarAnswer, probeAnswer, metadata]);
    // Fail closed: with a tool that lacks an option the scripts use, files would look missing and controls pass.
    const missing = probe.stdout
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '');
    if (missing.length > 0 || probe.code !== 0)
      throw new SshUnreachableError(
        this.connection.host,
        `the host's tools lack what the agentless audit needs (GNU coreutils, findutils, grep, sed and tar): ${missing.join(', ') || `probe exit ${probe.code}`}`,
      );
    if (!tar.index) throw tar.error;
    this.addTar(tar.tar, PREFETCH_FILES, PREFETCH_TREES, tar.index);
    traceSsh('prefetch done');
  }

  // ---- the in-memory tree ------------------------------------------------------------------------------------------

  private covered(path: string): boolean {
    if (this.known.has(path)) return true;
    // A directory listed whole names every entry it has: a name it lacks is not there (no round trip to learn it).
    if (path !== '/' && this.listed.has(parentOf(path))) return true;
    return (
      this.fullTrees.some((tree) => isUnder(path, tree)) && !this.treeExceptions.some((except) => isUnder(path, except))
    );
  }

  private setNode(path: string, node: RemoteNode): void {
    const previous = this.nodes.get(path);
    // Metadata from stat and content from tar describe the same file: keep what each brought.
    this.nodes.set(path, previous?.data && !node.data ? { ...node, data: previous.data } : node);
    if (path !== '/') {
      const parent = parentOf(path);
      const names = this.children.get(parent) ?? new Set<string>();
      names.add(path.slice(parent === '/' ? 1 : parent.length + 1));
      this.children.set(parent, names);
    }
  }

  private addRecords(records: ReturnType<typeof parseStatOutput>['records']): void {
    for (const record of records) {
      const { path, linkTarget, ...stat } = record;
      this.setNode(path, { ...stat, ...(linkTarget !== undefined ? { linkTarget } : {}) });
      this.known.add(path);
    }
  }

  private async fetchStats(paths: readonly string[], lane?: number): Promise<void> {
    const result = await this.exec(statScript(this.root, paths, []), lane === undefined ? {} : { lane });
    const { records } = parseStatOutput(result.stdout, rootPrefix(this.root));
    for (const path of paths) this.known.add(path);
    this.addRecords(records);
  }

  /** Lists `dirs` and the levels below them, down to `depth` (the deepest level is stat'ed, not listed). */
  private async fetchTrees(dirs: readonly string[], depth: number, lane?: number): Promise<void> {
    const result = await this.exec(treeStatScript(this.root, dirs, depth), lane === undefined ? {} : { lane });
    const { records } = parseStatOutput(result.stdout, rootPrefix(this.root));
    this.addRecords(records);
    const prefix = rootPrefix(this.root);
    const unlistable = new Set(
      [...result.stderr.matchAll(/^find: '(.*)': Permission denied$/gm)].map((match) => {
        const path = match[1]!.startsWith(prefix) ? match[1]!.slice(prefix.length) : match[1]!;
        return path === '' ? '/' : path;
      }),
    );
    const levelsBelow = (path: string, dir: string) =>
      dir === '/' ? path.split('/').length - 1 : path.slice(dir.length).split('/').length - 1;
    for (const dir of dirs) {
      const node = this.nodes.get(dir);
      if (!this.known.has(dir) || node?.type === 'dir') {
        this.listed.add(dir);
        if (!this.children.has(dir)) this.children.set(dir, new Set());
      }
      for (const record of records) {
        if (record.type === 'dir' && isUnder(record.path, dir) && levelsBelow(record.path, dir) < depth) {
          this.listed.add(record.path);
          if (!this.children.has(record.path)) this.children.set(record.path, new Set());
        }
      }
    }
    for (const path of unlistable) {
      this.listed.delete(path);
      this.unlistable.add(path);
    }
  }

  /** Adds a tar answer: `files` fetched one by one (content only), `trees` recursively (content and listings). */
  private addTar(
    result: RemoteResult,
    files: readonly string[],
    trees: readonly string[],
    index = indexTar(bufferSource(result.stdout)),
  ): void {
    const unreadable = new Set<string>();
    for (const match of result.stderr.matchAll(
      /^tar: \.?(\/[^\n]*?): (?:Warning: )?Cannot (?:open|read|stat|readlink|savedir)/gm,
    )) {
      unreadable.add(match[1]!);
    }
    for (const tree of trees) {
      if (!index.nodes.has(tree) || tree === '/') continue;
      this.fullTrees.push(tree);
      for (const [path, node] of index.nodes) {
        if (!isUnder(path, tree)) continue;
        const { dataOffset, ...stat } = node;
        const data =
          node.type === 'file' && dataOffset !== undefined
            ? result.stdout.subarray(dataOffset, dataOffset + node.size)
            : undefined;
        this.setNode(path, { ...stat, ...(data ? { data } : {}) });
      }
    }
    for (const path of unreadable) {
      this.treeExceptions.push(path);
      this.known.delete(path);
    }
    for (const file of files) {
      const node = index.nodes.get(file);
      const current = this.nodes.get(file);
      if (!current) continue;
      if (node?.type === 'file' && node.dataOffset !== undefined) {
        current.data = result.stdout.subarray(node.dataOffset, node.dataOffset + node.size);
        current.size = node.size;
      } else current.contentError = unreadable.has(file) ? 'EACCES' : 'EIO';
    }
  }

  protected lstatRaw(canonicalPath: string): RawNode | undefined {
    if (!this.covered(canonicalPath)) throw new Missing('stat', canonicalPath);
    return this.nodes.get(canonicalPath);
  }

  protected readRaw(canonicalPath: string, maxBytes: number): Buffer {
    const node = this.nodes.get(canonicalPath);
    if (!node) throw new TargetError('ENOENT', canonicalPath);
    if (node.type !== 'file') throw new TargetError('EIO', canonicalPath, 'not a regular file');
    if (node.contentError) throw new TargetError(node.contentError, canonicalPath);
    if (!node.data) throw new Missing('content', canonicalPath);
    if (node.data.length > maxBytes) throw new TargetError('ETOOBIG', canonicalPath, `limit ${maxBytes} bytes`);
    return Buffer.from(node.data);
  }

  protected readDirRaw(canonicalPath: string): string[] {
    if (this.unlistable.has(canonicalPath)) throw new TargetError('EACCES', canonicalPath);
    const inFullTree =
      this.fullTrees.some((tree) => isUnder(canonicalPath, tree)) &&
      !this.treeExceptions.some((except) => isUnder(canonicalPath, except));
    if (!this.listed.has(canonicalPath) && !inFullTree) throw new Missing('listing', canonicalPath);
    return [...(this.children.get(canonicalPath) ?? [])];
  }

  /** Queues what an operation lacks; every request made in the same tick shares one round trip. */
  private request(need: Missing['need'], path: string, alsoStat: readonly string[]): Promise<void> {
    if (!this.batch) {
      const batch: Batch = { stats: new Set(), listings: new Set(), contents: new Set(), done: Promise.resolve() };
      batch.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush(batch));
      this.batch = batch;
    }
    const batch = this.batch;
    if (need === 'stat') for (const each of [path, ...alsoStat]) if (!this.covered(each)) batch.stats.add(each);
    if (need === 'listing') batch.listings.add(path);
    if (need === 'content') batch.contents.add(path);
    return batch.done;
  }

  private async flush(batch: Batch): Promise<void> {
    if (this.batch === batch) this.batch = undefined;
    const stats = [...batch.stats];
    const listings = [...batch.listings];
    const contents = [...batch.contents];
    await Promise.all([
      stats.length > 0 ? this.fetchStats(stats) : undefined,
      listings.length > 0 ? this.fetchTrees(listings, LISTING_DEPTH) : undefined,
      contents.length > 0
        ? this.exec(tarScript(this.root, contents, [])).then((tar) => this.addTar(tar, contents, []))
        : undefined,
    ]);
  }

  private unlistedSiblings(dir: string): string[] {
    const parent = parentOf(dir);
    if (dir === '/' || !this.listed.has(parent)) return [];
    const prefix = parent === '/' ? '' : parent;
    return [...(this.children.get(parent) ?? [])]
      .map((name) => `${prefix}/${name}`)
      .filter(
        (path) =>
          path !== dir && this.nodes.get(path)?.type === 'dir' && !this.listed.has(path) && !this.unlistable.has(path),
      )
      .slice(0, MAX_SIBLINGS);
  }

  /** Runs a tree operation, fetching what it lacks until it has all it needs. */
  private async withFetch<T>(path: string, operation: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (!(error instanceof Missing) || attempt >= MAX_FOLLOW_UPS) throw error;
        // A missing component is usually followed by the rest of the same path: ask for all of it at once.
        const rest = prefixes(path).filter(
          (prefix) => prefix.length > error.path.length && prefix.startsWith(error.path),
        );
        // A tree walk lists a directory's subdirectories one after another: list the unlisted siblings too.
        if (error.need === 'listing')
          for (const sibling of this.unlistedSiblings(error.path)) this.request('listing', sibling, []);
        await this.request(error.need, error.path, rest);
      }
    }
  }

  override stat(path: string) {
    return this.withFetch(path, () => super.stat(path));
  }
  override lstat(path: string) {
    return this.withFetch(path, () => super.lstat(path));
  }
  override readlink(path: string) {
    return this.withFetch(path, () => super.readlink(path));
  }
  override realpath(path: string) {
    return this.withFetch(path, () => super.realpath(path));
  }
  override readFile(path: string, options?: { maxBytes?: number }) {
    return this.withFetch(path, () => super.readFile(path, options));
  }
  override readDir(path: string) {
    return this.withFetch(path, () => super.readDir(path));
  }
  override readDirEntries(path: string): Promise<{ name: string; type: FileType }[]> {
    return this.withFetch(path, () => super.readDirEntries(path));
  }

  /** Hashed on the host: only the digest crosses the connection, whatever the binary's size. */
  override async sha256(path: string, options: { maxBytes?: number } = {}): Promise<string> {
    const canonical = await this.realpath(path);
    const node = this.nodes.get(canonical);
    if (!node) throw new TargetError('ENOENT', path);
    if (node.type === 'dir') throw new TargetError('EISDIR', path);
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_HASH_BYTES;
    if (node.size > maxBytes) throw new TargetError('ETOOBIG', path, `limit ${maxBytes} bytes`);
    return this.remoteSha256(hostPathIn(this.root, canonical), path);
  }

  private async remoteSha256(hostFile: string, shownPath: string): Promise<string> {
    const result = await this.exec(sha256Script(hostFile));
    const digest = /^([0-9a-f]{64}) /.exec(result.stdout.toString('utf8'))?.[1];
    if (digest) return digest;
    if (/Permission denied/.test(result.stderr)) throw new TargetError('EACCES', shownPath);
    if (/No such file/.test(result.stderr)) throw new TargetError('ENOENT', shownPath);
    if (/Is a directory/.test(result.stderr)) throw new TargetError('EISDIR', shownPath);
    throw new TargetError('EIO', shownPath, result.stderr.trim().split('\n')[0] ?? `exit ${result.code}`);
  }

  override async processExecutableSha256(pid: number): Promise<string> {
    if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`not a process id: ${pid}`);
    return this.remoteSha256(`/proc/${pid}/exe`, `/proc/${pid}/exe`);
  }

  private async facts(): Promise<{ processes: Buffer; links: ProcLinks; net: string }> {
    if (!this.liveFacts) throw new NotEvaluableError('the remote host was not read');
    const raw = await this.liveFacts;
    return { processes: raw.processes, links: parseProcLinks(raw.links), net: raw.net.toString('utf8') };
  }

  override async processes(): Promise<ProcessInfo[]> {
    const { processes, links } = await this.facts();
    return parseProcessLines(processes).map((process) => {
      const exe = links.exe.get(process.pid);
      return exe === undefined ? process : { ...process, exe };
    });
  }

  /** As the live target finds them: the first holder (in pid order) names each socket, and the walk stops when all are named. */
  override async listeningSockets(): Promise<ListeningSocket[]> {
    const { links, net } = await this.facts();
    const [tcp4 = '', tcp6 = ''] = net.split(`${NET_TCP_MARK}\n`);
    const sockets = [
      ...parseListeningSockets(tcp4).map((socket) => ({ ...socket, file: '/proc/net/tcp' })),
      ...parseListeningSockets(tcp6).map((socket) => ({ ...socket, file: '/proc/net/tcp6' })),
    ];
    const pidsByInode = new Map<number, number[]>(sockets.map((socket) => [socket.inode, []]));
    let unresolved = new Set(pidsByInode.keys());
    for (const pid of [...links.sockets.keys()].sort((a, b) => a - b)) {
      if (unresolved.size === 0) break;
      const found = new Set<number>();
      for (const inode of links.sockets.get(pid) ?? []) {
        const pids = pidsByInode.get(inode);
        if (pids && !found.has(inode)) {
          pids.push(pid);
          found.add(inode);
        }
      }
      if (found.size > 0) unresolved = new Set([...unresolved].filter((inode) => !found.has(inode)));
    }
    return sockets.map((socket) => ({ ...socket, pids: pidsByInode.get(socket.inode) ?? [] }));
  }

  private cachedRun(
    command: string,
    args: readonly string[],
    timeoutMs: number,
    lane?: number,
  ): Promise<CommandResult> {
    const key = JSON.stringify([command, args, timeoutMs]);
    let answer = this.commandAnswers.get(key);
    if (!answer) {
      answer = this.runRemote(command, args, { timeoutMs }, lane);
      this.commandAnswers.set(key, answer);
    }
    return answer;
  }

  override run(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const prefetched = PREFETCH_COMMANDS.some(
      ([name, list, timeoutMs]) =>
        name === command && JSON.stringify(list) === JSON.stringify(args) && options.timeoutMs === timeoutMs,
    );
    if (prefetched && options.stdin === undefined && !options.unprivileged)
      return this.cachedRun(command, args, options.timeoutMs!);
    return this.runRemote(command, args, options);
  }

  private async runRemote(
    command: string,
    args: readonly string[],
    options: RunOptions,
    lane?: number,
  ): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
    const result = await this.exec(
      runScript(command, args, { timeoutMs, ...(options.unprivileged ? { unprivileged: true } : {}) }),
      {
        ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
        timeoutMs: timeoutMs + this.commandTimeoutMs,
        ...(lane !== undefined ? { lane } : {}),
      },
    );
    if (result.code === NOT_INSTALLED_EXIT && result.stderr.includes(NOT_INSTALLED_MARK))
      throw new Error(`${command}: not installed or not on PATH`);
    if (result.code === NOT_ROOT_EXIT && result.stderr.includes(NOT_ROOT_MARK))
      throw new UnprivilegedRunRefusedError(command);
    if (result.code === TIMED_OUT_EXIT) throw new Error(`${command}: no answer within ${timeoutMs} ms`);
    return { code: result.code ?? 1, stdout: result.stdout.toString('utf8'), stderr: result.stderr };
  }

  /** The key search runs on the host: the needles go to its standard input, only matching file names come back. */
  async findFilesContaining(
    roots: readonly string[],
    needles: readonly string[],
    limits: { maxDepth: number; maxFileBytes: number; includeGitDir: boolean },
  ): Promise<{ files: string[]; searched: number }> {
    const input = `${needles.join('\n')}\n`;
    const result = await this.exec(searchScript(this.root, roots, limits, Buffer.byteLength(input)), {
      stdin: input,
      long: true,
    });
    // NUL-terminated tokens: "#<count>" per batch, else a matching path (always absolute).
    const prefix = rootPrefix(this.root);
    let searched = 0;
    const files: string[] = [];
    for (const token of result.stdout.toString('utf8').split('\0')) {
      if (token.startsWith('#')) searched += Number(token.slice(1)) || 0;
      else if (token.startsWith('/'))
        files.push(prefix && token.startsWith(prefix) ? token.slice(prefix.length) : token);
    }
    if (result.code !== 0)
      throw new Error(
        `the key search on the host failed (${result.stderr.trim().split('\n')[0] ?? `exit ${result.code}`})`,
      );
    return { files: [...new Set(files)].sort(), searched };
  }

  /**
   * The history search runs on the host (copying the repository here would put the key on this machine's disk): the
   * needles go to its standard input, only the commit, path and line of each matching patch line come back.
   */
  async searchGitHistory(gitDir: string, needles: readonly string[]): Promise<GitHistoryMatches> {
    const canonical = await this.realpath(gitDir);
    const input = `${needles.join('\n')}\n`;
    const result = await this.exec(gitHistorySearchScript(hostPathIn(this.root, canonical), GIT_HISTORY_TIMEOUT_S), {
      stdin: input,
      timeoutMs: GIT_HISTORY_TIMEOUT_S * 1000 + this.commandTimeoutMs,
      long: true,
    });
    const stderr = result.stderr.trim();
    for (const mark of [GIT_MISSING_MARK, GIT_ALTERNATES_MARK, GIT_NOT_A_DIRECTORY_MARK])
      if (stderr.includes(mark)) throw new Error(`${gitDir}: ${mark.replace(/^signer-opsec: /, '')}`);
    const { matches, commits, gitStatus, grepStatus } = parseGitHistoryStreams(result.stdout.toString('utf8'), stderr);
    // Fail closed: any doubt that the whole history was read is a rejection, never "not found".
    if (result.code !== 0 || gitStatus !== 0 || (grepStatus !== 0 && grepStatus !== 1)) {
      const why = stderr.split('\n').find((each) => each.trim() !== '' && !each.startsWith('@@signer-opsec-')) ?? '';
      const status =
        gitStatus === 137
          ? `stopped after ${GIT_HISTORY_TIMEOUT_S} s`
          : `git exit ${gitStatus ?? '?'}, grep exit ${grepStatus ?? '?'}`;
      throw new Error(
        `${gitDir}: the history search on the host failed (${status}${why ? `: ${why.slice(0, 200)}` : ''})`,
      );
    }
    return { matches, commits };
  }
}
