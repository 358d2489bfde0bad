import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from '../support/cli.js';

// Every write goes through src/fs/atomic-write.ts (writeFileAtomic, writeFreshFile, replaceWithSymlink), which
// decides in one place what an existing path may be: nothing else in src/ may write, rename or link a file.
// The behaviour of those functions on devices, FIFOs, directories and symlinks is tested in
// test/cli/output-special-files.test.ts and test/cli/write-output.test.ts.

const WRITE_MODULE = 'src/fs/atomic-write.ts';

const DIRECT_WRITE =
  /\b(?:writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|renameSync|rename|copyFileSync|copyFile|cpSync|cp|linkSync|link|symlinkSync|symlink|truncateSync|truncate|ftruncateSync)\s*\(|\bopenSync\s*\([^)]*['"](?:w|a|r\+)|O_WRONLY|O_RDWR|O_CREAT/;

// Each exception says why it is not a write of a file the tool produces.
const ALLOWED: Readonly<Record<string, string>> = {
  // The harden lock moves its own lock file to fresh random names (rename is what makes a takeover atomic) and
  // puts a lock back with link(2), which never replaces anything (EEXIST).
  'src/harden/lock.ts': 'renames and links of its own lock file',
  // The hidden passphrase prompt writes to the controlling terminal, not to a file.
  'src/cli/passphrase.ts': 'the /dev/tty prompt',
};

function sourceFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts')) files.push(path);
  }
  return files;
}

describe('one write function', () => {
  const files = sourceFiles(join(REPO_ROOT, 'src')).map((path) => relative(REPO_ROOT, path));

  test('the walk sees the source tree (including the write module itself)', () => {
    assert.ok(files.length > 100, `only ${files.length} files`);
    assert.ok(files.includes(WRITE_MODULE));
    assert.match(readFileSync(join(REPO_ROOT, WRITE_MODULE), 'utf8'), DIRECT_WRITE);
  });

  test('no file but src/fs/atomic-write.ts writes, renames or links files directly', () => {
    const offenders: string[] = [];
    for (const file of files) {
      if (file === WRITE_MODULE || Object.hasOwn(ALLOWED, file)) continue;
      const lines = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n');
      lines.forEach((line, index) => {
        const code = line.replace(/\/\/.*$/, '').replace(/\/\*.*$/, '');
        if (DIRECT_WRITE.test(code) && !/^\s*\*/.test(line)) offenders.push(`${file}:${index + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(offenders, []);
  });
});
