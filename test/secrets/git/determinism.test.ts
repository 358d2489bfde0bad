// Issue 15: the same history gives the same report, byte for byte, however many git processes read it and in
// whatever order they finish. A real repository lacking some blobs and one tree makes commits take the fallback path
// (read by blob) in every process, side by side with the merge walk.
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatScanJson } from '../../../src/secrets/format/json.js';
import type { SecretScanReport } from '../../../src/secrets/format/report.js';
import { formatScanSarif } from '../../../src/secrets/format/sarif.js';
import { formatScanText } from '../../../src/secrets/format/text.js';
import { scanGitHistory } from '../../../src/secrets/git/index.js';
import type { ScanResult } from '../../../src/secrets/types.js';
import { makeRepo, type TestRepo, testKey } from './repo.js';

/** Plain commits on main: with diff-walk's chunks of 64, two processes get 0-63 and 128-159, and 64-127. */
const PLAIN_COMMITS = 160;

function removeObject(repo: TestRepo, oid: string): void {
  rmSync(join(repo.dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2)));
}

function formatted(result: ScanResult): string[] {
  const report: SecretScanReport = {
    findings: result.findings,
    stats: { ...result.stats, suppressedByBaseline: 0 },
    warnings: result.warnings,
    toolVersion: '0.0.0-test',
  };
  return [formatScanJson(report), formatScanSarif(report), formatScanText(report)];
}

describe('scanGitHistory: the same report whatever the scheduling', { timeout: 300_000 }, () => {
  let repo: TestRepo;
  /** Positions in the walk of non-merge commits (newest first) whose patch git cannot show. */
  const blobless: string[] = [];

  before(() => {
    repo = makeRepo('scan-git-determinism-');
    for (let i = 0; i < PLAIN_COMMITS; i++) {
      repo.write(`data/file-${i}.txt`, `data ${i}\n`);
      // One key, kept in a file every commit changes: a commit read by blob adds it again (addedAgain counts those).
      repo.write(
        'deploy/.env',
        `SIGNER_PRIVATE_KEY=${testKey('determinism')}01\n${Array.from({ length: i + 1 }, (_, n) => `X_${n}=${n}\n`).join('')}`,
      );
      repo.commit(`commit ${i}`);
      if (i === 120) {
        repo.git('checkout', '-q', '-b', 'side');
        repo.write('side.txt', 'side\n');
        repo.commit('side');
        repo.git('checkout', '-q', 'main');
      }
    }
    // An evil merge: a file no parent had, whose blob is then removed (the merge walk meets it).
    repo.git('merge', '-q', '--no-ff', '--no-commit', 'side');
    repo.write('merge-only.txt', 'resolution\n');
    repo.commit('merge side');
    const plain = repo.git('rev-list', '--all', '--no-merges').split('\n');
    assert.equal(plain.length, PLAIN_COMMITS + 1);
    // Blobs missing all over both shares, one at the end of a chunk (whose next commit differs by process count).
    plain.forEach((commit, position) => {
      if (position >= 6 && (position % 7 === 3 || position === 63)) {
        const path = repo.git('diff-tree', '--no-commit-id', '--name-only', '-r', commit).split('\n')[0] as string;
        // The first path git shows: it dies there, before the key file.
        assert.match(path, /^data\/file-/);
        removeObject(repo, repo.git('rev-parse', `${commit}:${path}`));
        blobless.push(commit);
      }
    });
    // A missing tree: git dies before the header of that commit and of its child.
    const treeCommit = plain[100] as string;
    removeObject(repo, repo.git('rev-parse', `${treeCommit}^{tree}`));
    removeObject(repo, repo.git('rev-parse', 'HEAD:merge-only.txt'));
    // No work tree file stands in for a missing blob (git diff reuses an up-to-date work tree file).
    for (const entry of readdirSync(repo.dir)) if (entry !== '.git') rmSync(join(repo.dir, entry), { recursive: true });
  });
  after(() => repo?.cleanup());

  test('1, 2 and 3 processes, and a second run, give identical results and output', async () => {
    const runs: { processes: number; result: ScanResult }[] = [];
    for (const processes of [1, 2, 3, 2]) {
      runs.push({ processes, result: await scanGitHistory(repo.dir, {}, { processes }) });
    }
    const [first] = runs;
    assert.ok(first);
    for (const { processes, result } of runs.slice(1)) {
      assert.deepEqual(result, first.result, `${processes} processes`);
      assert.deepEqual(formatted(result), formatted(first.result), `${processes} processes`);
    }

    const { result } = first;
    // Exactly the commits git cannot show were read by blob, never a neighbour that happened to follow one.
    assert.equal(result.findings.length, 1);
    assert.equal(result.findings[0]?.file, 'deploy/.env');
    assert.equal(result.findings[0]?.addedAgain, blobless.length);
    const fallbacks = result.warnings.filter((line) => / its patch could not be shown /.test(line));
    const named = fallbacks.map((line) => /^commit ([0-9a-f]{12})/.exec(line)?.[1]);
    assert.deepEqual(
      named,
      blobless.slice(0, named.length).map((commit) => commit.slice(0, 12)),
    );
    // Over the cap: the warnings named are the first in walk order (newest first), then a count of the rest.
    assert.match(result.warnings.at(-1) ?? '', /^… and \d+ more warning\(s\)/);
    // The merge walk's warning runs beside the patch walk; it is ordered by the merge's place (the newest commit).
    const shown = result.warnings.filter((line) => !/^\d+ object\(s\) are missing/.test(line));
    assert.match(shown[0] ?? '', /^merge-only\.txt \(blob [0-9a-f]{12}\): missing/);
    assert.equal(result.stats.missingObjects, blobless.length + 1);
    // The missing blobs, and the commit lacking its tree and its child: neither can be read by blob either.
    assert.equal(result.stats.skippedUnreadable, blobless.length + 1 + 2);
  });
});
