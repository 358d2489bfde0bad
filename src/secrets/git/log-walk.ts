// One walk of the history lists every blob to scan and who introduced it: `git log --raw -m --root` names, per
// commit, the new blob of each path it changed. https://git-scm.com/docs/git-log#_raw_output_format
import { once } from 'node:events';
import { BATCH_FORMAT, readBatchGroups } from './cat-file.js';
import {
  forEachChange,
  IntroductionRecorder,
  type IntroductionTracker,
  MAX_HELD_CHARS,
  RAW_LOG_ARGS,
  startIntroductions,
  startPosition,
  unquoteGitPath,
} from './introducers.js';
import { firstErrorLine, type GitLocation, gitOutput, spawnGit } from './run-git.js';
import type { HistoryWalk, WalkEnd, WalkedObject } from './walk.js';

/** A submodule is a commit id in the tree (mode 160000), not content of this repository. */
const GITLINK_MODE = '160000';

/**
 * Refs that `git log` skips because they peel to no commit: tags of a tree or a blob (and tags of tags, which
 * for-each-ref peels only once). Their objects are listed by rev-list instead.
 */
export async function nonCommitRefs(location: GitLocation): Promise<string[]> {
  const refs = await gitOutput(location, ['for-each-ref', '--format=%(objecttype) %(*objecttype) %(refname)'], {
    allowFail: true,
  });
  if (refs.code !== 0) return [];
  return refs.stdout
    .split('\n')
    .map((line) => /^(\S+) (\S*) (.+)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && match[1] !== 'commit' && match[2] !== 'commit')
    .map((match) => match[3] as string);
}

interface Listed {
  oid: string;
  path: string;
}

/**
 * Walks every commit reachable from any ref and from `extraTips` (the stash entries) with one `git log --raw`, and
 * streams each blob it names, once, through `git cat-file --batch` as the log is read. The log text is also what
 * introductions are read from, so nothing walks the history twice. `nonCommitRefs` (tags of trees or blobs, which
 * git log skips) are listed by `rev-list --objects --no-walk` after the log. Memory: the set of blob ids seen (the
 * caller bounds the repository's size), cat-file's pipe, and at most `maxHeldChars` of log text; past that the held
 * text is dropped and introductions come from a second git log after the scan, only if anything was found.
 */
