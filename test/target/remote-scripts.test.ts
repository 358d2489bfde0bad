// The scripts the remote side runs, run here by the system sh (dash on Debian) against real repositories and tools:
// the history search finds the key where it was committed and says nothing but where; every option beyond POSIX that
// a script uses is probed when a connection opens, and real busybox tools are refused with their names.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { operatorKeyFromHex } from '../../src/secrets/operator-key.js';
import {
  gitHistorySearchScript,
  LINKS_SCRIPT,
  NET_TCP_SCRIPT,
  PROBE_SCRIPT,
  PROCESSES_SCRIPT,
  REMOTE_TOOL_PROBES,
  runScript,
  searchScript,
  sha256Script,
  statScript,
  tarScript,
  treeStatScript,
} from '../../src/target/remote-scripts.js';
import { SHELL_LOOP } from '../../src/target/ssh-connection.js';
import { parseGitHistoryStreams } from '../../src/target/ssh-target.js';
import { assertNoKey } from '../support/key-leaks.js';

const KEY = '5ca7fb266168014ed0a748bf8d6778aa17adbfab7562f7f1bb9d19b03c96e803';
const needles = operatorKeyFromHex(`${KEY}01`)!.encodings;

function gitIn(dir: string, date = '2024-01-01T00:00:00Z') {
  return (...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: '/nonexistent',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'Op Erator',
        GIT_AUTHOR_EMAIL: 'op@example.invalid',
        GIT_COMMITTER_NAME: 'Op Erator',
        GIT_COMMITTER_EMAIL: 'op@example.invalid',
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      },
    }).trim();
}

/** Runs the search script as the remote loop does: the needles on its standard input only. */
function search(gitDir: string) {
  const run = spawnSync('sh', ['-c', gitHistorySearchScript(gitDir, 60)], {
    input: `${needles.join('\n')}\n`,
    encoding: 'utf8',
  });
  return { run, parsed: parseGitHistoryStreams(run.stdout, run.stderr) };
}

describe('the remote history search (gitHistorySearchScript)', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'h-fleet-history-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('finds the key in a removed file and in an older stash entry, and outputs no line of a file', () => {
    const repo = join(work, 'repo');
    mkdirSync(repo);
    const git = gitIn(repo);
    git('init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'notes.txt'), 'one\ntwo\nthree\n');
    git('add', '.');
    git('commit', '-q', '-m', 'notes');
    // Line 3 of a new file, in upper case after "0x": added, then removed.
    writeFileSync(join(repo, 'signer.env'), `# signer\nNAME=a\nKEY=0x${KEY.toUpperCase()}01\n`);
    git('add', '.');
    gitIn(repo, '2024-02-01T00:00:00Z')('commit', '-q', '-m', 'env');
    const introducer = git('rev-parse', 'HEAD');
    git('rm', '-q', 'signer.env');
    gitIn(repo, '2024-03-01T00:00:00Z')('commit', '-q', '-m', 'drop');
    // An older stash entry (stash@{1}) holds it in base64, the newer one does not.
    writeFileSync(join(repo, 'notes.txt'), `one\n${Buffer.from(KEY, 'hex').toString('base64')}\nthree\n`);
    gitIn(repo, '2024-04-01T00:00:00Z')('stash', '-q');
    writeFileSync(join(repo, 'notes.txt'), 'one\nchanged\nthree\n');
    gitIn(repo, '2024-05-01T00:00:00Z')('stash', '-q');
    const { run, parsed } = search(join(repo, '.git'));
    assert.equal(run.status, 0, run.stderr);
    assert.equal(parsed.gitStatus, 0);
    assert.equal(parsed.grepStatus, 0);
    const added = parsed.matches.filter((match) => match.added);
    const env = added.find((match) => match.file === 'signer.env')!;
    assert.deepEqual(env, {
      commit: introducer,
      date: '2024-02-01T00:00:00+00:00',
      author: 'Op Erator',
      file: 'signer.env',
      line: 3,
      added: true,
    });
    // The removal is seen too (not added), and the older stash entry's line 2 of notes.txt.
    assert.ok(parsed.matches.some((match) => match.file === 'signer.env' && !match.added));
    assert.ok(
      added.some((match) => match.file === 'notes.txt' && match.line === 2),
      JSON.stringify(parsed.matches),
    );
    for (const text of [run.stdout, run.stderr]) {
      assertNoKey(text, KEY, 'the search output');
      for (const needle of needles)
        assert.ok(!text.toLowerCase().includes(needle.toLowerCase()), 'a needle in the output');
      assert.ok(!/one|three|NAME=|signer\b/.test(text.replace(/signer\.env|signer-opsec/g, '')), text);
    }
  });

  test('a clean history is no match; a history git cannot read is a failed walk, never a clean one', () => {
    const repo = join(work, 'clean');
    mkdirSync(repo);
    const git = gitIn(repo);
    git('init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'a'), 'nothing here\n');
    git('add', '.');
    git('commit', '-q', '-m', 'a');
    const clean = search(join(repo, '.git'));
    assert.deepEqual([clean.parsed.matches, clean.parsed.commits, clean.parsed.gitStatus], [[], 1, 0]);
    assert.equal(clean.parsed.grepStatus, 1);
    // A missing object: the walk fails and says so.
    const blob = git('rev-parse', 'HEAD:a');
    rmSync(join(repo, '.git/objects', blob.slice(0, 2), blob.slice(2)));
    const broken = search(join(repo, '.git'));
    assert.notEqual(broken.parsed.gitStatus, 0);
  });
});

