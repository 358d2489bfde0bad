import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CommitHeader, type FilePatch, hunkStart, PatchParser } from '../../../src/secrets/git/patch-parser.js';

/** A file as handed over, its views copied out (the parser reuses their memory for the next file). */
interface Seen {
  commit: string;
  path: string;
  blob: string | undefined;
  binary: boolean;
  text: string;
  lineNumbers: number[];
  truncated: boolean;
}

/** Parses `patch` fed in chunks of `chunkBytes` (all at once by default). */
function parse(patch: string | Buffer, maxAddedBytes = 1024 * 1024, chunkBytes = Number.POSITIVE_INFINITY) {
  const files: Seen[] = [];
  const commits: CommitHeader[] = [];
  const parser = new PatchParser(
    (file: FilePatch) =>
      files.push({
        commit: file.commit.commit,
        path: file.path,
        blob: file.blob,
        binary: file.binary,
        text: file.text.toString('latin1'),
        lineNumbers: [...file.lineNumbers],
        truncated: file.truncated,
      }),
    maxAddedBytes,
    (commit) => commits.push(commit),
  );
  // UTF-8, as git writes names and headers.
  const bytes = typeof patch === 'string' ? Buffer.from(patch, 'utf8') : patch;
  for (let at = 0; at < bytes.length; at += Math.min(chunkBytes, bytes.length)) {
    // A copy, filled with garbage once pushed: the parser must keep nothing of a chunk.
    const chunk = Buffer.from(bytes.subarray(at, Math.min(bytes.length, at + chunkBytes)));
    parser.push(chunk);
    chunk.fill(0x2b);
  }
  parser.end();
  return { files, commits, parser };
}

const C1 = 'a'.repeat(40);
const C2 = 'b'.repeat(40);
const BLOB = '1'.repeat(40);

/** A commit header line as COMMIT_FORMAT makes it. */
const header = (commit: string, author = 'T <t@example.com>') =>
  `\u0001${commit}\t2024-01-02T03:04:05+00:00\t${author}\n`;

const SAMPLE = [
  header(C1, 'Zoë Ünïcode <z@example.com>'),
  'diff --git a/conf/signer.toml b/conf/signer.toml\n',
  `index ${'0'.repeat(40)}..${BLOB} 100644\n`,
  '--- a/conf/signer.toml\n',
  '+++ b/conf/signer.toml\n',
  '@@ -1,2 +1,3 @@ [section]\n',
  '-old\n',
  '-old2\n',
  '+first\n',
  '+second\r\n',
  '+\n',
  '@@ -10 +20,0 @@\n',
  '-gone\n',
  '@@ -30,0 +40 @@ fn main() {\n',
  '+last\n',
  '\\ No newline at end of file\n',
  'diff --git a/bin.dat b/bin.dat\n',
  `index 0000000000000000000000000000000000000000..${'2'.repeat(40)}\n`,
  'Binary files /dev/null and b/bin.dat differ\n',
  header(C2),
  'diff --git a/gone.txt b/gone.txt\n',
  'deleted file mode 100644\n',
  `index ${BLOB}..${'0'.repeat(40)}\n`,
  'diff --git "a/t\\303\\251st\\tx" "b/t\\303\\251st\\tx"\n',
  `index ${'0'.repeat(40)}..${'3'.repeat(40)}\n`,
  '--- /dev/null\n',
  '+++ "b/t\\303\\251st\\tx"\n',
  '@@ -0,0 +1,5 @@\n',
  '+diff --git a/x b/x\n',
  '++++ b/not-a-path\n',
  '+@@ -1 +1 @@\n',
  '+\u0001not a commit\n',
  '+index 1..2\n',
  'diff --git a/with space b/with space\n',
  '--- a/with space\t\n',
  '+++ b/with space\t\n',
  '@@ -3 +3 @@\n',
  '-a\n',
  '+b\n',
].join('');

