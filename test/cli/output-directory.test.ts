import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { writeFileAtomic as writeAtomic } from '../../src/fs/atomic-write.js';
import { runCli } from '../support/cli.js';
import { BASE_USERS } from '../support/hosts.js';
import { materialiseFiles } from '../support/materialise.js';

// A missing output directory is a usage mistake: the message names the path given, never the internal temp file.

describe('output into a directory that does not exist', async () => {
  const host = await materialiseFiles({ ...BASE_USERS });
  const scratch = mkdtempSync(join(tmpdir(), 'so-out-'));
  writeFileSync(join(scratch, 'plain'), 'x');
  after(() => {
    host.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  const cases: [string, string[], string][] = [
    [
      'audit --output',
      ['audit', '--root', host.root, '--allow-empty', '--output', join(scratch, 'nodir/out.txt')],
      'nodir/out.txt',
    ],
    ['scan --write-baseline', ['scan', scratch, '--write-baseline', '/nonexistent/x.json'], '/nonexistent/x.json'],
    ['scan --output', ['scan', scratch, '--output', join(scratch, 'plain/out.json')], 'plain/out.json'],
  ];
  for (const [name, argv, target] of cases) {
    test(`${name}: exit 2, the path and its directory named, no temp name`, () => {
      const run = runCli(argv);
      assert.equal(run.code, 2, run.stderr);
      assert.ok(run.stderr.includes(target), run.stderr);
      assert.match(run.stderr, /: its directory .* does not exist|is not a directory/);
      assert.doesNotMatch(run.stderr, /\.tmp|ENOENT|ENOTDIR/);
    });
  }

  test('the library call names the target too, keeping the code', () => {
    const path = join(scratch, 'missing', 'file.json');
    assert.throws(
      () => writeAtomic(path, 'x'),
      (error: NodeJS.ErrnoException) =>
        error.code === 'ENOENT' &&
        error.message === `${path}: its directory ${join(scratch, 'missing')} does not exist`,
    );
    assert.deepEqual(readdirSync(scratch), ['plain']);
  });
});
