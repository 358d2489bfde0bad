import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exampleHostsDir } from '../../scripts/example-hosts.js';
import { applyPlan } from '../../src/harden/apply.js';
import { BACKUP_DIRECTORY } from '../../src/harden/manifest.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { writeTar } from '../../src/target/tar-writer.js';
import { BIN, runCli } from '../support/cli.js';
import { rootServicesHost } from '../support/harden-hosts.js';
import { FIXTURE_FILES, FIXTURE_SECRET, fixturePlan } from '../support/harden-plans.js';
import { materialiseExample, materialiseFiles } from '../support/materialise.js';
import { snapshotTree } from '../support/snapshot-tree.js';

describe('signer-opsec harden', () => {
  test('usage errors exit 2 with one line', () => {
    const cases: [string[], RegExp][] = [
      [['harden'], /harden: expected plan, apply or rollback/],
      [['harden', 'undo'], /harden undo: expected plan, apply or rollback/],
      [
        ['harden', 'plan', '--only', 'kernel'],
        /--only kernel: expected one of accounts, configs, permissions, systemd, sshd, firewall/,
      ],
      [['harden', 'plan', '--only', 'sshd', '--skip', 'sshd'], /leave no area to harden/],
      [['harden', 'plan', '--yes'], /unknown option '--yes'/],
      [['harden', 'plan', '--format', 'sarif'], /--format sarif: expected one of text, json/],
      [['harden', 'rollback', '--only', 'sshd'], /unknown option '--only'/],
      [['harden', 'paln'], /harden paln: expected plan, apply or rollback \(did you mean plan\?\)/],
      [['harden', 'rollback', 'a', 'b'], /too many arguments for 'rollback'/],
    ];
    for (const [args, message] of cases) {
      const run = runCli(args);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1);
    }
  });

  test('plan and apply on a host with nothing to harden: exit 0, and apply makes no backup', async () => {
    const tree = await materialiseFiles({
      'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\n',
      'etc/group': 'root:x:0:\n',
    });
    try {
      const plan = runCli(['harden', 'plan', '--root', tree.root]);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, /^Hardening plan for /);
      assert.match(plan.stdout, /\nNothing to change\.\n$/);
      const json = runCli(['harden', 'plan', '--root', tree.root, '--format', 'json']);
      assert.equal(json.code, 0);
      assert.equal((JSON.parse(json.stdout) as { summary: { changes: number } }).summary.changes, 0);
      const before = snapshotTree(tree.root);
      const apply = runCli(['harden', 'apply', '--root', tree.root]);
      assert.equal(apply.code, 0, apply.stderr);
      assert.match(apply.stdout, /Nothing to change\./);
      assert.deepEqual(snapshotTree(tree.root), before);
      assert.ok(!existsSync(join(tree.root, BACKUP_DIRECTORY)));
    } finally {
      tree.cleanup();
    }
  });

  test('a tar archive can be planned but not applied or rolled back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'so-harden-'));
    try {
      const archive = join(dir, 'host.tar');
      writeFileSync(
        archive,
        writeTar([
          { path: 'etc/passwd', type: 'file', mode: 0o644, uid: 0, gid: 0, content: 'root:x:0:0::/root:/bin/sh\n' },
        ]),
      );
      assert.equal(runCli(['harden', 'plan', '--root', archive]).code, 0);
      for (const subcommand of ['apply', 'rollback']) {
        const run = runCli(['harden', subcommand, '--root', archive]);
        assert.equal(run.code, 2);
        assert.match(run.stderr, /tar archive/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('rollback --list, rollback, a second rollback, and a refused one', async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const before = snapshotTree(tree.root, { exclude: [BACKUP_DIRECTORY] });
      assert.match(runCli(['harden', 'rollback', '--list', '--root', tree.root]).stdout, /^No harden backups\.\n$/);
      const none = runCli(['harden', 'rollback', '--root', tree.root]);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /no harden backup under \/var\/backups\/signer-opsec/);

      const first = await applyPlan(await fixturePlan(tree.root), new DirectoryTarget(tree.root, { live: false }), {
        reload: false,
        now: new Date('2026-08-12T10:15:02Z'),
      });
      writeFileSync(join(tree.root, 'etc/nftables.conf'), 'edited by hand\n');
      const list = runCli(['harden', 'rollback', '--list', '--root', tree.root]);
      assert.match(
        list.stdout,
        /^20260812T101502Z {2}applied {7}12 change\(s\) {2}accounts,configs,permissions,systemd,sshd,firewall\n$/,
      );
      const refused = runCli(['harden', 'rollback', first.id ?? '', '--root', tree.root]);
      assert.equal(refused.code, 2);
      assert.match(
        refused.stderr,
        /rollback of 20260812T101502Z refused, nothing restored: changed since the apply \(use --force/,
      );
      assert.match(refused.stderr, /\/etc\/nftables\.conf is now file mode 0755/);

      const forced = runCli(['harden', 'rollback', '--force', '--root', tree.root]);
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(forced.stdout, /Rolled back 20260812T101502Z: 12 path\(s\) restored\./);
      assert.deepEqual(snapshotTree(tree.root, { exclude: [BACKUP_DIRECTORY] }), before);
      for (const output of [forced.stdout, forced.stderr, refused.stderr]) assert.ok(!output.includes(FIXTURE_SECRET));

      const again = runCli(['harden', 'rollback', '--root', tree.root]);
      assert.equal(again.code, 0);
      assert.match(
        again.stdout,
        /^Nothing to roll back: every harden backup is rolled back or recorded no change\.\n$/,
      );
      const named = runCli(['harden', 'rollback', first.id ?? '', '--root', tree.root]);
      assert.equal(named.code, 0);
      assert.match(named.stdout, /already rolled back; nothing to do/);
    } finally {
      tree.cleanup();
    }
  });
});

