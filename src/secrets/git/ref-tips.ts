// Which refs still hold a secret at their tip: the fact an operator acts on (a secret only in history is as exposed,
// but one still at a tip is also in every fresh checkout). `<tip>:<path>` names: https://git-scm.com/docs/gitrevisions
import { scanContentPending, textToScan } from '../scan-content.js';
import type { ScanOptions } from '../types.js';
import { readBatch } from './cat-file.js';
import { type GitLocation, gitOutput, spawnGit } from './run-git.js';

/** At most this many `<tip>:<path>` look-ups (each reads trees): refs past it are counted as unchecked. */
export const MAX_TIP_LOOKUPS = 40_000;

export interface Tip {
  /** Short name: `main`, `v1.2`, `origin/main`, `stash@{0}`, `HEAD` (detached). */
  name: string;
  commit: string;
}

/** Branches first, then stash entries, remote-tracking refs, tags, anything else: the order refs are checked in. */
function rank(refname: string): number {
  if (refname === 'HEAD') return 0;
  if (refname.startsWith('refs/heads/')) return 1;
  if (refname.startsWith('refs/remotes/')) return 3;
  if (refname.startsWith('refs/tags/')) return 4;
  return 5;
}

function shortName(refname: string): string {
  for (const prefix of ['refs/heads/', 'refs/tags/', 'refs/remotes/']) {
    if (refname.startsWith(prefix)) return refname.slice(prefix.length);
  }
  return refname;
}

/** Every ref that peels to a commit, the stash entries, and HEAD when detached; in checking order. */
export async function listTips(location: GitLocation, stashes: readonly string[]): Promise<Tip[]> {
  const refs = await gitOutput(
    location,
    ['for-each-ref', '--format=%(refname) %(objecttype) %(objectname) %(*objecttype) %(*objectname)'],
    {
      allowFail: true,
    },
  );
  const ranked: { rank: number; tip: Tip }[] = [];
  for (const line of refs.stdout.split('\n')) {
    const [refname = '', type, object, peeledType, peeled] = line.split(' ');
    if (refname === '' || refname === 'refs/stash') continue;
    const commit = type === 'commit' ? object : peeledType === 'commit' ? peeled : undefined;
    if (commit) ranked.push({ rank: rank(refname), tip: { name: shortName(refname), commit } });
  }
  stashes.forEach((commit, index) => {
    ranked.push({ rank: 2, tip: { name: `stash@{${index}}`, commit } });
  });
  const head = await gitOutput(location, ['symbolic-ref', '-q', 'HEAD'], { allowFail: true });
  if (head.code !== 0) {
    const detached = await gitOutput(location, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], {
      allowFail: true,
    });
    if (detached.code === 0) ranked.push({ rank: 0, tip: { name: 'HEAD', commit: detached.stdout.trim() } });
  }
  return ranked.sort((a, b) => a.rank - b.rank || (a.tip.name < b.tip.name ? -1 : 1)).map(({ tip }) => tip);
}

/** cat-file answers, in order, for each input line. */
async function catFileCheck(location: GitLocation, lines: readonly string[]): Promise<string[]> {
  if (lines.length === 0) return [];
  const git = spawnGit(location, ['cat-file', '--batch-check=%(objectname) %(objecttype)', '--buffer'], {
    timeoutMs: 600_000,
  });
  git.child.stdin.end(`${lines.join('\n')}\n`);
  git.child.stdout.setEncoding('utf8');
  let output = '';
  for await (const chunk of git.child.stdout as AsyncIterable<string>) output += chunk;
  await git.done;
  return output.split('\n');
}

export interface TipHoldings {
  /** For each `path`, for each secret id held there: the tips holding it. Key: `${id}\0${path}`. */
  holders: Map<string, string[]>;
  /** Tips not checked (over MAX_TIP_LOOKUPS). */
  unchecked: number;
}

/**
 * Reads the blob each tip has at each of `paths` and scans it: which secrets (by id) each tip still holds there.
 * Memory: one blob at a time (cat-file streams), the look-up answers, the ids found.
 */
export async function tipHoldings(
  location: GitLocation,
  tips: readonly Tip[],
  paths: readonly string[],
  options: ScanOptions,
  maxBytes: number,
  maxLookups = MAX_TIP_LOOKUPS,
): Promise<TipHoldings> {
  const holders = new Map<string, string[]>();
  const usable = paths.filter((path) => !path.includes('\n'));
  if (usable.length === 0 || tips.length === 0) return { holders, unchecked: 0 };
  const checkedTips = tips.slice(0, Math.max(1, Math.floor(maxLookups / usable.length)));
  const byCommit = new Map<string, string[]>();
  for (const tip of checkedTips) byCommit.set(tip.commit, [...(byCommit.get(tip.commit) ?? []), tip.name]);
  const commits = [...byCommit.keys()];
  const queries: { commit: string; path: string }[] = [];
  for (const commit of commits) for (const path of usable) queries.push({ commit, path });
  const answers = await catFileCheck(
    location,
    queries.map(({ commit, path }) => `${commit}:${path}`),
  );
  // blob → path → tip names holding that blob there.
  const blobs = new Map<string, Map<string, string[]>>();
  queries.forEach(({ commit, path }, index) => {
    const [oid, type] = (answers[index] ?? '').split(' ');
    if (type !== 'blob' || oid === undefined) return;
    let byPath = blobs.get(oid);
    if (!byPath) {
      byPath = new Map();
      blobs.set(oid, byPath);
    }
    byPath.set(path, [...(byPath.get(path) ?? []), ...(byCommit.get(commit) ?? [])]);
  });
  if (blobs.size > 0) {
    const git = spawnGit(location, ['cat-file', '--batch', '--buffer'], { timeoutMs: 600_000 });
    git.child.stdin.end(`${[...blobs.keys()].join('\n')}\n`);
    for await (const object of readBatch(git.child.stdout, maxBytes)) {
      if ('missing' in object || object.content === undefined) continue;
      const text = textToScan(object.content);
      if (text === undefined) continue;
      for (const [path, names] of blobs.get(object.oid) ?? []) {
        const ids = new Set(scanContentPending(text, path, options).map((finding) => finding.secret.id));
        for (const id of ids) {
          const key = `${id}\u0000${path}`;
          holders.set(key, [...(holders.get(key) ?? []), ...names]);
        }
      }
    }
    await git.done;
  }
  for (const [key, names] of holders) holders.set(key, [...new Set(names)].sort());
  return { holders, unchecked: tips.length - checkedTips.length };
}
