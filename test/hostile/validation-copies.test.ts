// Issue 18, never leak: `harden plan` validates with the real tools (sshd -t/-T, nft -c, systemd-analyze verify) on
// temp copies of the target's configs, and a config can include any file. Secrets are planted in every kind of file a
// config can pull in (shadow hashes, the signer's key and token, a token file, a private key; as keys, values,
// comments and section names of units), and the plan is run under strace: no byte any process of the run writes
// (the copies, the tools' output, our output) holds one, the temp directory it was given is left empty, and the
// plan names each refused file with its line and a category.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN } from '../support/cli.js';
import { GROUP, PASSWD } from '../support/hosts.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

const SIGNER_KEY = '5a1e5a1e9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998801';
const AUTH_TOKEN = 'PlantedAuthTokenQw3Er4Ty5Ui6Op7';
const SHADOW_HASH = '$6$PlantedSalt$PlantedShadowHashXk29fjq0Lm3N8vB7';
const TOKEN_FILE = 'PlantedTokenFileZz9Yy8Xx7Ww6';
const UNIT_TOKEN = 'PlantedUnitTokenMm5Nn6Bb7Vv8';
const ENV_KEY = 'e11e11e11e11e11e11e11e11e11e11e11e11e11e11e11e11e11e11e11e11e11e';
const PEM_BODY = 'b3BlbnNzaC1rZXktdjEPlantedPrivateKeyBodyAAAAAAAAAA';

/** Every form a secret may take in written bytes (strace shows printable ASCII as is). */
const SECRETS = [
  SIGNER_KEY.slice(0, 64),
  SIGNER_KEY.slice(0, 64).toUpperCase(),
  AUTH_TOKEN,
  'PlantedShadowHash',
  'PlantedSalt',
  TOKEN_FILE,
  UNIT_TOKEN,
  ENV_KEY,
  PEM_BODY,
];

function secretsIn(text: string): string[] {
  return SECRETS.filter((secret) => text.includes(secret));
}

const NFTABLES_UNIT =
  '[Service]\nType=oneshot\nExecStart=/usr/sbin/nft -f /etc/nftables.conf\n[Install]\nWantedBy=sysinit.target\n';

const HOST: FileSpec = {
  'etc/passwd': PASSWD,
  'etc/group': GROUP,
  'etc/shadow': { content: `root:${SHADOW_HASH}:19700:0:99999:7:::\n`, mode: 0o640 },
  'etc/stacks/signer/signer-config.toml': {
    content: [
      `stacks_private_key = "${SIGNER_KEY}"`,
      'node_host = "192.0.2.10:20443"',
      'endpoint = "127.0.0.1:30000"',
      'network = "mainnet"',
      `auth_password = "${AUTH_TOKEN}"`,
      'db_path = "/var/lib/stacks-signer/signer.sqlite"',
      '',
    ].join('\n'),
    mode: 0o600,
  },
  'etc/stacks/token': { content: `${TOKEN_FILE}\n`, mode: 0o600 },
  'etc/stacks/signer.env': { content: `SIGNER_KEY=${ENV_KEY}\n`, mode: 0o600 },
  'etc/ssh/ssh_host_ed25519_key': {
    content: `-----BEGIN OPENSSH PRIVATE KEY-----\n${PEM_BODY}\n-----END OPENSSH PRIVATE KEY-----\n`,
    mode: 0o600,
  },
  // sshd: a drop-in of comments only (copied, without them), one whose value is the signer's token (refused), and
  // the host key, the shadow, the signer's config and a token file included as config (refused by the parser).
  'etc/ssh/sshd_config': [
    'Include /etc/ssh/sshd_config.d/*.conf',
    'PasswordAuthentication yes',
    'Include /etc/ssh/ssh_host_ed25519_key /etc/shadow /etc/stacks/signer/signer-config.toml /etc/stacks/token',
    '',
  ].join('\n'),
  'etc/ssh/sshd_config.d/10-notes.conf': `# rotated: ${AUTH_TOKEN} ${TOKEN_FILE}\n`,
  'etc/ssh/sshd_config.d/20-keys.conf': `AuthorizedKeysCommand /usr/local/bin/keys --auth ${AUTH_TOKEN}\n`,
  'usr/sbin/sshd': { content: '', mode: 0o755 },
  // nft: every kind of file included at the top level, in a chain and in a set body (which our ruleset reader skips).
  'etc/nftables.conf': [
    '#!/usr/sbin/nft -f',
    `# operator note: ${TOKEN_FILE}`,
    'flush ruleset',
    'include "/etc/shadow"',
    'table inet planted {',
    '\tset allowed {',
    '\t\ttype ipv4_addr',
    '\t\tinclude "/etc/stacks/token"',
    '\t}',
    '\tchain input {',
    '\t\ttype filter hook input priority 0;',
    '\t\tinclude "/etc/stacks/signer/signer-config.toml"',
    '\t\tinclude "/etc/ssh/ssh_host_ed25519_key"',
    '\t}',
    '}',
    '',
  ].join('\n'),
  'lib/systemd/system/nftables.service': NFTABLES_UNIT,
  'etc/systemd/system/sysinit.target.wants/nftables.service': { symlink: '/lib/systemd/system/nftables.service' },
  // systemd-analyze verify: a token as a key, as a section, in free text; a shadow line; an EnvironmentFile with a key.
  'etc/systemd/system/stacks-signer.service': [
    '[Unit]',
    `Description=signer ${UNIT_TOKEN}`,
    '[Service]',
    'ExecStart=/usr/local/bin/stacks-signer run --config /etc/stacks/signer/signer-config.toml',
    'EnvironmentFile=/etc/stacks/signer.env',
    `root:${SHADOW_HASH}:19700:0:99999:7:::`,
    `${UNIT_TOKEN}=1`,
    `X-Note=${UNIT_TOKEN}`,
    `[${UNIT_TOKEN}]`,
    `Key=${ENV_KEY}`,
    '',
  ].join('\n'),
  'etc/systemd/system/stacks-signer.service.d/10-planted.conf': `[Service]\n${UNIT_TOKEN}\nEnvironment=K=${ENV_KEY}\n`,
  'usr/local/bin/stacks-signer': { content: '', mode: 0o755 },
};

