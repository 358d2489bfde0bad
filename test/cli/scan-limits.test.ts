import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../support/cli.js';

// `scan --max-file-size 3G` on a file over 2 GB said "not scanned (ERR_OUT_OF_RANGE)" and exited 0: a file that was
// not scanned passed as clean. A size the scanner cannot hold is refused up front; a file that cannot be read
// makes the exit code 2.

describe('scan: what is not scanned is never a clean result', () => {
  const work = mkdtempSync(join(tmpdir(), `so-scan-limits-${process.pid}-`));
  after(() => rmSync(work, { recursive: true, force: true }));

  test('--max-file-size beyond what the scanner can hold is a usage error, before any file is read', () => {
    const big = join(work, 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, 2 * 1024 ** 3 + 4096); // sparse: 2 GiB and a bit, nothing written
    const run = runCli(['scan', '--max-file-size', '3G', big]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(
      run.stderr,
      'signer-opsec: --max-file-size 3G: at most 256M is supported (each file is scanned whole, in memory)\n',
    );
    assert.doesNotMatch(run.stdout, /ERR_OUT_OF_RANGE/);
  });

  test('the largest supported size is accepted', () => {
    const small = join(work, 'small.txt');
    writeFileSync(small, 'nothing secret\n');
    const run = runCli(['scan', '--max-file-size', '256M', small]);
    assert.equal(run.code, 0, run.stderr);
  });

  test('a file that cannot be read makes the exit code 2, named in the warnings', () => {
    const tree = join(work, 'tree');
    mkdirSync(tree);
    chmodSync(work, 0o755);
    chmodSync(tree, 0o755);
    writeFileSync(join(tree, 'readable.txt'), 'nothing secret\n', { mode: 0o644 });
    writeFileSync(join(tree, 'private.txt'), 'unknown\n', { mode: 0o600 });
    // As nobody (uid 65534), the root-owned 0600 file is unreadable.
    const run = runCli(['scan', tree], { uid: 65534 });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stdout, /private\.txt: not scanned \(permission denied/);
    assert.match(run.stderr, /1 files or directories could not be read and were not scanned/);
  });
});
