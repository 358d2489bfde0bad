import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { scanGitHistory } from '../../../src/secrets/git/index.js';
import { makeRepo, runGit, testKey } from './repo.js';

function missingObjects(dir: string): number {
  return runGit(dir, ['rev-list', '--objects', '--all', '--missing=print'])
    .split('\n')
    .filter((line) => line.startsWith('?')).length;
}

test('a partial clone is scanned with a warning, without fetching its missing blobs', async () => {
  const source = makeRepo('scan-promisor-');
  try {
    source.write('old/.env', `SIGNER_PRIVATE_KEY=${testKey('only-in-the-promisor')}01\n`);
    source.commit('old key');
    source.git('rm', '-q', 'old/.env');
    source.write('current/signer.toml', `stacks_private_key = "${testKey('checked-out')}"\n`);
    source.commit('current');
    source.git('config', 'uploadpack.allowFilter', 'true');
    const clone = join(dirname(source.dir), 'clone');
    runGit(dirname(source.dir), ['clone', '-q', '--filter=blob:none', `file://${source.dir}`, clone]);
    const missingBefore = missingObjects(clone);
    assert.ok(missingBefore >= 1, 'the clone should lack the old blob');

    // The promisor remote is still reachable: any lazy fetch would succeed and show up as fewer missing objects.
    const result = await scanGitHistory(clone, {});
    assert.equal(missingObjects(clone), missingBefore, 'the scan fetched objects from the promisor remote');
    assert.deepEqual(
      result.findings.map(({ file }) => file),
      ['current/signer.toml'],
    );
    assert.equal(result.stats.missingObjects, missingBefore);
    assert.match(result.warnings[0] ?? '', /object\(s\) are missing .*nothing was fetched/);

    // And with the remote gone, the same: a warning, not a crash.
    rmSync(source.dir, { recursive: true, force: true });
    const offline = await scanGitHistory(clone, {});
    assert.equal(offline.findings.length, 1);
    assert.match(offline.warnings[0] ?? '', /missing/);
  } finally {
    source.cleanup();
  }
});
