// A hostile firewall file can be a problem per token or line: a 2 MB file of garbage held a million problem objects
// (1.2 GB, issue #18), and no reader wants more than the first few. So a file's problems are capped: the first
// MAX_PROBLEMS are kept as they come, the rest are only counted, and one last problem says how many more there were.
// Whether any dropped problem makes the loader refuse the file (`rejects`) or is a parse limit is kept on that one.
import type { FirewallProblem } from './model.js';

export const MAX_PROBLEMS = 100;

/** A problem list whose `push` keeps the first MAX_PROBLEMS; call `finish` once, after the last push. */
export interface CappedProblems extends Array<FirewallProblem> {
  /** The cap is reached: count a problem with `drop` rather than build it (building each cost a second in 500k). */
  full(): boolean;
  drop(file: string | undefined, rejects: boolean): void;
  finish(): FirewallProblem[];
}

export function cappedProblems(): CappedProblems {
  const kept: FirewallProblem[] = [];
  let more = 0;
  let file: string | undefined;
  let rejects = false;
  let limit = false;
  const drop = (itemFile: string | undefined, itemRejects: boolean, itemLimit = false) => {
    more += 1;
    file ??= itemFile;
    rejects ||= itemRejects;
    limit ||= itemLimit;
  };
  const push = (...items: FirewallProblem[]): number => {
    for (const item of items) {
      if (kept.length < MAX_PROBLEMS) Array.prototype.push.call(kept, item);
      else drop(item.file, item.rejects === true, item.limit === true);
    }
    return kept.length;
  };
  const full = () => kept.length >= MAX_PROBLEMS;
  const finish = (): FirewallProblem[] => {
    const all = [...kept];
    if (more > 0)
      all.push({
        ...(file ? { file } : {}),
        message: `... and ${more} more problem${more === 1 ? '' : 's'}`,
        ...(rejects ? { rejects: true } : {}),
        ...(limit ? { limit: true as const } : {}),
      });
    return all;
  };
  return Object.assign(kept, { push, full, drop: (f: string | undefined, r: boolean) => drop(f, r), finish });
}