/** Every script the remote side may run. */
function allScripts(): string[] {
  const limits = { maxDepth: 5, maxFileBytes: 1024, includeGitDir: false };
  return [
    SHELL_LOOP,
    statScript('/', ['/etc'], ['/var/lib']),
    treeStatScript('/', ['/etc'], 3),
    tarScript('/', ['/etc/passwd'], ['/etc']),
    PROCESSES_SCRIPT,
    LINKS_SCRIPT,
    NET_TCP_SCRIPT,
    // timeout-ok: scripts only built and checked for the tools they use, never run.
    runScript('nft', ['-j', 'list', 'ruleset'], { timeoutMs: 1000 }),
    // timeout-ok: as above.
    runScript('stacks-signer', ['--version'], { timeoutMs: 1000, unprivileged: true }),
    sha256Script('/usr/bin/env'),
    searchScript('/', ['/root'], limits, 100),
    gitHistorySearchScript('/root/.git', 60),
  ];
}

/** Options beyond POSIX, and the probe that covers each. */
const BEYOND_POSIX: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bstat --printf\b/, 'stat --printf'],
  [/\bfind\b[^\n|]*-(mindepth|maxdepth|print0)\b/, 'find -mindepth -maxdepth -print0'],
  [/\bxargs -0 -r\b/, 'xargs -0 -r'],
  [/\bhead -c\b/, 'head -c'],
  [/\bbase64 -w0\b/, 'base64 -w0'],
  [/\bgrep\b[^\n|]* -Z\b/, 'grep -l -a -i -F -Z -f'],
  [/--ignore-failed-read\b/, 'tar --ignore-failed-read --no-recursion'],
  [/\btimeout -s KILL\b/, 'timeout -s KILL'],
  [/\bsha256sum\b/, 'sha256sum'],
];
/** GNU-only options no script may use at all (no probe would make them safe to rely on). */
const FORBIDDEN = [
  /-printf\b/,
  /\bstat -c\b/,
  /\breadlink -f\b/,
  /\bsed -i\b/,
  /\bsed -E\b/,
  /\bgrep -P\b/,
  /\bpipefail\b/,
  /\[\[/,
  /\blocal\b/,
  /\$'/,
  /\bawk\b/,
];

test('every option beyond POSIX a remote script uses is probed when the connection opens; GNU-only forms are absent', () => {
  const probed = new Set(REMOTE_TOOL_PROBES.map(([name]) => name));
  const used = new Set<string>();
  for (const script of allScripts()) {
    for (const [pattern, probe] of BEYOND_POSIX) if (pattern.test(script)) used.add(probe);
    // stat --printf is the one non-POSIX stat use: --printf in a probe is its own check.
    for (const pattern of FORBIDDEN)
      assert.ok(!pattern.test(script.replace(/stat --printf/g, 'stat')), `${pattern} in:\n${script}`);
  }
  assert.ok(used.size >= 8, [...used].join(', '));
  for (const probe of used) assert.ok(probed.has(probe), `${probe} is used but not probed`);
});

test('the probe: nothing missing with this machine’s tools; real busybox tools are named, so such a host is refused', () => {
  const here = spawnSync('sh', ['-c', PROBE_SCRIPT], { encoding: 'utf8' });
  assert.equal(here.status, 0);
  assert.equal(here.stdout, '');
  // busybox's applets in place of the tools, in a private mount namespace (argv[0] picks the applet).
  const busybox = execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim();
  const tools = 'stat find xargs head base64 grep tar timeout sha256sum paste tee sed';
  const swapped = spawnSync(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      `for t in ${tools}; do mount --bind ${busybox} "$(command -v "$t")" || exit 9; done; exec sh -c "$0"`,
      PROBE_SCRIPT,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(swapped.status, 0, swapped.stderr);
  assert.deepEqual(swapped.stdout.trim().split('\n'), [
    'stat --printf',
    'grep -l -a -i -F -Z -f',
    'tar --ignore-failed-read --no-recursion',
  ]);
});
