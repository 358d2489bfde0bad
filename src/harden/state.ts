// What is on the target now at a change's path, and whether the change is already satisfied there: the engine drops
// satisfied changes so a second apply is a no-op. Read only through the Target.

import type { Target } from '../target/types.js';
import type { Change } from './types.js';

/** Generated files and configs are small; a larger file at a planned path is read only up to this. */
export const MAX_COMPARED_BYTES = 4 * 1024 * 1024;

export type CurrentState =
  | { type: 'absent' }
  | { type: 'file'; mode: number; uid: number; gid: number; content: Buffer }
  | { type: 'dir'; mode: number; uid: number; gid: number }
  | { type: 'symlink'; uid: number; gid: number; linkTarget: string }
  | { type: 'other'; mode: number; uid: number; gid: number };

/**
 * The state of `path` without following a symlink in its last component. A file's content is read only when
 * `withContent` (a write compares bytes; a chmod does not need them).
 */
export async function readCurrentState(target: Target, path: string, withContent: boolean): Promise<CurrentState> {
  const stats = await target.lstat(path);
  if (!stats) return { type: 'absent' };
  const owner = { uid: stats.uid, gid: stats.gid };
  switch (stats.type) {
    case 'file':
      return {
        type: 'file',
        mode: stats.mode,
        ...owner,
        content: withContent ? await target.readFile(path, { maxBytes: MAX_COMPARED_BYTES }) : Buffer.alloc(0),
      };
    case 'dir':
      return { type: 'dir', mode: stats.mode, ...owner };
    case 'symlink':
      return { type: 'symlink', ...owner, linkTarget: (await target.readlink(path)) ?? '' };
    default:
      return { type: 'other', mode: stats.mode, ...owner };
  }
}

/** True when applying `change` to `current` would change nothing. */
export function isSatisfied(change: Change, current: CurrentState): boolean {
  switch (change.kind) {
    case 'write':
      return (
        current.type === 'file' &&
        current.mode === change.mode &&
        current.uid === change.uid &&
        current.gid === change.gid &&
        current.content.equals(Buffer.from(change.content, 'utf8'))
      );
    case 'attributes':
      return (
        (current.type === 'file' || current.type === 'dir') &&
        (change.mode === undefined || current.mode === change.mode) &&
        (change.uid === undefined || current.uid === change.uid) &&
        (change.gid === undefined || current.gid === change.gid)
      );
    case 'mkdir':
      return (
        current.type === 'dir' &&
        current.mode === change.mode &&
        current.uid === change.uid &&
        current.gid === change.gid
      );
    case 'symlink':
      return current.type === 'symlink' && current.linkTarget === change.linkTarget;
    case 'remove':
      return current.type === 'absent';
  }
}

/** The state a change leaves, for the changes after it in the same plan. */
export function stateAfter(change: Change, current: CurrentState): CurrentState {
  switch (change.kind) {
    case 'write':
      return {
        type: 'file',
        mode: change.mode,
        uid: change.uid,
        gid: change.gid,
        content: Buffer.from(change.content, 'utf8'),
      };
    case 'attributes':
      if (current.type !== 'file' && current.type !== 'dir') return current;
      return {
        ...current,
        mode: change.mode ?? current.mode,
        uid: change.uid ?? current.uid,
        gid: change.gid ?? current.gid,
      };
    case 'mkdir':
      return { type: 'dir', mode: change.mode, uid: change.uid, gid: change.gid };
    case 'symlink':
      return { type: 'symlink', uid: 0, gid: 0, linkTarget: change.linkTarget };
    case 'remove':
      return { type: 'absent' };
  }
}