describe('PatchParser', () => {
  test('added lines, their numbers from the hunk headers, the blob, binary files and commit headers', () => {
    const { files, commits, parser } = parse(SAMPLE);
    assert.equal(parser.commits, 2);
    assert.deepEqual(
      commits.map(({ commit, author }) => [commit, author]),
      [
        [C1, 'Zoë Ünïcode <z@example.com>'],
        [C2, 'T <t@example.com>'],
      ],
    );
    assert.deepEqual(files, [
      {
        commit: C1,
        path: 'conf/signer.toml',
        blob: BLOB,
        binary: false,
        // CR kept (a CRLF file's lines end in it); no LF after the last line; `\` lines are no content.
        text: 'first\nsecond\r\n\nlast',
        lineNumbers: [1, 2, 3, 40],
        truncated: false,
      },
      { commit: C1, path: 'bin.dat', blob: '2'.repeat(40), binary: true, text: '', lineNumbers: [], truncated: false },
      // gone.txt: deleted, not handed over. Content lines that look like headers stay content.
      {
        commit: C2,
        path: 'tést\tx',
        blob: '3'.repeat(40),
        binary: false,
        text: 'diff --git a/x b/x\n+++ b/not-a-path\n@@ -1 +1 @@\n\u0001not a commit\nindex 1..2',
        lineNumbers: [1, 2, 3, 4, 5],
        truncated: false,
      },
      {
        commit: C2,
        path: 'with space',
        blob: undefined,
        binary: false,
        text: 'b',
        lineNumbers: [3],
        truncated: false,
      },
    ]);
  });

  test('the same files whatever the chunks the pipe cut the patch in', () => {
    const whole = parse(SAMPLE).files;
    for (const size of [1, 2, 3, 5, 7, 13, 64, 100])
      assert.deepEqual(parse(SAMPLE, 1024, size).files, whole, `${size}`);
  });

  test('a combined diff (merge): one mark column per parent, added only when added against every parent', () => {
    const patch = [
      header(C1),
      'diff --cc merged.txt\n',
      `index ${BLOB},${'2'.repeat(40)}..${'3'.repeat(40)}\n`,
      '--- a/merged.txt\n',
      '+++ b/merged.txt\n',
      '@@@ -1,2 -1,2 +5,4 @@@\n',
      '++resolution\n',
      '+ from the first parent\n',
      ' +from the second\n',
      '--removed from both\n',
      '- removed\n',
      '++again\n',
      'diff --combined "sp\\303\\251cial"\n',
      '@@@@ -1 -1 -1 +7 @@@@\n',
      '+++octopus\n',
      '++ not from the third\n',
    ].join('');
    const { files } = parse(patch);
    assert.deepEqual(
      files.map(({ path, text, lineNumbers }) => ({ path, text, lineNumbers })),
      [
        { path: 'merged.txt', text: 'resolution\nagain', lineNumbers: [5, 8] },
        { path: 'spécial', text: 'octopus', lineNumbers: [7] },
      ],
    );
  });

  test('a line of exactly the cap is kept; one byte more truncates, and nothing after it is kept', () => {
    const patch = (body: string) =>
      `${header(C1)}diff --git a/f b/f\nindex 0..${BLOB}\n@@ -0,0 +1,2 @@\n+${body}\n+after\n`;
    // The cap counts each kept line with its LF.
    const atCap = parse(patch('x'.repeat(15)), 16 + 6).files[0];
    assert.deepEqual([atCap?.text, atCap?.truncated], [`${'x'.repeat(15)}\nafter`, false]);
    const exactly = parse(patch('x'.repeat(15)), 16).files[0];
    assert.deepEqual([exactly?.text, exactly?.lineNumbers, exactly?.truncated], ['x'.repeat(15), [1], true]);
    const over = parse(patch('x'.repeat(16)), 16).files[0];
    assert.deepEqual([over?.text, over?.lineNumbers, over?.truncated, over?.blob], ['', [], true, BLOB]);
  });

  test('added text grows past its first buffer; a line longer than a pipe chunk is read whole', () => {
    const long = 'k'.repeat(3 * 1024 * 1024 + 17);
    const many = Array.from({ length: 5000 }, (_, i) => `+line ${i} ${'y'.repeat(i % 90)}\n`).join('');
    const patch = `${header(C1)}diff --git a/big b/big\n@@ -0,0 +1,5002 @@\n+${long}\n${many}-${long}\n+end\n`;
    const { files } = parse(patch, 64 * 1024 * 1024, 65536);
    const lines = files[0]?.text.split('\n') ?? [];
    assert.equal(lines.length, 5002);
    assert.equal(lines[0], long);
    assert.equal(lines[4999], `line 4998 ${'y'.repeat(4998 % 90)}`);
    assert.equal(lines[5001], 'end');
    assert.deepEqual(files[0]?.lineNumbers.slice(-2), [5001, 5002]);
  });

  test('the last line needs no LF; a patch before any commit header is ignored', () => {
    const { files } = parse(
      `diff --git a/x b/x\n@@ -0,0 +1 @@\n+before\n${header(C1)}diff --git a/y b/y\n@@ -0,0 +1 @@\n+kept`,
    );
    assert.deepEqual(
      files.map(({ path, text }) => [path, text]),
      [['y', 'kept']],
    );
  });

  test('/dev/null as the new side: nothing handed over', () => {
    const { files } = parse(`${header(C1)}diff --git a/x b/x\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n`);
    assert.deepEqual(files, []);
  });
});

describe('hunkStart', () => {
  const at = (line: string) => hunkStart(Buffer.from(line, 'latin1'), 0, line.length);
  test('the new side start of a hunk header, -1 for what is not one', () => {
    assert.equal(at('@@ -1,2 +3,4 @@'), 3);
    assert.equal(at('@@ -1 +3 @@ fn x() {'), 3);
    assert.equal(at('@@ -0,0 +1 @@'), 1);
    assert.equal(at('@@@ -1,2 -3 +45,6 @@@'), 45);
    assert.equal(at('@@ -1, +3 @@'), -1);
    assert.equal(at('@@ +3 @@'), -1);
    assert.equal(at('@ -1 +3 @'), -1);
    assert.equal(at('@@ -1 +3,4@@'), -1);
    assert.equal(at('@@ -1 +3, @@'), -1);
    assert.equal(at('@@  -1 +3 @@'), -1);
    assert.equal(at('@@ -x +3 @@'), -1);
    // Read within its first 200 bytes only, as git's are short.
    const parents = Array.from({ length: 40 }, () => '-1,2 ').join('');
    assert.equal(at(`@@ ${parents}+9 @@`), -1);
    assert.equal(at(`@@ ${'-1,2 '.repeat(38)}+9 @@`), 9);
  });
});
