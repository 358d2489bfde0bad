// A "fresh clone" of the working tree: the files git tracks or would track (not node_modules, dist, ignored
// artefacts), with symlinks kept, so install tests see uncommitted changes too.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { REPO_ROOT } from './cli.js';

export function snapshotRepo(destination: string): void {
  mkdirSync(destination, { recursive: true });
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO_ROOT });
  execFileSync('sh', ['-c', `tar --null -T - -cf - | tar -xf - -C '${destination}'`], {
    cwd: REPO_ROOT,
    input: files,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
}
