// plan → apply → audit → apply again → rollback, through the CLI, on the bundled insecure example and on generated
// broken hosts: every control a part addresses passes after apply, a second apply changes nothing, rollback gives
// back the byte-identical tree (contents, modes, owners, links), and no backup holds a copy of the signer key.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AuditContext } from '../../src/engine/context.js';
import { portReach } from '../../src/facts/network/firewall-reach.js';
import { decideLayout } from '../../src/harden/layout.js';
import { BACKUP_DIRECTORY } from '../../src/harden/manifest.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { runCli } from '../support/cli.js';
import { BROKEN_HOSTS } from '../support/harden-hosts.js';
import { materialiseExample, materialiseFiles } from '../support/materialise.js';
import { snapshotTree } from '../support/snapshot-tree.js';

interface PlanJson {
  parts: { area: string; addresses: string[]; changes: unknown[] }[];
}

/** Every file under `dir` (recursively), as bytes. */
function filesUnder(dir: string): Buffer[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name)));
}

function signerKeyOf(root: string): string {
  const configs = [
    'etc/stacks/signer/signer-config.toml',
    'etc/stacks-signer/config.toml',
    'home/stacks/signer.toml',
    'home/admin/signer.toml',
  ];
  for (const config of configs) {
    try {
      const match = /stacks_private_key\s*=\s*"([0-9a-f]+)"/.exec(readFileSync(join(root, config), 'utf8'));
      if (match?.[1]) return match[1];
    } catch {}
  }
  throw new Error('no signer config with a key in the test host');
}

/**
 * The hardened firewall still lets the signer's own node (node_host's addresses) reach the signer endpoint: a signer
 * whose node cannot deliver events is offline, whatever the audit says about exposure.
 */
async function assertNodeReachesSigner(root: string): Promise<void> {
  const ctx = new AuditContext(new DirectoryTarget(root));
  const { signer } = await decideLayout(ctx);
  const port = signer?.endpoint?.port;
  if (!signer || port === undefined) return;
  for (const address of signer.nodeAddresses) {
    const family = address.includes(':') ? 'ipv6' : 'ipv4';
    const reach = await portReach(ctx, port, [family]);
    assert.ok(reach, 'the hardened host has an active firewall');
    const admitted = reach.open.some((entry) => entry.sources === 'any' || entry.sources.includes(address));
    assert.ok(admitted, `the node at ${address} cannot reach the signer endpoint port ${port}`);
  }
}

async function hardenRoundTrip(root: string, expectedAreas: string[]): Promise<void> {
  // Rollback keeps the backups on purpose (and /var/backups, when apply had to create it).
  const exclude = {
    exclude: [existsSync(join(root, 'var/backups')) ? BACKUP_DIRECTORY : '/var/backups'],
  };
  const before = snapshotTree(root, exclude);
  const key = signerKeyOf(root);

  const planText = runCli(['harden', 'plan', '--root', root]);
  assert.equal(planText.code, 0, `${planText.stdout}\n${planText.stderr}`);
  const planJson = runCli(['harden', 'plan', '--root', root, '--format', 'json']);
  assert.equal(planJson.code, 0, planJson.stderr);
  const plan = JSON.parse(planJson.stdout) as PlanJson;
  const planned = plan.parts.filter((part) => part.changes.length > 0).map((part) => part.area);
  assert.deepEqual(planned, expectedAreas, planText.stdout);

  const apply = runCli(['harden', 'apply', '--yes', '--root', root]);
  assert.equal(apply.code, 0, `${apply.stdout}\n${apply.stderr}`);
  const applied = snapshotTree(root);

  const audit = runCli(['audit', '--root', root, '--format', 'json', '--fail-on', 'none']);
  const results = (JSON.parse(audit.stdout) as { results: { id: string; status: string; message: string }[] }).results;
  const addressed = [...new Set(plan.parts.flatMap((part) => part.addresses))];
  assert.ok(addressed.length >= 10, `only ${addressed.length} controls addressed`);
  for (const id of addressed) {
    const result = results.find((candidate) => candidate.id === id);
    assert.equal(result?.status, 'pass', `${id}: ${result?.message}`);
  }
  await assertNodeReachesSigner(root);
  // The backups are root-only and hold no copy of the signer key.
  assert.equal(results.find((result) => result.id === 'keys/key-copies-on-host')?.status, 'pass');
  for (const bytes of filesUnder(join(root, BACKUP_DIRECTORY)))
    assert.ok(!bytes.includes(key), 'the key is in a backup');
  for (const output of [planText.stdout, planText.stderr, planJson.stdout, apply.stdout, apply.stderr, audit.stdout])
    assert.ok(!output.includes(key), 'the key reached an output');

  const second = runCli(['harden', 'apply', '--yes', '--root', root]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /\nNothing to change( \(\d+ already in place\))?\.\n$/);
  assert.deepEqual(snapshotTree(root), applied);
  assert.equal(readdirSync(join(root, BACKUP_DIRECTORY)).filter((name) => !name.startsWith('.')).length, 1);

  const rollback = runCli(['harden', 'rollback', '--root', root]);
  assert.equal(rollback.code, 0, `${rollback.stdout}\n${rollback.stderr}`);
  assert.deepEqual(snapshotTree(root, exclude), before);
}

