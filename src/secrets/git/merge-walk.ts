// What merge resolutions added, without a combined diff. `git diff-tree -c --raw` (trees only, no blob read) names,
// per merge, the paths whose new blob differs from every parent's: the only places a resolution can have added
// content no parent had. Each such blob is scanned whole; where it holds a finding, the parents' blobs at that path
// decide whether the merge introduced it. https://git-scm.com/docs/git-diff-tree#_combined_diff_format
//
// `--cc -p` costs two blob diffs per such path (stacks-core: 17,917 paths of 1.6 GiB in 8,395 merges, as much git
// CPU as the whole non-merge history); reading the merge's blob once and its parents' only on a hit costs a fraction.
import { maxOf } from '../../parsers/lists.js';
import type { PendingFinding } from '../scan-content.js';
import { scanContentPending, textToScan } from '../scan-content.js';
import type { ScanOptions, ScanStats } from '../types.js';
import type { AdditionGroups } from './additions.js';
import { readBatchGroups } from './cat-file.js';
import { COMMIT_FORMAT, COMMIT_MARK, type CommitHeader } from './patch-parser.js';
import { firstErrorLine, type GitLocation, spawnGit } from './run-git.js';
import type { WarningList } from './warnings.js';

/** A path a merge gave a blob that no parent had there. */
export interface MergeChange {
  commit: CommitHeader;
  /** Position of the merge in the walked commit list (larger is older). */
  index: number;
  path: string;
  blob: string;
  /** Each parent's blob at the path (all zeros where the parent had no such path). */
  parents: string[];
}

const GITLINK_MODE = '160000';
const NO_OBJECT = /^0+$/;

/** Arguments of the listing: combined raw output of every merge fed on stdin, NUL-separated paths. */
export const MERGE_RAW_ARGS = [
  'diff-tree',
  '--stdin',
  '-c',
  '--raw',
  '-r',
  '-z',
  '--no-abbrev',
  '--no-renames',
  '--no-textconv',
  '--no-ext-diff',
  COMMIT_FORMAT,
] as const;

/**
 * Parses `diff-tree -c --raw -z` output: a header field (COMMIT_MARK, id, date, author), then per path a
 * `::mode… blob… status` field followed by the path field. Fed in pieces; holds only the last incomplete field.
 */
export class MergeRawParser {
  private partial = '';
  private commit: CommitHeader | undefined;
  private pendingEntry: { blob: string; parents: string[] } | undefined;

  constructor(
    private readonly onChange: (commit: CommitHeader, path: string, blob: string, parents: string[]) => void,
    private readonly onCommit: () => void = () => {},
  ) {}

  push(text: string): void {
    const fields = (this.partial + text).split('\0');
    this.partial = fields.pop() ?? '';
    for (const field of fields) this.field(field);
  }

  end(): void {
    if (this.partial !== '') this.field(this.partial);
    this.partial = '';
  }

  private field(raw: string): void {
    if (this.pendingEntry !== undefined) {
      const { blob, parents } = this.pendingEntry;
      this.pendingEntry = undefined;
      if (this.commit !== undefined)
        this.onChange(this.commit, Buffer.from(raw, 'latin1').toString('utf8'), blob, parents);
      return;
    }
    const mark = raw.indexOf(COMMIT_MARK);
    if (mark !== -1) {
      const line = raw.slice(mark + 1);
      const newline = line.indexOf('\n');
      const [commit = '', date = '', author = ''] = Buffer.from(
        newline === -1 ? line : line.slice(0, newline),
        'latin1',
      )
        .toString('utf8')
        .split('\t');
      this.commit = { commit, date, author };
      this.onCommit();
      return;
    }
    const start = raw.indexOf('::');
    if (start === -1) return;
    let colons = 0;
    while (raw.charCodeAt(start + colons) === 0x3a) colons++;
    const words = raw.slice(start + colons).split(' ');
    // n parents: n+1 modes, n+1 blobs, the status letters.
    const modes = words.slice(0, colons + 1);
    const blobs = words.slice(colons + 1, 2 * colons + 2);
    const mode = modes[colons] ?? '';
    const blob = blobs[colons] ?? '';
    if (mode === GITLINK_MODE || mode === '000000' || NO_OBJECT.test(blob) || blob === '') {
      // Deleted by the merge, or a submodule: nothing of this repository's content to read (its path still follows).
      this.pendingEntry = { blob: '', parents: [] };
      return;
    }
    this.pendingEntry = { blob, parents: blobs.slice(0, colons) };
  }
}

