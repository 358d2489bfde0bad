import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { scanWorkers } from '../../src/secrets/tree-threads.js';
import { localTree, ScanRootError, scanTree } from '../../src/secrets/walk.js';
import type { FileSpec, MaterialisedTree } from '../support/materialise.js';
import { materialiseFiles } from '../support/materialise.js';
import { randomMnemonic, randomUnambiguousKeyHex } from '../support/secrets.js';
import { buildCorpus, type Corpus } from './corpus.js';

// A local tree scanned on several threads (tree-threads.ts) reports exactly what one thread reports: the same
// findings with the same fingerprints (the slow ones computed in the workers), the same warnings, the same stats, in
// the same order, whichever thread scanned which file.

const MAX_FILE_BYTES = 16 * 1024;

describe('a local tree scanned on worker threads', () => {
  let corpus: Corpus;
  let tree: MaterialisedTree;
  const values: string[] = [];
  let tooLarge = 0;
  before(async () => {
    corpus = buildCorpus();
    const files: FileSpec = { ...corpus.files };
    // Many files, so that batches of 16 go to every thread: planted keys, mnemonics and guessable passwords (scrypt
    // fingerprints) among decoys, files over the size cap, binaries and a link out, in every stretch of the walk.
    for (let i = 0; i < 400; i++) {
      const name = `filler/${String(Math.floor(i / 50)).padStart(2, '0')}/${String(i).padStart(3, '0')}`;
      if (i % 7 === 0) {
        const key = randomUnambiguousKeyHex();
        values.push(key);
        files[`${name}.env`] = `# service ${i}\nSIGNER_PRIVATE_KEY=${key}\n`;
      } else if (i % 23 === 0) {
        const words = randomMnemonic(12).join(' ');
        values.push(words);
        files[`${name}.txt`] = `backup of wallet ${i}\n${words}\n`;
      } else if (i % 13 === 0) {
        values.push(`hunter${i}`);
        files[`${name}.conf`] = `[burnchain]\npassword = hunter${i}\nrpcpassword=hunter${i}\n`;
      } else if (i % 17 === 0) {
        tooLarge++;
        files[`${name}.log`] = `checksum ${'ab'.repeat(MAX_FILE_BYTES)}\n`;
      } else if (i % 29 === 0) files[`${name}.bin`] = Buffer.from([0, 1, 2, 3, 0x70, 0x72, 0x69, 0x76]);
      else if (i % 31 === 0) files[`${name}-link`] = { symlink: '/etc/passwd' };
      else files[`${name}.txt`] = `checksum = "${'0123456789abcdef'.repeat(4)}"\nline ${i}\n`;
    }
    tree = await materialiseFiles(files);
    // A FIFO in the walk: it is judged by its type and never opened (opening it would block).
    const fifo = spawnSync('mkfifo', [join(tree.root, 'filler/03/pipe')]);
    assert.equal(fifo.status, 0, String(fifo.stderr));
  });
  after(() => tree.cleanup());

  test('the same findings, fingerprints, warnings and stats, in the same order, as on one thread', async () => {
    const options = { maxFileBytes: MAX_FILE_BYTES, requireRoots: true };
    const one = await scanTree(localTree, [tree.root], { ...options, threads: 1 });
    const startedBefore = scanWorkers().started;
    const three = await scanTree(localTree, [tree.root], { ...options, threads: 3, threadsAfterBytes: 0 });
    assert.equal(scanWorkers().started - startedBefore, 2, 'the scan did not start its two workers');
    assert.equal(scanWorkers().running, 0);
    assert.deepEqual(three, one);
    // This thread looks at the workers after every file, so an idle one takes part of its batch (how often depends
    // on timing; the result must not).
    const shared = await scanTree(localTree, [tree.root], {
      ...options,
      threads: 2,
      threadsAfterBytes: 0,
      threadsYieldBytes: 1,
    });
    assert.deepEqual(shared, one);
    // What the tree holds was found: the corpus labels, the planted keys, mnemonics and passwords.
    assert.ok(one.findings.length >= corpus.labels.length + values.length, `${one.findings.length} findings`);
    assert.equal(one.stats.skippedTooLarge, tooLarge);
    assert.equal(one.warnings.filter((warning) => warning.includes('larger than')).length, tooLarge);
    const text = JSON.stringify(three);
    for (const value of [...values, ...corpus.values]) assert.ok(!text.includes(value), 'a secret value in the result');
  });

  test('a small tree is scanned on this thread alone', async () => {
    const startedBefore = scanWorkers().started;
    const result = await scanTree(localTree, [join(tree.root, 'filler/00')], { maxFileBytes: MAX_FILE_BYTES });
    assert.equal(scanWorkers().started, startedBefore);
    assert.ok(result.findings.length > 0);
  });

  test('a missing root after a tree the workers scanned is refused, and the workers are stopped', async () => {
    const startedBefore = scanWorkers().started;
    await assert.rejects(
      scanTree(localTree, [tree.root, join(tree.root, 'missing')], {
        maxFileBytes: MAX_FILE_BYTES,
        requireRoots: true,
        threads: 2,
        threadsAfterBytes: 0,
      }),
      (error: Error) => error instanceof ScanRootError && error.message.endsWith('missing: does not exist'),
    );
    assert.equal(scanWorkers().started - startedBefore, 1);
    // Left running, a worker would keep the process alive after the CLI printed its error.
    assert.equal(scanWorkers().running, 0);
  });
});
