// One finding per leak: every commit that added a secret at a path is an addition; additions of the same secret
// (by its value, not yet by its reported fingerprint) at the same path are one group, reported once.
import type { PendingFinding } from '../scan-content.js';
import type { CommitHeader } from './patch-parser.js';

export interface Addition {
  finding: PendingFinding;
  commit: CommitHeader;
  /** Larger is older: the position in rev-list's newest-first order, or minus the author time for the blob walk. */
  age: number;
}

export interface AdditionGroup {
  /** The oldest addition: where, when and by whom the secret was introduced at this path. */
  first: Addition;
  /** Commits that added it at this path (the first included). */
  commits: Set<string>;
}

export class AdditionGroups {
  private readonly groups = new Map<string, AdditionGroup>();
  /** Additions seen (one per commit, path and secret, as before grouping). */
  additions = 0;
  private readonly seen = new Set<string>();

  /** `onGroup` sees the first addition of each new group (each is one reported finding). */
  constructor(private readonly onGroup: (addition: Addition) => void = () => {}) {}

  add(addition: Addition): void {
    const { finding, commit } = addition;
    const key = `${finding.secret.id}\u0000${finding.file}`;
    // The same commit may be read twice (a git process restarted over a missing object): count it once.
    const once = `${key}\u0000${commit.commit}`;
    if (this.seen.has(once)) {
      // The earliest place wins, by line then column, so the order the git processes finish in does not decide.
      const group = this.groups.get(key);
      const first = group?.first.finding;
      if (
        group &&
        first &&
        group.first.commit.commit === commit.commit &&
        (finding.line < first.line || (finding.line === first.line && (finding.column ?? 0) < (first.column ?? 0)))
      )
        group.first = addition;
      return;
    }
    this.seen.add(once);
    this.additions++;
    const group = this.groups.get(key);
    if (group === undefined) {
      this.groups.set(key, { first: addition, commits: new Set([commit.commit]) });
      this.onGroup(addition);
      return;
    }
    group.commits.add(commit.commit);
    const older =
      addition.age > group.first.age ||
      (addition.age === group.first.age && addition.commit.commit < group.first.commit.commit);
    if (older) group.first = addition;
  }

  values(): AdditionGroup[] {
    return [...this.groups.values()];
  }

  get size(): number {
    return this.groups.size;
  }
}