/** Lists the paths each merge gave a blob no parent had; `merges` pairs each merge id with its walk position. */
export async function listMergeChanges(
  location: GitLocation,
  merges: ReadonlyMap<string, number>,
  timeoutMs: number,
  onMerge?: () => void,
): Promise<{ changes: MergeChange[]; error?: string }> {
  const changes: MergeChange[] = [];
  if (merges.size === 0) return { changes };
  const git = spawnGit(location, MERGE_RAW_ARGS, { timeoutMs });
  git.child.stdin.end(`${[...merges.keys()].join('\n')}\n`);
  const parser = new MergeRawParser((commit, path, blob, parents) => {
    if (blob === '') return;
    changes.push({ commit, index: merges.get(commit.commit) ?? 0, path, blob, parents });
  }, onMerge);
  git.child.stdout.setEncoding('latin1');
  for await (const chunk of git.child.stdout as AsyncIterable<string>) parser.push(chunk);
  parser.end();
  const { code, stderr, timedOut } = await git.done;
  if (timedOut) return { changes, error: 'git diff-tree -c did not finish in time' };
  if (code !== 0) return { changes, error: `git diff-tree -c: ${firstErrorLine(stderr) ?? `exit ${code}`}` };
  return { changes };
}

/** Reads `blobs` through one cat-file, handing each object's text (or why there is none) to `onBlob`. */
async function readBlobs(
  location: GitLocation,
  blobs: readonly string[],
  maxBytes: number,
  timeoutMs: number,
  onBlob: (
    oid: string,
    text: Buffer | undefined,
    why: 'missing' | 'too-large' | 'binary' | undefined,
    size: number,
  ) => void,
): Promise<string | undefined> {
  if (blobs.length === 0) return undefined;
  const git = spawnGit(location, ['cat-file', '--batch', '--buffer'], { timeoutMs });
  git.child.stdin.end(`${blobs.join('\n')}\n`);
  for await (const group of readBatchGroups(git.child.stdout, maxBytes)) {
    for (const object of group) {
      if ('missing' in object) onBlob(object.missing, undefined, 'missing', 0);
      else if (object.content === undefined) onBlob(object.oid, undefined, 'too-large', object.size);
      else {
        const text = textToScan(object.content);
        onBlob(object.oid, text, text === undefined ? 'binary' : undefined, object.size);
      }
    }
  }
  const { code, stderr, timedOut } = await git.done;
  if (timedOut) return 'git cat-file did not finish in time';
  return code === 0 ? undefined : `git cat-file: ${firstErrorLine(stderr) ?? `exit ${code}`}`;
}

/** The bytes of 1-based line `line` of `text`, without its line ending. */
function lineBytes(text: Buffer, line: number): Buffer {
  let start = 0;
  for (let n = 1; n < line; n++) {
    const newline = text.indexOf(0x0a, start);
    if (newline === -1) return Buffer.alloc(0);
    start = newline + 1;
  }
  let end = text.indexOf(0x0a, start);
  if (end === -1) end = text.length;
  if (end > start && text[end - 1] === 0x0d) end--;
  return Buffer.from(text.subarray(start, end));
}

/** Whether `line` is one whole line of `text` (CRLF or LF endings). */
function hasLine(text: Buffer, line: Buffer): boolean {
  if (line.length === 0) return true;
  for (let at = text.indexOf(line); at !== -1; at = text.indexOf(line, at + 1)) {
    const before = at === 0 || text[at - 1] === 0x0a;
    const after = text[at + line.length];
    if (before && (after === undefined || after === 0x0a || after === 0x0d)) return true;
  }
  return false;
}

interface Candidate {
  change: MergeChange;
  finding: PendingFinding;
  line: Buffer;
}

/**
 * Scans what merge resolutions added. A finding in a merge's blob is the merge's addition when its line is in no
 * parent's blob at that path (what a combined diff marks added in every column), or when no parent's blob holds
 * that secret at all (a key a resolution made detectable, say by renaming a header above a list item that a parent
 * already had: the combined diff would not show it, the blob scan does). Returns why part was not read, if it was not.
 */
