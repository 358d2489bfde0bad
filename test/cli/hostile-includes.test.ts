// Issue 18 items 3 and 9, end to end through `harden plan` and `audit` on directory targets: includes are resolved
// inside the target (never this machine's files), each file is expanded once, and a cycle is an error naming the
// chain. Before: `include "../../../../dev/zero"` made nft read this machine's /dev/zero until its 20 s timeout,
// an include after `;` named this machine's files, `include "/etc/*"` in a chain spun forever, and an sshd_config
// including itself twice took 43 s and 1.6 GB (three times: over 120 s).
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { GROUP, PASSWD } from '../support/hosts.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

const NFTABLES_UNIT =
  '[Service]\nType=oneshot\nExecStart=/usr/sbin/nft -f /etc/nftables.conf\n[Install]\nWantedBy=sysinit.target\n';
const BASE: FileSpec = {
  'etc/passwd': PASSWD,
  'etc/group': GROUP,
  'etc/stacks/signer/signer-config.toml':
    'node_host = "127.0.0.1:20443"\nendpoint = "127.0.0.1:30000"\nnetwork = "mainnet"\n',
  'etc/systemd/system/stacks-signer.service': '[Service]\nExecStart=/usr/local/bin/stacks-signer run\n',
  'usr/local/bin/stacks-signer': { content: '', mode: 0o755 },
  'lib/systemd/system/nftables.service': NFTABLES_UNIT,
  'etc/systemd/system/sysinit.target.wants/nftables.service': { symlink: '/lib/systemd/system/nftables.service' },
};

const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function host(files: FileSpec): Promise<string> {
  const tree = await materialiseFiles({ ...BASE, ...files });
  cleanups.push(tree.cleanup);
  return tree.root;
}

/** The firewall part's validation detail, and every error of the plan, from `harden plan --format json`. */
function plan(root: string): string {
  const run = runCli(['harden', 'plan', '--root', root, '--format', 'json']);
  assert.notEqual(run.code, null, 'harden plan finished');
  return run.stdout;
}

describe('includes in hostile trees', { timeout: 600_000 }, () => {
  test('nft: include "../../../../dev/zero" is an error with file and line, nothing of this machine is read', async () => {
    const root = await host({ 'etc/nftables.conf': 'flush ruleset\ninclude "../../../../dev/zero"\n' });
    assert.match(plan(root), /\/etc\/nftables\.conf:2: include names a file the target does not have/);
  });

  test("nft: an include after `;` and one with ../ name the target's files, and nothing is written outside the copy", async () => {
    // Unique per process: other suites run at the same time. The old copy joined `/etc/../../../etc/<name>` onto
    // its temp directory, which normalised to this machine's /etc/<name>: the target's file was written there.
    const name = `signer-opsec-only-in-target-${process.pid}.nft`;
    const root = await host({
      'etc/nftables.conf': `flush ruleset; include "${name}"\ninclude "/etc/../../../etc/${name}"\n`,
      [`etc/${name}`]: 'table inet only_in_target {\n}\n',
    });
    try {
      const out = JSON.parse(plan(root)) as {
        parts: { area: string; validations: { tool: string; ok: boolean; detail: string }[] }[];
      };
      const firewall = out.parts.find((part) => part.area === 'firewall');
      assert.deepEqual(
        firewall?.validations.filter((validation) => validation.tool === 'nft -c').map((v) => [v.ok, v.detail]),
        [[true, 'ruleset valid']],
      );
      assert.ok(!existsSync(`/etc/${name}`), "the target's file was written to this machine's /etc");
    } finally {
      rmSync(`/etc/${name}`, { force: true });
    }
  });

  test('nft: include "/etc/*" inside a chain, matching its own file: a cycle error, and the plan finishes', async () => {
    const root = await host({
      'etc/nftables.conf':
        'table inet t {\n\tchain input {\n\t\ttype filter hook input priority 0;\n\t\tinclude "/etc/*"\n\t}\n}\n',
      'etc/a.conf': '',
      'etc/b.conf': '',
    });
    assert.match(plan(root), /include cycle: \/etc\/nftables\.conf:4 -> \/etc\/nftables\.conf/);
    // The enabled firewall nft would refuse: the audit finishes, and says why with file:line.
    const audit = runCli(['audit', '--root', root, '--format', 'json', '--fail-on', 'none']);
    assert.notEqual(audit.code, null, 'audit finished');
    assert.match(audit.stdout, /include cycle: \/etc\/nftables\.conf:4 -> \/etc\/nftables\.conf/);
  });

  for (const [name, text] of [
    ['twice', 'Include /etc/ssh/sshd_config /etc/ssh/sshd_config\nPasswordAuthentication no\n'],
    ['three times', 'Include /etc/ssh/sshd_config /etc/ssh/sshd_config /etc/ssh/sshd_config\n'],
    ['on two lines', 'Include /etc/ssh/sshd_config\nInclude /etc/ssh/sshd_config\n'],
  ] as const) {
    test(`sshd_config including itself ${name}: audit and harden plan finish with the cycle as an error`, async () => {
      const root = await host({ 'etc/ssh/sshd_config': text, 'usr/sbin/sshd': { content: '', mode: 0o755 } });
      assert.match(
        plan(root),
        /\/etc\/ssh\/sshd_config:1: Include cycle: \/etc\/ssh\/sshd_config:1 -> \/etc\/ssh\/sshd_config/,
      );
      const audit = runCli(['audit', '--root', root, '--format', 'json', '--fail-on', 'none']);
      const report = JSON.parse(audit.stdout) as { results: { id: string; status: string; message: string }[] };
      const root_login = report.results.find((result) => result.id === 'ssh/root-login');
      assert.equal(root_login?.status, 'error');
      assert.match(root_login?.message ?? '', /Include cycle/);
    });
  }
});