const ALL_AREAS = ['accounts', 'configs', 'permissions', 'systemd', 'sshd', 'firewall'];

describe('harden end to end: plan → apply → audit → apply → rollback', () => {
  test('the bundled published-guide example', async () => {
    const root = await materialiseExample('published-guide');
    try {
      await hardenRoundTrip(root, ALL_AREAS);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('the bundled hardened example: every addressed control already passes, so nothing is written', async () => {
    const root = await materialiseExample('hardened');
    try {
      const before = snapshotTree(root);
      const plan = runCli(['harden', 'plan', '--root', root]);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, /== sshd: already hardened, nothing to write/);
      assert.match(plan.stdout, /== firewall: already hardened, nothing to write/);
      assert.match(plan.stdout, /== systemd: already hardened, nothing to write/);
      assert.match(plan.stdout, /\nNothing to change/);
      const apply = runCli(['harden', 'apply', '--yes', '--root', root]);
      assert.equal(apply.code, 0, apply.stderr);
      assert.match(apply.stdout, /\nNothing to change/);
      assert.deepEqual(snapshotTree(root), before, 'no backup directory either');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  const expected: Record<string, string[]> = {
    'root-services': ALL_AREAS,
    'shared-account': ALL_AREAS,
    // A dedicated account and a token that is already strong: nothing for accounts or configs to do.
    'remote-node': ['permissions', 'systemd', 'sshd', 'firewall'],
    // Strong tokens and loopback/private endpoints: no config edit.
    'private-endpoint': ['accounts', 'permissions', 'systemd', 'sshd', 'firewall'],
    'environment-working-dir': ['accounts', 'permissions', 'systemd', 'sshd', 'firewall'],
    'shared-system-accounts': ['accounts', 'permissions', 'systemd', 'sshd', 'firewall'],
    'memory-database': ['accounts', 'permissions', 'systemd', 'sshd', 'firewall'],
    'remote-node-local-unit': ['accounts', 'permissions', 'systemd', 'sshd', 'firewall'],
    // Only the move out of /home for configs (the drop-in's ExecStart= names the new path).
    'home-config': ALL_AREAS,
    // The firewall keeps SSH open where it really is (ssh.socket 2222, sshd -p 2200); the audit agrees.
    'socket-activated-ssh': ['accounts', 'permissions', 'systemd', 'sshd', 'firewall'],
    'sshd-opts-port': ['accounts', 'permissions', 'systemd', 'sshd', 'firewall'],
    // WireGuard's ListenPort stays open; the node's events come over the tunnel from its address.
    'wireguard-node': ['permissions', 'systemd', 'sshd', 'firewall'],
  };
  for (const [name, make] of Object.entries(BROKEN_HOSTS)) {
    test(`the broken host ${name}`, async () => {
      const tree = await materialiseFiles(make());
      try {
        await hardenRoundTrip(tree.root, expected[name] ?? []);
      } finally {
        tree.cleanup();
      }
    });
  }
});
