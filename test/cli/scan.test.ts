import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { type MaterialisedTree, materialiseFiles } from '../support/materialise.js';
import { randomKeyHex } from '../support/secrets.js';

describe('signer-opsec scan', () => {
  const key = randomKeyHex();
  const other = randomKeyHex();
  const outsideKey = randomKeyHex();
  let tree: MaterialisedTree;
  let outside: MaterialisedTree;
  before(async () => {
    outside = await materialiseFiles({ 'secret.env': `PRIVATE_KEY=${outsideKey}\n` });
    tree = await materialiseFiles({
      'repo/signer.toml': `stacks_private_key = "${key}01"\n`,
      'repo/backup/.env': `SIGNER_PRIVATE_KEY=0x${key.toUpperCase()}\n`,
      'repo/notes.txt': `private_key = "${other}"\n`,
      'repo/.git/config': `private_key = "${other}"\n`,
      'repo/blob.bin': Buffer.concat([Buffer.from(`private_key = "${other}"\n`), Buffer.from([0, 1, 2])]),
      'repo/big.txt': `private_key = "${other}"\n${'x'.repeat(4096)}\n`,
      'repo/link-out': { symlink: join(outside.root, 'secret.env') },
      'repo/dir-out': { symlink: outside.root },
      'clean/readme.md': 'nothing here\n',
      'bad-baseline.json': '{"fingerprints": "nope"}',
      dangling: { symlink: 'nowhere' },
    });
  });
  after(() => {
    tree.cleanup();
    outside.cleanup();
  });

  const json = (args: string[]) => {
    const run = runCli(['scan', '--format', 'json', ...args]);
    return { ...run, report: run.stdout ? JSON.parse(run.stdout) : undefined };
  };
  const files = (report: { findings: { file: string }[] }) =>
    report.findings.map((finding) => finding.file.slice(tree.root.length + 1)).sort();

  test('exit 0 on a clean tree, 1 with findings', () => {
    assert.equal(runCli(['scan', join(tree.root, 'clean')]).code, 0);
    const run = json([join(tree.root, 'repo')]);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.report.schemaVersion, 1);
  });

  test('.git, binary files, oversized files and symlinks out of the root are skipped, with notes for the size cap', () => {
    const run = json(['--max-file-size', '1K', join(tree.root, 'repo')]);
    assert.deepEqual(files(run.report), ['repo/backup/.env', 'repo/notes.txt', 'repo/signer.toml']);
    assert.equal(run.report.stats.skippedBinary, 1);
    assert.equal(run.report.stats.skippedTooLarge, 1);
    assert.ok(
      run.report.warnings.some((warning: string) => warning.includes('big.txt') && warning.includes('larger than')),
    );
    assert.ok(!run.stdout.includes(outsideKey));
  });

  test('--include-git-dir and --include-binary read them when asked', () => {
    const run = json(['--include-git-dir', '--include-binary', join(tree.root, 'repo')]);
    const found = files(run.report);
    assert.ok(found.includes('repo/.git/config'));
    assert.ok(found.includes('repo/blob.bin'));
  });

  test('--key-from finds only the operator key, in both encodings, and not in its own config', () => {
    const run = json(['--key-from', join(tree.root, 'repo/signer.toml'), join(tree.root, 'repo')]);
    assert.deepEqual(files(run.report), ['repo/backup/.env']);
    assert.equal(run.report.findings[0].detector, 'operator-key');
  });

  test('--write-baseline then --baseline: accepted findings no longer fail; new ones do', () => {
    const baseline = join(tree.root, 'baseline.json');
    const write = runCli(['scan', '--write-baseline', baseline, join(tree.root, 'repo')]);
    assert.equal(write.code, 0, write.stderr);
    const saved = JSON.parse(readFileSync(baseline, 'utf8'));
    assert.equal(saved.schemaVersion, 1);
    assert.ok(!readFileSync(baseline, 'utf8').includes(key));
    const accepted = json(['--baseline', baseline, join(tree.root, 'repo')]);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.equal(accepted.report.stats.suppressedByBaseline, 4);
    const fresh = json(['--baseline', baseline, '--include-git-dir', join(tree.root, 'repo')]);
    assert.equal(fresh.code, 0, 'the .git copy is the same value, so the same fingerprint');
  });

  test('usage and input errors exit 2 with where and why', () => {
    const cases: [string[], RegExp][] = [
      [['--format', 'xml'], /--format xml/],
      [['--history', '--staged'], /exclusive/],
      [['--detectors', 'nope'], /--detectors nope/],
      [['--max-file-size', 'lots'], /--max-file-size lots/],
      [['--baseline', join(tree.root, 'missing.json')], /--baseline .*missing\.json: does not exist/],
      [['--baseline', join(tree.root, 'bad-baseline.json')], /bad-baseline\.json: not a signer-opsec baseline/],
      [['--key-from', join(tree.root, 'repo/notes.txt')], /has no stacks_private_key/],
      [['--bogus'], /bogus/],
    ];
    for (const [args, message] of cases) {
      const run = runCli(['scan', ...args, join(tree.root, 'clean')]);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, message);
    }
  });

  test('a named path that is missing or unreadable exits 2 with where and why; a clean tree beside it changes nothing', () => {
    const cases: [string, RegExp][] = [
      [join(tree.root, 'nonexistent'), /nonexistent: does not exist/],
      // A path through a regular file: ENOTDIR even for root, which may read anything else.
      [join(tree.root, 'repo/notes.txt/inner'), /inner: cannot be read \(a part of the path is not a directory\)/],
      [join(tree.root, 'dangling'), /dangling: does not exist/],
    ];
    for (const [path, message] of cases) {
      const run = runCli(['scan', join(tree.root, 'clean'), path]);
      assert.equal(run.code, 2, `${path}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, message);
    }
  });

  test('a bad --baseline or --key-from file is described by position only: none of its text is echoed', async () => {
    const secret = randomKeyHex();
    const inputs = await materialiseFiles({
      'key.txt': `${secret}01\n`,
      'half.json': `{"schemaVersion": 1, "fingerprints": ["${secret}`,
      'broken.toml': `stacks_private_key = ${secret}01\n`,
      'unterminated.toml': `stacks_private_key = "${secret}01\n`,
    });
    try {
      const cases: [string[], RegExp][] = [
        [['--baseline', join(inputs.root, 'key.txt')], /key\.txt: 1:\d+: not JSON/],
        [['--baseline', join(inputs.root, 'half.json')], /half\.json: 1:\d+: not JSON \(unterminated string\)/],
        [['--key-from', join(inputs.root, 'broken.toml')], /broken\.toml: line 1:\d+: not valid TOML/],
        [['--key-from', join(inputs.root, 'unterminated.toml')], /unterminated\.toml: line 1:\d+: not valid TOML/],
      ];
      for (const [args, message] of cases) {
        const run = runCli(['scan', ...args, join(tree.root, 'clean')]);
        assert.equal(run.code, 2, args.join(' '));
        assert.match(run.stderr, message);
        const output = (run.stdout + run.stderr).toLowerCase();
        // Not the key, nor any 8-character slice of it (V8's message quotes a few characters of the input).
        for (let at = 0; at + 8 <= secret.length; at++) {
          assert.ok(!output.includes(secret.slice(at, at + 8)), `${args.join(' ')} echoes part of the file`);
        }
      }
    } finally {
      inputs.cleanup();
    }
  });

  test('--output writes the report atomically and prints nothing', () => {
    const output = join(tree.root, 'report.sarif');
    const run = runCli(['scan', '--format', 'sarif', '--output', output, join(tree.root, 'repo')]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.ok(existsSync(output));
    assert.equal(JSON.parse(readFileSync(output, 'utf8')).version, '2.1.0');
  });
});
