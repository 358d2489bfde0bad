// The single executable (Node SEA + esbuild bundle) runs with no node anywhere (`env -i`: no PATH at all), audits the
// example tar, and the .deb installs it as /usr/bin/signer-opsec with its man page and completions into a throwaway
// root (`dpkg --root`). The build is cached in build/ (scripts/build-sea.ts: rebuilt only when its inputs change); a
// fresh build takes ~5 min on a loaded 2-core machine, hence the 30-minute timeout.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cachedBuild } from '../../scripts/build-sea.js';
import { REPO_ROOT } from '../support/cli.js';
import { TEST_SIGNER_KEY } from '../support/hosts.js';

const BUILD_TIMEOUT_MS = 30 * 60_000;
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const GUIDE_TAR = join(REPO_ROOT, 'examples/hosts/published-guide.tar');

/** Runs `binary` with an empty environment: no PATH, so no node could be found even if it were installed. */
function bare(binary: string, args: string[], cwd = tmpdir()) {
  const result = spawnSync(binary, args, { env: {}, cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the single executable and the .deb', { concurrency: false, timeout: BUILD_TIMEOUT_MS + 10 * 60_000 }, () => {
  let binary = '';
  let deb = '';
  const scratch = mkdtempSync(join(tmpdir(), `so-sea-${process.pid}-`));
  before(async () => ({ binary, deb } = await cachedBuild()), { timeout: BUILD_TIMEOUT_MS });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('runs with env -i: --version, help, the audit of the example tar, and a scan', () => {
    const version = bare(binary, ['--version']);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), VERSION);
    assert.equal(version.stderr, '', 'no experimental-feature warning');
    const help = bare(binary, ['help', 'audit']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--allow-empty/);
    const audit = bare(binary, ['audit', '--root', GUIDE_TAR]);
    assert.equal(audit.code, 1, audit.stderr);
    assert.match(audit.stdout, /Verdict +FAIL/);
    // The embedded data files are read: the published sample token is recognised.
    assert.match(audit.stdout, /keys\/auth-token-strength/);
    const secrets = join(scratch, 'repo');
    mkdirSync(secrets);
    writeFileSync(join(secrets, 'signer.toml'), `stacks_private_key = "${TEST_SIGNER_KEY}"\n`);
    const scan = bare(binary, ['scan', secrets]);
    assert.equal(scan.code, 1, scan.stderr);
    assert.match(scan.stdout, /critical stacks-private-key [0-9a-f]{8}/);
    assert.ok(!scan.stdout.includes(TEST_SIGNER_KEY.slice(0, 64)));
  });

  test('the .deb installs /usr/bin/signer-opsec, its man page and completions into a throwaway root', () => {
    const root = join(scratch, 'root');
    for (const directory of ['var/lib/dpkg/info', 'var/lib/dpkg/updates'])
      mkdirSync(join(root, directory), { recursive: true });
    writeFileSync(join(root, 'var/lib/dpkg/status'), '');
    // The throwaway root has no libc package: its dependencies are the host's.
    const install = spawnSync(
      'dpkg',
      [`--root=${root}`, '--force-depends', '--force-script-chrootless', '--log=/dev/null', '-i', deb],
      { encoding: 'utf8', timeout: 300_000 },
    );
    assert.equal(install.status, 0, install.stderr);
    const installed = join(root, 'usr/bin/signer-opsec');
    const version = bare(installed, ['--version']);
    assert.equal(version.stdout.trim(), VERSION);
    assert.equal(bare(installed, ['audit', '--root', GUIDE_TAR, '--quiet']).code, 1);
    const manPage = join(root, 'usr/share/man/man1/signer-opsec.1.gz');
    const man = spawnSync('man', ['-l', manPage], {
      encoding: 'utf8',
      env: { ...process.env, MANWIDTH: '80', PAGER: 'cat', MANPAGER: 'cat' },
      timeout: 60_000,
    });
    assert.equal(man.status, 0, man.stderr);
    assert.match(man.stdout, /harden plan/);
    for (const file of [
      'usr/share/bash-completion/completions/signer-opsec',
      'usr/share/zsh/vendor-completions/_signer-opsec',
      'usr/share/fish/vendor_completions.d/signer-opsec.fish',
    ])
      assert.ok(existsSync(join(root, file)), file);
    const complete = spawnSync(
      'bash',
      [
        '-c',
        `source ${join(root, 'usr/share/bash-completion/completions/signer-opsec')}; COMP_WORDS=(signer-opsec ver); COMP_CWORD=1; _signer_opsec; echo "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(complete.stdout.trim(), 'verify-release');
    const listed = spawnSync('dpkg', [`--root=${root}`, '-L', 'signer-opsec'], { encoding: 'utf8' });
    assert.match(listed.stdout, /^\/usr\/bin\/signer-opsec$/m);
  });
});
