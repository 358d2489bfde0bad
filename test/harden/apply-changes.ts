// A stand-in for the apply engine in planner tests: carries a part's changes out on a directory root, plainly (no
// backups, no atomicity), so the real controls can be run on the result.
import { chmodSync, chownSync, lchownSync, lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditContext } from '../../src/engine/context.js';
import type { Change, HardenLayout, HardenOptions, Planner, PlanPart } from '../../src/harden/types.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';

export function applyChanges(root: string, changes: readonly Change[]): void {
  for (const change of changes) {
    const host = join(root, change.path);
    switch (change.kind) {
      case 'write':
        writeFileSync(host, change.content);
        chownSync(host, change.uid, change.gid);
        chmodSync(host, change.mode);
        break;
      case 'mkdir':
        mkdirSync(host);
        chownSync(host, change.uid, change.gid);
        chmodSync(host, change.mode);
        break;
      case 'attributes': {
        const stat = lstatSync(host);
        if (change.uid !== undefined || change.gid !== undefined)
          lchownSync(host, change.uid ?? stat.uid, change.gid ?? stat.gid);
        if (change.mode !== undefined && !stat.isSymbolicLink()) chmodSync(host, change.mode);
        break;
      }
      case 'remove':
        rmSync(host);
        break;
      case 'symlink':
        symlinkSync(change.linkTarget, host);
        break;
    }
  }
}

export function contextOf(root: string): AuditContext {
  return new AuditContext(new DirectoryTarget(root, { live: false }));
}

export const NO_CONSOLE: HardenOptions = { consoleAccess: false };

export async function planOn(
  planner: Planner,
  root: string,
  layout: HardenLayout | ((ctx: AuditContext) => Promise<HardenLayout>),
): Promise<PlanPart | undefined> {
  const ctx = contextOf(root);
  const decided = typeof layout === 'function' ? await layout(ctx) : layout;
  return planner({ ctx, layout: decided, options: NO_CONSOLE });
}

/** The part as it would be printed: every write's content left out (sensitive or not). */
export function printable(part: PlanPart): string {
  return JSON.stringify({
    ...part,
    changes: part.changes.map((change) => (change.kind === 'write' ? { ...change, content: undefined } : change)),
  });
}
