// The history search of a repository that stays where it is (a remote host: copying it here would put its contents,
// and the key if it is there, on this machine's disk). The target searches it for the key's encodings; the lines it
// reports are grouped as the local scan groups its findings: one per path, naming the commit that introduced it.
import type { GitHistoryMatch, Target } from '../../target/types.js';
import type { Finding, OperatorKey, ScanResult } from '../types.js';

/** Can `target` search a repository's history where it is? (Then its repositories are never copied out.) */
export function searchesHistoryInPlace(target: Target): boolean {
  return target.searchGitHistory !== undefined;
}

function introducer(matches: readonly GitHistoryMatch[]): GitHistoryMatch {
  // Added lines name where the key came in; the oldest of them introduced it (context and removals come later).
  const added = matches.filter((match) => match.added);
  const pool = added.length > 0 ? added : matches;
  return pool.reduce((oldest, match) => (match.date < oldest.date ? match : oldest));
}

/**
 * Searches the history of `gitDir` on the target for the operator key. Rejects when it could not be searched through
 * (no git on the host, a failed or stopped walk): the caller must report that as an error, never as clean.
 */
export async function searchHistoryInPlace(target: Target, gitDir: string, key: OperatorKey): Promise<ScanResult> {
  if (!target.searchGitHistory) throw new Error(`${gitDir}: this target cannot search a history where it is`);
  const { matches, commits } = await target.searchGitHistory(gitDir, key.encodings);
  const byFile = new Map<string, GitHistoryMatch[]>();
  for (const match of matches) {
    const inFile = byFile.get(match.file);
    if (inFile) inFile.push(match);
    else byFile.set(match.file, [match]);
  }
  const findings: Finding[] = [...byFile].map(([file, inFile]) => {
    const first = introducer(inFile);
    const addingCommits = new Set(inFile.filter((match) => match.added).map((match) => match.commit));
    return {
      detector: 'operator-key',
      file,
      line: first.line,
      fingerprint: key.fingerprint,
      severity: 'critical',
      message: 'the signer key',
      commit: first.commit,
      author: first.author,
      date: first.date,
      addedAgain: Math.max(0, addingCommits.size - 1),
    };
  });
  return {
    findings,
    stats: {
      filesScanned: 0,
      bytesScanned: 0,
      skippedBinary: 0,
      skippedTooLarge: 0,
      skippedUnreadable: 0,
      commits,
    },
    warnings: [],
  };
}