describe('signer-opsec harden on the bundled published-guide example (real planners)', () => {
  // The example has no /var/backups: apply creates it for the backup, and rollback keeps the backup on purpose.
  const exclude = { exclude: ['/var/backups'] };
  // plan → apply → audit → apply → rollback over every area: test/harden/end-to-end.test.ts.

  test('every area: apply, then rollback gives the identical tree', async () => {
    const root = await materialiseExample('published-guide');
    try {
      const before = snapshotTree(root);
      const planText = runCli(['harden', 'plan', '--root', root]);
      const planJson = runCli(['harden', 'plan', '--root', root, '--format', 'json']);
      const apply = runCli(['harden', 'apply', '--yes', '--root', root]);
      assert.equal(apply.code, 0, apply.stderr);
      assert.match(apply.stdout, /Applied (\d+) changes/);
      // No secret of the configs, old or freshly generated, in any output or in the manifest.
      const secretLine = /^\s*(?:stacks_private_key|auth_password|auth_token)\s*=\s*"([^"]+)"/gm;
      const secrets = ['etc/stacks/signer/signer-config.toml', 'etc/stacks/node/node-config.toml'].flatMap((path) => [
        ...[...readFileSync(join(root, path), 'utf8').matchAll(secretLine)].map((match) => match[1] ?? ''),
        ...[...readFileSync(join(exampleHostsDir(), 'published-guide/rootfs', path), 'utf8').matchAll(secretLine)].map(
          (match) => match[1] ?? '',
        ),
      ]);
      assert.ok(secrets.length >= 4, `secrets found: ${secrets.length}`);
      const backup = readdirSync(join(root, BACKUP_DIRECTORY)).find((name) => !name.startsWith('.')) ?? '';
      const manifest = readFileSync(join(root, BACKUP_DIRECTORY, backup, 'manifest.json'), 'utf8');
      for (const output of [planText.stdout, planJson.stdout, apply.stdout, apply.stderr, manifest]) {
        for (const secret of secrets) assert.ok(!output.includes(secret), 'a secret value reached an output');
      }
      assert.notDeepEqual(snapshotTree(root, exclude), before);
      const rollback = runCli(['harden', 'rollback', '--root', root]);
      assert.equal(rollback.code, 0, rollback.stderr);
      assert.deepEqual(snapshotTree(root, exclude), before);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a read-only /etc/systemd (private mount namespace) stops the CLI apply midway: exit 2, a rollback hint that works', async () => {
    const root = await materialiseExample('published-guide');
    try {
      const before = snapshotTree(root);
      const run = spawnSync(
        'unshare',
        [
          '-m',
          'sh',
          '-c',
          'mount --bind -o ro "$1/etc/systemd" "$1/etc/systemd" && shift && exec "$@"',
          'sh',
          root,
          process.execPath,
          BIN,
          'harden',
          'apply',
          '--yes',
          '--root',
          root,
        ],
        { env: { PATH: process.env.PATH }, encoding: 'utf8' },
      );
      assert.equal(run.error, undefined, 'unshare (util-linux) must be installed');
      assert.equal(run.status, 2, run.stderr);
      const hint =
        /harden apply stopped: (\/etc\/systemd\/\S+): .*EROFS.*\. (\d+) of \d+ changes were made; undo them with: signer-opsec harden rollback (\S+) --root /.exec(
          run.stderr,
        );
      assert.ok(hint, run.stderr);
      assert.ok(Number(hint[2]) > 0, 'midway: some changes were made before the failure');
      assert.notDeepEqual(snapshotTree(root, exclude), before);
      for (const path of Object.keys(snapshotTree(root))) assert.doesNotMatch(path, /\.(tmp|lnk)$/);
      const rollback = runCli(['harden', 'rollback', hint[3] ?? '', '--root', root]);
      assert.equal(rollback.code, 0, rollback.stderr);
      assert.deepEqual(snapshotTree(root, exclude), before);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('--skip accounts (or --only without it) on a host whose signer needs a new account: refused, names the account', async () => {
    const tree = await materialiseFiles(rootServicesHost());
    try {
      for (const args of [
        ['--skip', 'accounts'],
        ['--only', 'permissions,systemd'],
      ]) {
        const plan = runCli(['harden', 'plan', '--root', tree.root, ...args]);
        assert.equal(plan.code, 2, args.join(' '));
        assert.match(
          plan.stdout,
          /\n {2}- [a-z/]*(systemd|permissions)[a-z/]* needs? the account stacks-signer, which the accounts area creates, but accounts is not selected: drop --skip accounts/,
        );
        // The new account's uid is not shown as its name: nobody has it yet.
        assert.doesNotMatch(plan.stdout, /→ stacks-signer:/);
        const before = snapshotTree(tree.root);
        const apply = runCli(['harden', 'apply', '--yes', '--root', tree.root, ...args]);
        assert.equal(apply.code, 2, apply.stderr);
        assert.deepEqual(snapshotTree(tree.root), before);
      }
      const all = runCli(['harden', 'plan', '--root', tree.root]);
      assert.equal(all.code, 0, all.stdout);
      assert.match(all.stdout, /→ stacks-signer:stacks-signer/);
    } finally {
      tree.cleanup();
    }
  });

  test('rolling back an older apply while a newer one changed the same files is refused until the newer is undone', async () => {
    const root = await materialiseExample('published-guide');
    try {
      const before = snapshotTree(root, { exclude: ['/var/backups'] });
      const first = runCli(['harden', 'apply', '--yes', '--only', 'sshd', '--root', root]);
      assert.equal(first.code, 0, first.stderr);
      // Someone turns passwords back on in the drop-in; the next apply puts it back: a second backup of that file.
      const dropIn = join(root, 'etc/ssh/sshd_config.d/10-signer-opsec.conf');
      writeFileSync(
        dropIn,
        readFileSync(dropIn, 'utf8').replace('PasswordAuthentication no', 'PasswordAuthentication yes'),
      );
      const second = runCli(['harden', 'apply', '--yes', '--only', 'sshd', '--root', root]);
      assert.equal(second.code, 0, second.stderr);
      const [older, newer] = readdirSync(join(root, BACKUP_DIRECTORY)).filter((name) => !name.startsWith('.'));
      assert.ok(older && newer);
      const refused = runCli(['harden', 'rollback', older, '--root', root]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, new RegExp(`roll back ${newer} first`));
      assert.equal(runCli(['harden', 'rollback', newer, '--root', root]).code, 0);
      // The edit made between the two applies is back now: the older rollback sees it and asks for --force.
      assert.match(runCli(['harden', 'rollback', older, '--root', root]).stderr, /changed since the apply/);
      assert.equal(runCli(['harden', 'rollback', older, '--force', '--root', root]).code, 0);
      assert.deepEqual(snapshotTree(root, { exclude: ['/var/backups'] }), before);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('apply warns about an earlier apply that was interrupted, naming the rollback that undoes it', async () => {
    const tree = await materialiseFiles(FIXTURE_FILES);
    try {
      const fixture = fileURLToPath(new URL('../support/harden-apply-fixture.js', import.meta.url));
      const killed = spawnSync(process.execPath, [fixture, tree.root], {
        env: { PATH: process.env.PATH, SIGNER_OPSEC_FAILPOINT: 'crash-after:3' },
      });
      assert.equal(killed.signal, 'SIGKILL');
      const [id] = readdirSync(join(tree.root, BACKUP_DIRECTORY)).filter((name) => !name.startsWith('.'));
      const apply = runCli(['harden', 'apply', '--yes', '--no-reload', '--root', tree.root]);
      assert.match(
        apply.stderr,
        new RegExp(
          `signer-opsec: warning: the apply of backup ${id} was interrupted with 3 change\\(s\\) recorded; undo it with: signer-opsec harden rollback ${id} --root ${tree.root}\n`,
        ),
      );
    } finally {
      tree.cleanup();
    }
  });

  test('plan --quiet: one line per pending change, no diffs or passed checks; the same summary and exit codes', () => {
    const archive = join(exampleHostsDir(), 'published-guide.tar');
    const full = runCli(['harden', 'plan', '--root', archive]);
    const quiet = runCli(['harden', 'plan', '--root', archive, '--quiet']);
    const json = JSON.parse(runCli(['harden', 'plan', '--root', archive, '--format', 'json', '--quiet']).stdout) as {
      summary: { changes: number };
    };
    assert.equal(full.code, 0, full.stderr);
    assert.equal(quiet.code, 0, quiet.stderr);
    const lines = quiet.stdout.trimEnd().split('\n');
    const changeLines = lines.filter((line) => /^(write|create|chmod|chown|chmod\/chown|mkdir|ln -s) \//.test(line));
    // JSON is for programs: --quiet leaves it whole.
    assert.equal(changeLines.length, json.summary.changes);
    assert.ok(changeLines.length >= 10, quiet.stdout);
    // Each change line is the full plan's own line for it, in the same order.
    const fullLines = full.stdout.split('\n');
    assert.deepEqual(
      changeLines,
      fullLines.filter((line) => changeLines.includes(line)),
    );
    for (const absent of [
      /^(@@|\+\+\+ |--- )/m,
      /validated: ok/,
      /^\s+note:/m,
      /^\s+# /m,
      /already in place\)$/m,
      /^Commands/m,
    ])
      assert.doesNotMatch(quiet.stdout, absent);
    assert.equal(lines.at(-1), fullLines.filter((line) => line !== '').at(-1), 'the same summary line');
    assert.ok(quiet.stdout.length * 5 < full.stdout.length, `${quiet.stdout.length} vs ${full.stdout.length}`);
    // Drift detection reads the same.
    assert.equal(runCli(['harden', 'plan', '--root', archive, '--quiet', '--exit-code']).code, 1);
    // A host with nothing to do prints its summary only.
    const hardened = runCli(['harden', 'plan', '--root', join(exampleHostsDir(), 'hardened.tar'), '--quiet']);
    assert.equal(hardened.code, 0, hardened.stderr);
    assert.match(
      hardened.stdout,
      /^Hardening plan for \S+hardened\.tar\n\nNothing to change(?: \(\d+ already in place\))?\.\n$/,
    );
  });
});
