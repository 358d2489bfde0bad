import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeRepo, testKey } from './repo.js';

const BLOB_BYTES = 5 * 1024 * 1024;
const BLOBS = 90;
const LIMIT_BYTES = 250 * 1024 * 1024;

/** ~5 MB of text per blob, a hash every 50 lines; each blob unique, a planted key in the last one. */
function fastImportStream(): Buffer {
  const line = (i: number) =>
    i % 50 === 0
      ? `checksum = "${createHash('sha256').update(String(i)).digest('hex')}"\n`
      : `Line ${i}: the signer checks each block proposal against its own view of the chain and votes.\n`;
  const body = Buffer.from(Array.from({ length: Math.ceil(BLOB_BYTES / line(0).length) }, (_, i) => line(i)).join(''));
  const parts: Buffer[] = [];
  for (let n = 0; n < BLOBS; n++) {
    const head = Buffer.from(
      `generation ${n}\n${n === BLOBS - 1 ? `SIGNER_PRIVATE_KEY=${testKey('memory')}01\n` : ''}`,
    );
    const content = Buffer.concat([head, body]);
    const message = `commit ${n}`;
    parts.push(
      Buffer.from(
        `commit refs/heads/main\ncommitter T <t@example.com> ${1_700_000_000 + n} +0000\ndata ${message.length}\n${message}\nM 100644 inline data/lock-${n % 7}.txt\ndata ${content.length}\n`,
      ),
      content,
      Buffer.from('\n'),
    );
  }
  return Buffer.concat(parts);
}

test('peak RSS stays under 250 MB while scanning a history far larger than that', () => {
  const repo = makeRepo('scan-memory-');
  try {
    const imported = spawnSync('git', ['-c', 'pack.compression=1', 'fast-import', '--quiet'], {
      cwd: repo.dir,
      input: fastImportStream(),
      maxBuffer: 16 * 1024 * 1024,
    });
    assert.equal(imported.status, 0, `git fast-import failed: ${imported.stderr}`);
    const historyModule = fileURLToPath(new URL('../../../src/secrets/git/index.js', import.meta.url));
    // A fresh process, so the peak is the scan's own. VmHWM, not getrusage's maxrss: Linux carries maxrss over
    // exec from the forked parent (this test process, which held the import stream).
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { scanGitHistory } = await import(${JSON.stringify(historyModule)});
         const result = await scanGitHistory(process.argv[1], {});
         const { readFileSync } = await import('node:fs');
         const hwm = Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
         console.log(JSON.stringify({ maxRss: hwm, stats: result.stats,
           findings: result.findings.map((f) => [f.file, f.commit]) }));`,
        repo.dir,
      ],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    assert.equal(child.status, 0, child.stderr);
    const report = JSON.parse(child.stdout) as {
      maxRss: number;
      stats: { commits: number };
      findings: [string, string][];
    };
    // Every commit was read (git diffs the 5 MB versions; only the added lines reach the scanner).
    assert.equal(report.stats.commits, BLOBS);
    assert.deepEqual(
      report.findings.map(([file]) => file),
      [`data/lock-${(BLOBS - 1) % 7}.txt`],
    );
    assert.ok(report.maxRss < LIMIT_BYTES, `peak RSS ${(report.maxRss / 1048576).toFixed(0)} MiB`);
  } finally {
    repo.cleanup();
  }
});