interface PlanJson {
  parts: { area: string; errors: string[]; validations: { tool: string; ok: boolean; detail: string }[] }[];
}

interface TracedPlan {
  stdout: string;
  stderr: string;
  /** Every write of the run and of every process it started, as strace prints it. */
  trace: string;
  /** What the run left in the temp directory it was given. */
  leftInTemp: string[];
  plan: PlanJson;
}

/** `harden plan --format json` under strace, with its own TMPDIR. */
function tracedPlan(root: string): TracedPlan {
  const temp = mkdtempSync(join(tmpdir(), 'validation-copies-'));
  try {
    const tmp = join(temp, 'tmp');
    mkdirSync(tmp, { mode: 0o700 });
    const traceFile = join(temp, 'trace');
    // Printable ASCII is shown as is: a planted secret written in any call appears in the trace verbatim. Opens and
    // mkdirs show where the copies went (their paths, never their content).
    const run = spawnSync(
      'strace',
      [
        ...[
          '-f',
          '-qq',
          '-e',
          'trace=openat,mkdir,mkdirat,write,pwrite64,writev,pwritev,pwritev2,sendto,sendmsg',
          '-s',
          '100000000',
        ],
        ...['-o', traceFile, process.execPath, BIN, 'harden', 'plan', '--root', root, '--format', 'json'],
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH, TMPDIR: tmp }, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
    );
    assert.notEqual(run.status, null, `harden plan finished: ${run.error?.message ?? ''}`);
    return {
      stdout: run.stdout,
      stderr: run.stderr,
      trace: readFileSync(traceFile, 'utf8'),
      leftInTemp: readdirSync(tmp),
      plan: JSON.parse(run.stdout) as PlanJson,
    };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

function assertNothingLeaked(run: TracedPlan): void {
  assert.ok(run.trace.includes('write('), 'the trace holds the writes');
  // The validation did make its copies (of what may be copied): the trace saw them.
  assert.match(run.trace, /mkdir(at)?\([^\n]*signer-opsec-verify-/);
  assert.deepEqual(secretsIn(run.trace), [], 'written by a process of the run');
  assert.deepEqual(secretsIn(run.stdout), [], 'stdout');
  assert.deepEqual(secretsIn(run.stderr), [], 'stderr');
  assert.deepEqual(run.leftInTemp, [], 'every temp directory of the run was removed');
}

describe('validation copies never hold a secret', { timeout: 600_000 }, () => {
  let run: TracedPlan;
  let cleanup: (() => void | Promise<void>) | undefined;
  before(async () => {
    const tree = await materialiseFiles(HOST);
    cleanup = tree.cleanup;
    run = tracedPlan(tree.root);
  });
  after(async () => {
    await cleanup?.();
  });

  test('no process of the run wrote a planted secret anywhere (temp copies, tool output, our output)', () => {
    assertNothingLeaked(run);
  });

  test('nft -c: each refused file named with its line (or as a secret place) and a category, nothing run', () => {
    const firewall = run.plan.parts.find((part) => part.area === 'firewall');
    const nft = firewall?.validations.find((validation) => validation.tool === 'nft -c');
    assert.equal(nft?.ok, false);
    const detail = nft?.detail ?? '';
    assert.match(detail, /\/etc\/shadow: holds password hashes; not copied for nft -c/);
    assert.match(detail, /\/etc\/stacks\/token:1: is not nftables configuration/);
    assert.match(detail, /\/etc\/stacks\/signer\/signer-config\.toml: is the signer's config/);
    assert.match(detail, /\/etc\/ssh\/ssh_host_ed25519_key: is an SSH host private key/);
  });

  test('sshd: the included secret files are errors with file:line; no sshd ran on them', () => {
    const sshd = run.plan.parts.find((part) => part.area === 'sshd');
    const errors = sshd?.errors.join('\n') ?? '';
    assert.match(errors, /\/etc\/shadow:1: no argument after keyword/);
    assert.match(errors, /\/etc\/ssh\/ssh_host_ed25519_key:1: Bad configuration option/);
    assert.match(errors, /\/etc\/stacks\/token:1: /);
    assert.equal(sshd?.validations.length, 0, 'sshd was not run');
  });

  test('systemd-analyze verify ran on the unit, its copy without the planted keys, sections and free text', () => {
    const systemd = run.plan.parts.find((part) => part.area === 'systemd');
    const verify = systemd?.validations.find((validation) => validation.tool === 'systemd-analyze verify');
    assert.ok(verify, JSON.stringify(systemd));
  });
});

describe('validation copies: what may be copied goes without its free text', { timeout: 600_000 }, () => {
  test('sshd: a drop-in whose value is a known secret is refused with file:line, before any copy', async () => {
    const files: FileSpec = { ...HOST, 'etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\n' };
    const { root, cleanup } = await materialiseFiles(files);
    try {
      const run = spawnSync(process.execPath, [BIN, 'harden', 'plan', '--root', root, '--format', 'json'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
        timeout: 300_000,
      });
      const plan = JSON.parse(run.stdout) as PlanJson;
      const sshd = plan.parts.find((part) => part.area === 'sshd');
      const validation = sshd?.validations.find((entry) => entry.tool === 'sshd -t');
      assert.equal(
        validation?.detail,
        '/etc/ssh/sshd_config.d/20-keys.conf:1: holds a secret of the signer or node configs; not copied for sshd -t',
      );
      assert.equal(validation?.ok, false);
      assert.deepEqual(secretsIn(run.stdout + run.stderr), []);
    } finally {
      await cleanup();
    }
  });

  test('sshd and nft: comment lines are copied empty, and both tools pass on the rest', async () => {
    const files: FileSpec = { ...HOST, 'etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\n' };
    delete files['etc/ssh/sshd_config.d/20-keys.conf'];
    // Only a known secret in the comments: the plan's own output masks it (the file's new text is shown whole).
    files['etc/nftables.conf'] = `flush ruleset\n# ${AUTH_TOKEN}\ntable inet ok { # ${AUTH_TOKEN}\n}\n`;
    const { root, cleanup } = await materialiseFiles(files);
    try {
      const run = tracedPlan(root);
      assertNothingLeaked(run);
      const validations = run.plan.parts.flatMap((part) => part.validations);
      const verdict = (tool: string) => validations.find((entry) => entry.tool === tool);
      assert.equal(verdict('sshd -t')?.ok, true, verdict('sshd -t')?.detail);
      assert.equal(verdict('nft -c')?.ok, true, verdict('nft -c')?.detail);
    } finally {
      await cleanup();
    }
  });
});