export async function scanMergeResolutions(
  location: GitLocation,
  merges: ReadonlyMap<string, number>,
  options: ScanOptions,
  maxBytes: number,
  groups: AdditionGroups,
  { stats, warnings, missing }: { stats: ScanStats; warnings: WarningList; missing: Set<string> },
  timeoutMs: number,
  onMerge?: () => void,
): Promise<string[]> {
  const errors: string[] = [];
  const listed = await listMergeChanges(location, merges, timeoutMs, onMerge);
  if (listed.error !== undefined) errors.push(listed.error);
  const byBlob = new Map<string, MergeChange[]>();
  for (const change of listed.changes) {
    const list = byBlob.get(change.blob);
    if (list) list.push(change);
    else byBlob.set(change.blob, [change]);
  }
  const candidates: Candidate[] = [];
  const mergeRead = await readBlobs(location, [...byBlob.keys()], maxBytes, timeoutMs, (oid, text, why, size) => {
    const changes = byBlob.get(oid) ?? [];
    const paths = () => [...new Set(changes.map(({ path }) => path))].join(', ');
    // Keyed by the oldest merge's place in the walk: the patch walk adds its warnings meanwhile, in no fixed order.
    const key = () => maxOf(changes.map(({ index }) => index));
    if (why === 'missing') {
      if (!missing.has(oid)) stats.missingObjects = (stats.missingObjects ?? 0) + 1;
      missing.add(oid);
      stats.skippedUnreadable++;
      warnings.add(`${paths()} (blob ${oid.slice(0, 12)}): missing from the repository, not scanned`, key());
      return;
    }
    if (why === 'too-large') {
      stats.skippedTooLarge++;
      warnings.add(
        `${paths()} (blob ${oid.slice(0, 12)}): ${size} bytes, over the ${maxBytes}-byte cap, not scanned`,
        key(),
      );
      return;
    }
    stats.blobs = (stats.blobs ?? 0) + 1;
    if (text === undefined) {
      stats.skippedBinary++;
      return;
    }
    stats.filesScanned++;
    stats.bytesScanned += size;
    const byPath = new Map<string, PendingFinding[]>();
    for (const change of changes) {
      let found = byPath.get(change.path);
      if (found === undefined) {
        found = scanContentPending(text, change.path, options);
        byPath.set(change.path, found);
      }
      for (const finding of found) candidates.push({ change, finding, line: lineBytes(text, finding.line) });
    }
  });
  if (mergeRead !== undefined) errors.push(mergeRead);
  if (candidates.length === 0) return errors;

  // The parents' blobs, only where the merge's blob held a finding: does each already have the line, the secret?
  // Read one at a time and dropped: a candidate keeps two flags, not its parents' text.
  const lineSeen = new Uint8Array(candidates.length);
  const secretSeen = new Uint8Array(candidates.length);
  const byParent = new Map<string, number[]>();
  candidates.forEach(({ change }, index) => {
    for (const parent of change.parents) {
      if (NO_OBJECT.test(parent)) continue;
      const list = byParent.get(parent);
      if (list) list.push(index);
      else byParent.set(parent, [index]);
    }
  });
  const parentRead = await readBlobs(location, [...byParent.keys()], maxBytes, timeoutMs, (oid, text) => {
    // A parent blob that cannot be read (missing, binary, too large) clears nothing: the merge keeps the finding.
    if (text === undefined) return;
    const indexes = byParent.get(oid) ?? [];
    // Only the detectors that found the candidates run on the parent: an id is its detector's hash of the value, so
    // no other detector can find it (a key candidate spares the parent the mnemonic scan, the costly one on code).
    const detectorsByPath = new Map<string, Set<string>>();
    for (const index of indexes) {
      const { change, finding } = candidates[index] as Candidate;
      const detectors = detectorsByPath.get(change.path) ?? new Set<string>();
      detectors.add(finding.detector);
      detectorsByPath.set(change.path, detectors);
    }
    const secretsByPath = new Map<string, Set<string>>();
    for (const index of indexes) {
      const { change, finding, line } = candidates[index] as Candidate;
      let ids = secretsByPath.get(change.path);
      if (ids === undefined) {
        const detectors = [...(detectorsByPath.get(change.path) ?? [])];
        ids = new Set(scanContentPending(text, change.path, { ...options, detectors }).map(({ secret }) => secret.id));
        secretsByPath.set(change.path, ids);
      }
      if (ids.has(finding.secret.id)) secretSeen[index] = 1;
      if (hasLine(text, line)) lineSeen[index] = 1;
    }
  });
  if (parentRead !== undefined) errors.push(parentRead);
  candidates.forEach(({ change, finding }, index) => {
    if (lineSeen[index] === 0 || secretSeen[index] === 0)
      groups.add({ finding, commit: change.commit, age: change.index });
  });
  return errors;
}
