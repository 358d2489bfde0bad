// Recall of the patch-based history scan on real git histories: every way a secret can enter a history is found,
// attributed to the commit that introduced it, and reported once per (secret, path) with where it still is.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatScanJson } from '../../../src/secrets/format/json.js';
import { formatScanSarif } from '../../../src/secrets/format/sarif.js';
import { formatScanText } from '../../../src/secrets/format/text.js';
import { scanGitHistory } from '../../../src/secrets/git/index.js';
import type { Finding, ScanResult } from '../../../src/secrets/types.js';
import { runCli } from '../../support/cli.js';
import { makeRepo, type TestRepo, testKey, testMnemonic } from './repo.js';

describe('history recall: one finding per leak', () => {
  const keys = {
    removed: testKey('recall removed'),
    side: testKey('recall side'),
    stash: testKey('recall stash'),
    merge: testKey('recall merge'),
    renamed: testKey('recall renamed'),
    readded: testKey('recall readded'),
    context: testKey('recall context'),
  };
  const mnemonic = testMnemonic('recall three lines', 12);
  const commits: Record<string, string> = {};
  let repo: TestRepo;
  let result: ScanResult;
  const at = (file: string): Finding[] => result.findings.filter((finding) => finding.file === file);

  before(async () => {
    repo = makeRepo('scan-recall-');
    repo.write('README.md', '# ops\n');
    repo.write('conflict.toml', 'mode = "base"\n');
    commits.base = repo.commit('base');

    // Added then removed.
    repo.write('old/signer.toml', `node_host = "127.0.0.1:20443"\nstacks_private_key = "${keys.removed}"\n`);
    commits.removed = repo.commit('add key');
    repo.git('rm', '-q', 'old/signer.toml');
    repo.commit('remove key');

    // A mnemonic over three added lines, and a key named by the YAML block above it (context a patch may lack).
    const words = mnemonic.split(' ');
    repo.write(
      'wallet.txt',
      `${words.slice(0, 4).join(' ')}\n${words.slice(4, 8).join(' ')}\n${words.slice(8).join(' ')}\n`,
    );
    repo.write('values.yaml', 'signer:\n  private_keys:\n    - "placeholder"\n');
    commits.mnemonic = repo.commit('wallet words');
    repo.write('values.yaml', `signer:\n  private_keys:\n    - "${keys.context}"\n`);
    commits.context = repo.commit('real key under a header the patch does not show');

    // Renamed after the key was added.
    repo.write('deploy/.env', `SIGNER_PRIVATE_KEY=${keys.renamed}01\n`);
    commits.renamedAdd = repo.commit('env');
    repo.git('mv', 'deploy/.env', 'deploy/signer.env');
    commits.rename = repo.commit('rename');

    // Re-added after removal: one group, two additions.
    repo.write('ops/key.toml', `mining_key = "${keys.readded}"\n`);
    commits.readdFirst = repo.commit('first time');
    repo.write('ops/key.toml', 'mining_key = "none"\n');
    repo.commit('removed');
    repo.write('ops/key.toml', `mining_key = "${keys.readded}"\n`);
    commits.readdSecond = repo.commit('again');

    // A side branch only.
    repo.git('checkout', '-q', '-b', 'side', commits.base);
    repo.write('side/naïve secret.toml', `stacks_private_key = "${keys.side}"\n`);
    commits.side = repo.commit('side key');

    // A merge whose conflict resolution adds a key neither parent had.
    repo.git('checkout', '-q', '-b', 'left', commits.base);
    repo.write('conflict.toml', 'mode = "left"\n');
    repo.commit('left');
    repo.git('checkout', '-q', '-b', 'right', commits.base);
    repo.write('conflict.toml', 'mode = "right"\n');
    repo.commit('right');
    repo.git('checkout', '-q', 'left');
    try {
      repo.git('merge', '-q', 'right', '-m', 'merge');
    } catch {
      // The expected conflict: resolved by hand below.
    }
    repo.write('conflict.toml', `mode = "both"\nstacks_private_key = "${keys.merge}"\n`);
    repo.git('add', 'conflict.toml');
    repo.git('commit', '-q', '--no-edit');
    commits.merge = repo.git('rev-parse', 'HEAD');
    repo.git('branch', '-q', '-D', 'right');

    // A stash only.
    repo.git('checkout', '-q', 'main');
    repo.write('README.md', `# ops\nmining_key = "${keys.stash}"\n`);
    repo.git('stash', 'push', '-q', '-m', 'wip');
    commits.stash = repo.git('rev-parse', 'stash@{0}');

    result = await scanGitHistory(repo.dir, {});
  });
  after(() => repo.cleanup());

  test('a key added then removed: its commit, and no ref tip holds it', () => {
    const [finding, ...more] = at('old/signer.toml');
    assert.equal(more.length, 0);
    assert.equal(finding?.commit, commits.removed);
    assert.equal(finding?.line, 2);
    assert.deepEqual(finding?.inRefs, []);
  });

  test('a key on a side branch only: still at that branch tip', () => {
    const [finding] = at('side/naïve secret.toml');
    assert.equal(finding?.commit, commits.side);
    assert.deepEqual(finding?.inRefs, ['side']);
  });

  test('a key only in a stash: found, the stash entry holds it', () => {
    const [finding, ...more] = at('README.md');
    assert.equal(more.length, 0);
    assert.equal(finding?.detector, 'stacks-private-key');
    assert.ok([commits.stash, repo.git('rev-parse', 'stash@{0}^2')].includes(finding?.commit ?? ''));
    assert.deepEqual(finding?.inRefs, ['stash@{0}']);
  });

  test('a key a merge resolution introduced: attributed to the merge commit', () => {
    const [finding, ...more] = at('conflict.toml');
    assert.equal(more.length, 0);
    assert.equal(finding?.commit, commits.merge);
    assert.equal(finding?.line, 2);
    assert.deepEqual(finding?.inRefs, ['left']);
  });

  test('a mnemonic over three added lines', () => {
    const [finding] = at('wallet.txt');
    assert.equal(finding?.detector, 'bip39-mnemonic');
    assert.equal(finding?.commit, commits.mnemonic);
    assert.equal(finding?.line, 1);
  });

  test('a key named only by the block header above the added line', () => {
    const [finding] = at('values.yaml');
    assert.equal(finding?.commit, commits.context);
    assert.equal(finding?.line, 3);
  });

  test('a file renamed after the key was added: both paths, each with the commit that put it there', () => {
    assert.equal(at('deploy/.env')[0]?.commit, commits.renamedAdd);
    assert.deepEqual(at('deploy/.env')[0]?.inRefs, []);
    assert.equal(at('deploy/signer.env')[0]?.commit, commits.rename);
    assert.deepEqual(at('deploy/signer.env')[0]?.inRefs, ['main', 'stash@{0}']);
  });

  test('a key re-added after removal: one group, first commit, added again once', () => {
    const found = at('ops/key.toml');
    assert.equal(found.length, 1);
    assert.equal(found[0]?.commit, commits.readdFirst);
    assert.equal(found[0]?.addedAgain, 1);
    assert.deepEqual(found[0]?.inRefs, ['main', 'stash@{0}']);
  });

  test('nothing else, and more additions than findings', () => {
    assert.equal(
      result.findings.length,
      9,
      result.findings.map(({ file, line, detector }) => `${file}:${line} ${detector}`).join('\n'),
    );
    assert.equal(result.stats.additions, 10);
    assert.equal(result.incomplete, undefined);
  });

  test('text, JSON and SARIF show the grouping and carry no secret', () => {
    const report = {
      findings: result.findings,
      stats: { ...result.stats, suppressedByBaseline: 0 },
      warnings: result.warnings,
      toolVersion: 'test',
    };
    const text = formatScanText(report);
    assert.match(
      text,
      /ops\/key\.toml:1:\d+ \[introduced in commit [0-9a-f]{12} .*; added again in 1 commit\(s\); still at the tip of main, stash@\{0\}\]/,
    );
    assert.match(text, /old\/signer\.toml:2:\d+ \[.*removed from every ref tip, still in history\]/);
    const json = JSON.parse(formatScanJson(report));
    const readded = json.findings.find((finding: { file: string }) => finding.file === 'ops/key.toml');
    assert.equal(readded.addedAgain, 1);
    assert.deepEqual(readded.inRefs, ['main', 'stash@{0}']);
    const sarif = JSON.parse(formatScanSarif(report));
    const result0 = sarif.runs[0].results.find(
      (item: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
        item.locations[0]?.physicalLocation.artifactLocation.uri === 'side/na%C3%AFve%20secret.toml',
    );
    assert.deepEqual(result0.properties.inRefs, ['side']);
    assert.match(result0.message.text, /still at the tip of side/);
    for (const output of [text, JSON.stringify(json), JSON.stringify(sarif), JSON.stringify(result)]) {
      for (const key of Object.values(keys)) assert.ok(!output.toLowerCase().includes(key), 'a key leaked');
      assert.ok(!output.includes(mnemonic.split(' ').slice(0, 3).join(' ')), 'the mnemonic leaked');
    }
  });

  test('--since and --range see only the commits they name', async () => {
    const since = await scanGitHistory(repo.dir, {}, { since: commits.readdFirst });
    assert.ok(since.findings.every((finding) => finding.file !== 'old/signer.toml'));
    assert.ok(since.findings.some((finding) => finding.file === 'side/naïve secret.toml'));
    const range = await scanGitHistory(repo.dir, {}, { range: `${commits.base}..${commits.side}` });
    assert.deepEqual(
      range.findings.map(({ file }) => file),
      ['side/naïve secret.toml'],
    );
    await assert.rejects(scanGitHistory(repo.dir, {}, { range: '--output=/tmp/x' }), /not a revision name/);
    // The patch walk starts on rev-list's first lines: a listing that fails stops it and reports why, no hang.
    await assert.rejects(scanGitHistory(repo.dir, {}, { since: 'no-such-ref' }), /git rev-list/);
  });

  test('a baseline written from the grouped history accepts it by fingerprint', () => {
    const dir = mkdtempSync(join(tmpdir(), `scan-recall-baseline-${process.pid}-`));
    try {
      const baseline = join(dir, 'baseline.json');
      const written = runCli(['scan', '--history', repo.dir, '--write-baseline', baseline]);
      assert.equal(written.code, 0, written.stderr);
      const again = runCli(['scan', '--history', repo.dir, '--baseline', baseline, '--format', 'json']);
      assert.equal(again.code, 0, again.stderr);
      const report = JSON.parse(again.stdout);
      assert.deepEqual(report.findings, []);
      assert.equal(report.stats.suppressedByBaseline, result.findings.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a repository borrowing objects from outside its directory is refused, naming the file; includes are not read', async () => {
    const dir = mkdtempSync(join(tmpdir(), `scan-recall-shared-${process.pid}-`));
    try {
      // git would read the objects of `repo` (outside `clone`) through objects/info/alternates: issue 18, item 2.
      const clone = join(dir, 'clone');
      repo.git('clone', '-q', '--shared', repo.dir, clone);
      await assert.rejects(scanGitHistory(clone, {}), (error: Error) => {
        assert.match(error.message, /clone\/\.git\/objects\/info\/alternates: names .*not a directory inside/);
        return true;
      });
      // An include is never read (git gets a config of our own), and the scan says so.
      const copy = join(dir, 'copy');
      repo.git('clone', '-q', '--no-local', repo.dir, copy);
      repo.git('-C', copy, 'config', 'include.path', join(dir, 'elsewhere.gitconfig'));
      const included = await scanGitHistory(copy, {});
      assert.ok(
        included.warnings.some((line) => /include\/includeIf files were not read/.test(line)),
        included.warnings.join('\n'),
      );
      assert.ok(included.findings.length > 0);
      assert.equal(included.incomplete, undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
