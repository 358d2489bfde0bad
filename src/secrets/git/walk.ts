// Two ways to list a history's blobs for the scan: one `git log --raw` walk (log-walk.ts), or, for partial clones
// and very large repositories, `git rev-list --objects`: https://git-scm.com/docs/git-rev-list#_object_traversal
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BATCH_FORMAT, type BatchObject, readBatchGroups } from './cat-file.js';
import { type Introduction, startIntroductions } from './introducers.js';
import { firstErrorLine, type GitLocation, spawnGit } from './run-git.js';

/** One object cat-file answered with, and the path the walk listed it at (its id when it had none). */
export interface WalkedObject {
  object: BatchObject | { missing: string };
  path: string;
}

export interface WalkEnd {
  /** Commits walked (every ref and stash entry). */
  commits: number;
  /** Objects the repository lacks (a partial clone, a damaged repository): never fetched, never scanned. */
  missing: string[];
  /** Why the walk stopped short, one line each (the objects listed before were scanned). */
  walkErrors: string[];
  catFileError?: string;
}

export interface HistoryWalk {
  /**
   * Each listed object once, streamed in groups (a group's contents may share one buffer: be done with a group before
   * asking for the next); objects over `maxBytes` come without content.
   */
  objects(maxBytes: number): AsyncIterable<WalkedObject[]>;
  /** Marks a blob that has findings: its introductions are wanted. */
  want(blob: string): void;
  /** Once `objects` is drained: how the walk ended. */
  finish(): Promise<WalkEnd>;
  /** Once `finish` resolved: the introductions of every wanted blob. */
  introductions(): Promise<{ introductions: Map<string, Introduction[]>; warning?: string }>;
  /** Stops every git process (the scan failed). */
  abort(): void;
}

async function countCommits(location: GitLocation, tips: readonly string[]): Promise<number> {
  const count = spawnGit(location, ['rev-list', '--count', '--all', '--stdin']);
  count.child.stdin.end(tips.length > 0 ? `${tips.join('\n')}\n` : '');
  let output = '';
  count.child.stdout.setEncoding('utf8');
  for await (const chunk of count.child.stdout) output += chunk;
  const { code } = await count.done;
  return code === 0 ? Number(output.trim()) || 0 : 0;
}

/** Splits rev-list's output into lines, notes missing objects, and passes `oid path` lines of blobs on. */
function blobLines(missing: string[]): Transform {
  let partial = '';
  const route = (line: string): string => {
    if (line === '') return '';
    if (line.startsWith('?')) {
      missing.push(line.slice(1));
      return '';
    }
    // A line without a path is a commit (rev-list prints some even when filtering to blobs).
    if (!line.includes(' ')) return '';
    return `${line}\n`;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      callback(null, lines.map(route).join(''));
    },
    flush(callback) {
      callback(null, route(partial));
    },
  });
}

/**
 * Lists blobs with `rev-list --objects --missing=print`, which never fetches: blobs a partial clone lacks are
 * reported, never requested. Introductions come from a `git log --raw` run alongside (it reads only trees).
 */
export function startRevListWalk(location: GitLocation, extraTips: readonly string[]): HistoryWalk {
  const commitCount = countCommits(location, extraTips).catch(() => 0);
  const introducers = startIntroductions(location, extraTips);
  const revList = spawnGit(location, [
    'rev-list',
    '--objects',
    '--all',
    '--stdin',
    '--missing=print',
    '--filter=object:type=blob',
  ]);
  revList.child.stdin.end(extraTips.length > 0 ? `${extraTips.join('\n')}\n` : '');
  const catFile = spawnGit(location, ['cat-file', `--batch=${BATCH_FORMAT}`, '--buffer']);
  const missing: string[] = [];
  const feed = pipeline(revList.child.stdout, blobLines(missing), catFile.child.stdin);
  // A broken pipe here means cat-file exited early; its own exit status says why.
  feed.catch(() => {});

  async function* objects(maxBytes: number): AsyncGenerator<WalkedObject[]> {
    for await (const group of readBatchGroups(catFile.child.stdout, maxBytes)) {
      yield group.map((object) =>
        'missing' in object
          ? { object, path: object.missing }
          : { object, path: object.rest === '' ? object.oid : object.rest },
      );
    }
  }

  let ended = false;
  return {
    objects,
    want: (blob) => introducers.want(blob),
    async finish() {
      await feed.catch(() => {});
      const [revListExit, catFileExit] = await Promise.all([revList.done, catFile.done]);
      const end: WalkEnd = { commits: await commitCount, missing, walkErrors: [] };
      if (revListExit.code !== 0) {
        end.walkErrors.push(`git rev-list: ${firstErrorLine(revListExit.stderr) ?? `exit ${revListExit.code}`}`);
      }
      if (catFileExit.code !== 0) end.catFileError = firstErrorLine(catFileExit.stderr) ?? `exit ${catFileExit.code}`;
      ended = true;
      return end;
    },
    async introductions() {
      if (!ended) throw new Error('introductions() before finish()');
      return introducers.finish();
    },
    abort() {
      revList.child.kill();
      catFile.child.kill();
      introducers.abort();
    },
  };
}
