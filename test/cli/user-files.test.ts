import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { USER_FILE_LIMITS, type UserFileOption } from '../../src/fs/read-user-file.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { BASE_USERS } from '../support/hosts.js';
import { materialiseFiles } from '../support/materialise.js';
import { buildZip } from '../support/zip-writer.js';

// Every file named on the command line is checked before it is read: a FIFO used to block for ever, /dev/zero was
// read until memory ran out (threat reached 7.4 GB). Each option, each kind of wrong file: one line in words
// (no errno code), exit 2, and quickly (runCli's 60 s timeout would turn a hang into a null exit code).

const KEY = '6a1fc1a3183018c6d79a4e11e154d2bdad2d89ac8bc1b0a021de8b4d28774fbb01';
const POX4 = join(REPO_ROOT, 'examples', 'stacker-sets', 'docs-pox4.json');

describe('file options refuse FIFOs, devices, directories and oversize files', async () => {
  const host = await materialiseFiles({ ...BASE_USERS });
  const work = mkdtempSync(join(tmpdir(), `so-user-files-${process.pid}-`));
  after(() => {
    host.cleanup();
    rmSync(work, { recursive: true, force: true });
  });
  const at = (name: string) => join(work, name);
  writeFileSync(at('clean.txt'), 'nothing secret here\n');
  writeFileSync(at('signer.toml'), `stacks_private_key = "${KEY}"\n`, { mode: 0o600 });
  writeFileSync(at('pass'), 'correct horse battery staple\n', { mode: 0o600 });
  const backup = runCli([
    'key',
    'backup',
    '--config',
    at('signer.toml'),
    '--keystore',
    at('ks.json'),
    '--passphrase-file',
    at('pass'),
  ]);
  writeFileSync(at('release.zip'), buildZip([{ name: 'stacks-signer', content: 'signer' }]));
  mkdirSync(at('root/etc'), { recursive: true });

  const cases: [UserFileOption, (file: string) => string[]][] = [
    ['--stacker-set', (file) => ['threat', '--stacker-set', file]],
    ['--operators', (file) => ['threat', '--stacker-set', POX4, '--operators', file]],
    ['--config', (file) => ['threat', '--stacker-set', POX4, '--config', file]],
    ['--docker-inspect', (file) => ['audit', '--root', host.root, '--allow-empty', '--docker-inspect', file]],
    ['--baseline', (file) => ['scan', at('clean.txt'), '--baseline', file]],
    ['--key-from', (file) => ['scan', at('clean.txt'), '--key-from', file]],
    ['--keystore', (file) => ['key', 'show', '--keystore', file]],
    ['--passphrase-file', (file) => ['key', 'show', '--keystore', at('ks.json'), '--passphrase-file', file]],
    [
      '--checksums',
      (file) => ['verify-release', '--archive', at('release.zip'), '--checksums', file, '--root', at('root')],
    ],
    ['--waivers', (file) => ['audit', '--root', host.root, '--allow-empty', '--waivers', file]],
    ['--inventory', (file) => ['audit', '--inventory', file]],
  ];

  test('the table covers every option with a size bound', () => {
    assert.equal(backup.code, 0, backup.stderr);
    assert.deepEqual(cases.map(([option]) => option).sort(), Object.keys(USER_FILE_LIMITS).sort());
  });

  let serial = 0;
  const kinds: [string, () => string, RegExp][] = [
    [
      'a FIFO no process writes to',
      () => {
        const fifo = at(`fifo-${serial++}`);
        assert.equal(spawnSync('mkfifo', ['-m', '600', fifo]).status, 0);
        return fifo;
      },
      /is a FIFO \(named pipe\), not a regular file|passphrase/,
    ],
    ['/dev/zero', () => '/dev/zero', /: is a character device, not a regular file/],
    [
      'a symlink to /dev/zero',
      () => {
        const link = at(`zero-${serial++}`);
        symlinkSync('/dev/zero', link);
        return link;
      },
      /: is a character device, not a regular file/,
    ],
    [
      'a directory',
      () => {
        const directory = at(`dir-${serial++}`);
        mkdirSync(directory);
        return directory;
      },
      /: is a directory, not a regular file/,
    ],
  ];

  for (const [option, argv] of cases) {
    for (const [kind, make, expected] of kinds) {
      test(`${option}: ${kind} is refused in one line, exit 2`, () => {
        const file = make();
        const run = runCli(argv(file));
        assert.equal(run.code, 2, `exit ${run.code}: ${run.stderr}`);
        assert.match(run.stderr, /^signer-opsec: [^\n]+\n$/);
        assert.match(run.stderr, expected);
        assert.doesNotMatch(run.stderr, /\bE[A-Z]{3,}\b/);
      });
    }

    test(`${option}: a file over ${USER_FILE_LIMITS[option]} bytes is refused without reading it`, () => {
      const file = at(`big-${serial++}`);
      writeFileSync(file, '', { mode: 0o600 });
      truncateSync(file, USER_FILE_LIMITS[option] + 1); // sparse: nothing is really written
      const run = runCli(argv(file));
      assert.equal(run.code, 2, `exit ${run.code}: ${run.stderr}`);
      assert.match(run.stderr, /^signer-opsec: [^\n]+: larger than [0-9]+ (KiB|MiB), refused without reading it\n$/);
    });
  }

  // The release archive is read by ranges, not whole: no size bound, but the same type check before the open.
  for (const [kind, make, expected] of kinds) {
    test(`verify-release --archive: ${kind} is refused in one line, exit 2`, () => {
      const file = make();
      writeFileSync(at('checksums-any.txt'), `${'0'.repeat(128)}  ${file.split('/').at(-1)}\n`);
      const run = runCli([
        'verify-release',
        '--archive',
        file,
        '--checksums',
        at('checksums-any.txt'),
        '--root',
        at('root'),
      ]);
      assert.equal(run.code, 2, `exit ${run.code}: ${run.stderr}`);
      assert.match(run.stderr, /^signer-opsec: [^\n]+\n$/);
      assert.match(run.stderr, expected);
    });
  }

  test('--passphrase-file: a FIFO with a writer streams the passphrase (<(pass show …))', () => {
    const run = spawnSync(
      '/bin/bash',
      [
        '-c',
        `exec "$0" "$1" key show --keystore "$2" --passphrase-file <(printf 'correct horse battery staple\\n')`,
        process.execPath,
        join(REPO_ROOT, 'bin', 'signer-opsec.js'),
        at('ks.json'),
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /decrypted with the passphrase: the key matches/);
  });
});
