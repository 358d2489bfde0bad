// Issue 18 item 6: an error message quoting a file's line is a leak path (`Include /etc/shadow` made harden print
// shadow lines in sshd's "no argument after keyword" error). Secrets are planted on lines every parser and every
// tool (sshd, nft, systemd-analyze) reads and fails on; no output of audit (every format), harden plan or harden
// apply may contain one. A message may name a file, a line and a known keyword, never a line's text.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formatters } from '../../src/report/index.js';
import { runCli } from '../support/cli.js';
import { GROUP, PASSWD } from '../support/hosts.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

const SHADOW_HASH = '$6$Qw3Er4Ty$PlantedShadowHashXk29fjq0Lm3N8';
const SHADOW_LINE = `stacks:${SHADOW_HASH}:19700:0:99999:7:::`;
const KEY_HEX = 'c0ffee5e1f2e3d4c5b6a79880716253443526170f9e8d7c6b5a4938271605f4e';
const TOKEN = 'PlantedTokenZq8Xv2Lk9Wm4Rt7Yp3';
const SECRETS = ['Qw3Er4Ty', 'PlantedShadowHash', KEY_HEX, KEY_HEX.toUpperCase(), TOKEN, TOKEN.toLowerCase()];

function assertNoSecret(text: string, where: string): void {
  for (const secret of SECRETS)
    assert.ok(!text.includes(secret), `${where} quotes a planted secret (${secret.slice(0, 4)}…)`);
}

const NFTABLES_UNIT =
  '[Service]\nType=oneshot\nExecStart=/usr/sbin/nft -f /etc/nftables.conf\n[Install]\nWantedBy=sysinit.target\n';

/** Every file a parser reads, broken on a line that holds a secret. */
export const BROKEN: FileSpec = {
  'etc/passwd': `${PASSWD}${SHADOW_LINE}\n${KEY_HEX}\n`,
  'etc/group': `${GROUP}${TOKEN}\n`,
  'etc/shadow': { content: `${SHADOW_LINE}\n`, mode: 0o640 },
  'etc/sudoers': `root ALL=(ALL:ALL) ALL\n${TOKEN} ALL=(ALL\n`,
  'etc/ssh/sshd_config': `Include /etc/shadow\nInclude /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\n`,
  'etc/ssh/sshd_config.d/10-planted.conf': `${KEY_HEX} yes\nPort ${TOKEN}\nMatch ${TOKEN} x\n`,
  'usr/sbin/sshd': { content: '', mode: 0o755 },
  'etc/nftables.conf': `flush ruleset\ninclude "/etc/shadow"\ninclude "nft.d/*.nft"\n`,
  'etc/nft.d/10.nft': `table inet planted {\n\tchain input {\n\t\t${TOKEN} accept\n\t\tpolicy ${TOKEN};\n\t}\n}\n${KEY_HEX}\n`,
  'lib/systemd/system/nftables.service': NFTABLES_UNIT,
  'etc/systemd/system/sysinit.target.wants/nftables.service': { symlink: '/lib/systemd/system/nftables.service' },
  'etc/systemd/system/stacks-signer.service': `[Service]\nExecStart=/usr/local/bin/stacks-signer run\n${SHADOW_LINE}\n${TOKEN}=1\nUser=stacks-signer\n`,
  'etc/systemd/system/stacks-signer.service.d/10-planted.conf': `[Service]\n${KEY_HEX}\nEnvironment="A=${TOKEN}\n[${TOKEN}]\n`,
  'usr/local/bin/stacks-signer': { content: '', mode: 0o755 },
  'etc/stacks/signer/signer-config.toml': `stacks_private_key = "${KEY_HEX}" garbage\nauth_password = "${TOKEN}\n`,
  'etc/stacks/node/node-config.toml': `[node]\nseed = ${KEY_HEX}\n[${TOKEN}\n`,
  'opt/stacks/docker-compose.yml': `services:\n  signer:\n    image: x\n    ${TOKEN}: [\n${SHADOW_LINE}\n`,
};

/** Files our parsers accept but the real tools reject, on a line holding a secret: harden relays their verdict. */
export const TOOLS_REJECT: FileSpec = {
  'etc/passwd': PASSWD,
  'etc/group': GROUP,
  'etc/ssh/sshd_config': `PasswordAuthentication yes\nCiphers ${TOKEN}@example.com\n`,
  'usr/sbin/sshd': { content: '', mode: 0o755 },
  'etc/nftables.conf': `flush ruleset\ntable inet planted {\n\tset s {\n\t\ttype ipv4_addr\n\t\telements = { ${TOKEN} }\n\t}\n}\n`,
  'lib/systemd/system/nftables.service': NFTABLES_UNIT,
  'etc/systemd/system/sysinit.target.wants/nftables.service': { symlink: '/lib/systemd/system/nftables.service' },
  'etc/systemd/system/stacks-signer.service': `[Service]\nExecStart=/usr/local/bin/stacks-signer run\n${TOKEN}=1\n`,
  'usr/local/bin/stacks-signer': { content: '', mode: 0o755 },
  'etc/stacks/signer/signer-config.toml':
    'node_host = "127.0.0.1:20443"\nendpoint = "127.0.0.1:30000"\nnetwork = "mainnet"\n',
};

describe('no message quotes a line of a file', { timeout: 600_000 }, () => {
  const roots: { name: string; root: string; cleanup(): void | Promise<void> }[] = [];
  before(async () => {
    for (const [name, files] of [
      ['broken', BROKEN],
      ['tools-reject', TOOLS_REJECT],
    ] as const) {
      roots.push({ name, ...(await materialiseFiles(files)) });
    }
  });
  after(async () => {
    for (const root of roots) await root.cleanup();
  });

  test('audit, every format', () => {
    for (const { name, root } of roots) {
      for (const format of Object.keys(formatters)) {
        const run = runCli(['audit', '--root', root, '--format', format, '--fail-on', 'none']);
        assert.ok(run.stdout.length > 0, `${name} ${format}: a report`);
        assertNoSecret(run.stdout, `${name} audit ${format} stdout`);
        assertNoSecret(run.stderr, `${name} audit ${format} stderr`);
      }
    }
  });

  test('harden plan (text and json) and harden apply', () => {
    for (const { name, root } of roots) {
      for (const args of [
        ['harden', 'plan', '--root', root],
        ['harden', 'plan', '--root', root, '--format', 'json'],
        ['harden', 'apply', '--root', root],
      ]) {
        const run = runCli(args);
        assert.ok(run.stdout.length + run.stderr.length > 0, `${name} ${args.join(' ')}: some output`);
        assertNoSecret(run.stdout, `${name} ${args.slice(0, 2).join(' ')} stdout`);
        assertNoSecret(run.stderr, `${name} ${args.slice(0, 2).join(' ')} stderr`);
      }
    }
  });

  test('the tools did run and fail on the planted lines: their verdict is relayed as a place and a category', () => {
    const { root } = roots.find((entry) => entry.name === 'tools-reject')!;
    const plan = runCli(['harden', 'plan', '--root', root, '--format', 'json']);
    assert.match(plan.stdout, /sshd: \/etc\/ssh\/sshd_config:\d+: Bad SSH2 cipher spec/);
    assert.match(plan.stdout, /nft: \/etc\/nftables\.conf:5:16: Could not resolve hostname/);
  });
});