export function startLogWalk(
  location: GitLocation,
  extraTips: readonly string[],
  nonCommitTips: readonly string[],
  maxHeldChars = MAX_HELD_CHARS,
): HistoryWalk {
  const log = spawnGit(location, [...RAW_LOG_ARGS]);
  log.child.stdin.end(extraTips.length > 0 ? `${extraTips.join('\n')}\n` : '');
  const catFile = spawnGit(location, ['cat-file', `--batch=${BATCH_FORMAT}`, '--buffer']);
  const recorder = new IntroductionRecorder();
  let heldOverflowed = false;
  const seen = new Set<string>();
  // What cat-file was asked for, in order: it answers in the same order.
  const requested: Listed[] = [];
  let requestedHead = 0;
  const position = startPosition();
  let stopped = false;
  const walkErrors: string[] = [];
  const missing: string[] = [];

  /** Asks cat-file for `listed` (all new), waiting while its input is full so the log is read no faster than blobs are scanned. */
  const request = async (listed: Listed[]) => {
    if (listed.length === 0) return;
    for (const entry of listed) requested.push(entry);
    const lines = listed.map(({ oid }) => `${oid}\n`).join('');
    if (!catFile.child.stdin.write(lines)) await once(catFile.child.stdin, 'drain');
  };

  const readLog = async () => {
    let partial = '';
    log.child.stdout.setEncoding('utf8');
    for await (const chunk of log.child.stdout as AsyncIterable<string>) {
      if (stopped) break;
      const text = partial + chunk;
      const lastNewline = text.lastIndexOf('\n');
      partial = text.slice(lastNewline + 1);
      await request(readLogText(text.slice(0, lastNewline + 1)));
    }
    if (partial !== '' && !stopped) await request(readLogText(partial));
  };

  /** Reads complete lines of log output; returns the blobs it names for the first time. */
  const readLogText = (text: string): Listed[] => {
    if (!heldOverflowed) {
      recorder.hold(text, position);
      if (recorder.heldSize > maxHeldChars) {
        heldOverflowed = true;
        recorder.dropHeld();
      }
    }
    const fresh: Listed[] = [];
    forEachChange(text, position, (blob, newMode, quotedPath, at) => {
      recorder.consider(blob, quotedPath, at);
      if (newMode === GITLINK_MODE || seen.has(blob)) return;
      seen.add(blob);
      fresh.push({ oid: blob, path: unquoteGitPath(quotedPath()) });
    });
    return fresh;
  };

  const listNonCommitTips = async () => {
    if (nonCommitTips.length === 0 || stopped) return;
    const revList = spawnGit(location, [
      'rev-list',
      '--objects',
      '--no-walk',
      '--stdin',
      '--missing=print',
      '--filter=object:type=blob',
    ]);
    revList.child.stdin.end(`${nonCommitTips.join('\n')}\n`);
    revList.child.stdout.setEncoding('utf8');
    let output = '';
    for await (const chunk of revList.child.stdout as AsyncIterable<string>) output += chunk;
    const { code, stderr } = await revList.done;
    if (code !== 0) walkErrors.push(`git rev-list: ${firstErrorLine(stderr) ?? `exit ${code}`}`);
    const fresh: Listed[] = [];
    for (const line of output.split('\n')) {
      if (line.startsWith('?')) {
        missing.push(line.slice(1));
        continue;
      }
      // A line without a path is a commit (a tag of a tag of a commit); its tree's blobs follow with paths.
      const space = line.indexOf(' ');
      const oid = line.slice(0, space);
      if (space === -1 || seen.has(oid)) continue;
      seen.add(oid);
      fresh.push({ oid, path: line.slice(space + 1) });
    }
    await request(fresh);
  };

  const feeding = (async () => {
    try {
      await readLog();
      const { code, stderr } = await log.done;
      if (code !== 0 && !stopped) walkErrors.push(`git log: ${firstErrorLine(stderr) ?? `exit ${code}`}`);
      await listNonCommitTips();
    } finally {
      catFile.child.stdin.end();
    }
  })();
  // A failure to feed cat-file ends its input; the scan then sees the objects that made it and `finish` says why.
  let feedError: unknown;
  feeding.catch((error: unknown) => {
    feedError = error;
  });
  log.done.catch(() => {});

  async function* objects(maxBytes: number): AsyncGenerator<WalkedObject[]> {
    for await (const group of readBatchGroups(catFile.child.stdout, maxBytes)) {
      const walked: WalkedObject[] = [];
      for (const object of group) {
        const listed = requested[requestedHead];
        const oid = 'missing' in object ? object.missing : object.oid;
        if (listed === undefined || listed.oid !== oid) {
          throw new Error(`git cat-file answered for ${oid.slice(0, 12)}, not for the object asked for`);
        }
        requestedHead++;
        if ('missing' in object) missing.push(oid);
        walked.push({ object, path: listed.path === '' ? oid : listed.path });
      }
      // Drop answered entries now and then rather than shifting on every object.
      if (requestedHead > 4096) {
        requested.splice(0, requestedHead);
        requestedHead = 0;
      }
      yield walked;
    }
  }

  return {
    objects,
    want(blob) {
      recorder.want(blob);
    },
    async finish(): Promise<WalkEnd> {
      await feeding.catch(() => {});
      const catFileExit = await catFile.done;
      const end: WalkEnd = { commits: position.commits, missing, walkErrors: [...walkErrors] };
      if (feedError !== undefined) end.walkErrors.push(`git log output could not be read (${String(feedError)})`);
      if (catFileExit.code !== 0) end.catFileError = firstErrorLine(catFileExit.stderr) ?? `exit ${catFileExit.code}`;
      return end;
    },
    async introductions() {
      recorder.final = true;
      if (!heldOverflowed) {
        recorder.settle();
        return { introductions: recorder.introductions() };
      }
      // The held log text outgrew its bound: read the introductions again now that the wanted blobs are known.
      const again: IntroductionTracker = startIntroductions(location, extraTips);
      for (const blob of recorder.wantedBlobs()) again.want(blob);
      return again.finish();
    },
    abort() {
      stopped = true;
      log.child.kill();
      catFile.child.kill();
    },
  };
}
