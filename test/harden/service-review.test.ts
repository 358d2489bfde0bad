// The service planners on the review's hosts: what each decides (layout, drop-in, permissions, config edits), and
// the hosts harden must refuse with the move the operator has to make. Real trees, the real systemd-analyze.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuditContext } from '../../src/engine/context.js';
import { planConfigs } from '../../src/harden/configs/plan.js';
import { decideLayout } from '../../src/harden/layout.js';
import { planPermissions } from '../../src/harden/permissions/plan.js';
import { planSystemd } from '../../src/harden/systemd/plan.js';
import type { HardenLayout, Planner, PlanPart, WriteFileChange } from '../../src/harden/types.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { runCli } from '../support/cli.js';
import {
  environmentWorkingDirHost,
  memoryDatabaseHost,
  privateEndpointHost,
  REFUSED_HOSTS,
  remoteNodeLocalUnitHost,
  sharedSystemAccountsHost,
} from '../support/harden-hosts.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';
import { snapshotTree } from '../support/snapshot-tree.js';

interface Planned {
  layout: HardenLayout;
  parts: Record<string, PlanPart | undefined>;
}

async function planned(spec: FileSpec, planners: Record<string, Planner>): Promise<Planned> {
  const tree = await materialiseFiles(spec);
  try {
    const ctx = new AuditContext(new DirectoryTarget(tree.root, { live: false }));
    const layout = await decideLayout(ctx);
    const parts: Record<string, PlanPart | undefined> = {};
    for (const [name, planner] of Object.entries(planners))
      parts[name] = await planner({ ctx, layout, options: { consoleAccess: false } });
    return { layout, parts };
  } finally {
    tree.cleanup();
  }
}

function dropIn(part: PlanPart | undefined, unit: string): string {
  const change = part?.changes.find(
    (candidate): candidate is WriteFileChange =>
      candidate.kind === 'write' && candidate.path.startsWith(`/etc/systemd/system/${unit}.d/`),
  );
  assert.ok(change, `a drop-in for ${unit}: ${part?.errors.join('; ')}`);
  return change.content;
}

function lines(text: string, key: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${key}=`));
}

describe('service planners on the review hosts', () => {
  test('a private endpoint fed by the local node: its address is allowed beside loopback', async () => {
    const { layout, parts } = await planned(privateEndpointHost(), { systemd: planSystemd });
    assert.deepEqual(layout.signer?.localAddresses, ['10.0.0.5']);
    const text = dropIn(parts.systemd, 'stacks-signer.service');
    assert.deepEqual(lines(text, 'IPAddressAllow'), ['IPAddressAllow=', 'IPAddressAllow=localhost 10.0.0.5']);
    for (const validation of parts.systemd?.validations ?? []) assert.ok(validation.ok, validation.detail);
  });

  test('a wildcard endpoint: the local observer host on its port is allowed; a private metrics bind is noted', async () => {
    const spec = privateEndpointHost();
    const { layout, parts } = await planned(
      {
        ...spec,
        'etc/stacks-signer/config.toml': {
          content: String((spec['etc/stacks-signer/config.toml'] as { content: string }).content)
            .replace('10.0.0.5:30000', '0.0.0.0:30000')
            .concat('metrics_endpoint = "10.0.0.5:9154"\n'),
          mode: 0o600,
        },
      },
      { systemd: planSystemd },
    );
    assert.deepEqual(layout.signer?.localAddresses, ['10.0.0.5']);
    assert.match(layout.notes.join('\n'), /metrics_endpoint binds 10\.0\.0\.5.*Prometheus on another host/);
    assert.equal(
      lines(dropIn(parts.systemd, 'stacks-signer.service'), 'IPAddressAllow').at(-1),
      'IPAddressAllow=localhost 10.0.0.5',
    );
  });

  test('STACKS_WORKING_DIR in the node unit overrides working_dir; an unset working_dir is noted, not changed', async () => {
    const { layout, parts } = await planned(environmentWorkingDirHost(), { systemd: planSystemd });
    assert.equal(layout.node?.workingDirectory, '/srv/stacks-node');
    assert.deepEqual(lines(dropIn(parts.systemd, 'stacks-node.service'), 'ReadWritePaths'), [
      'ReadWritePaths=/srv/stacks-node',
    ]);
    const spec = environmentWorkingDirHost();
    spec['etc/systemd/system/stacks-node.service'] = String(spec['etc/systemd/system/stacks-node.service']).replace(
      'Environment=STACKS_WORKING_DIR=/srv/stacks-node\n',
      '',
    );
    const none = await planned(spec, {});
    assert.equal(none.layout.node?.workingDirectory, undefined);
    assert.match(none.layout.notes.join('\n'), /working_dir is not set.*working_dir = "\/var\/lib\/stacks-node"/);
  });

  test('www-data, nobody and an account another unit runs as are not kept', async () => {
    const { layout, parts } = await planned(sharedSystemAccountsHost(), { systemd: planSystemd });
    assert.equal(layout.signer?.account?.name, 'stacks-signer');
    assert.match(layout.signer?.account?.reason ?? '', /www-data \(uid 33, below SYS_UID_MIN 100\)/);
    assert.equal(layout.node?.account?.name, 'stacks-node');
    assert.equal(layout.node?.account?.create, true);
    assert.deepEqual(lines(dropIn(parts.systemd, 'stacks-node.service'), 'User'), ['User=stacks-node']);

    const spec = sharedSystemAccountsHost();
    spec['etc/passwd'] = `${String(spec['etc/passwd'])}signer:x:990:990::/nonexistent:/usr/sbin/nologin\n`;
    spec['etc/group'] = `${String(spec['etc/group'])}signer:x:990:\n`;
    spec['etc/systemd/system/stacks-signer.service'] = String(spec['etc/systemd/system/stacks-signer.service']).replace(
      'User=www-data',
      'User=signer',
    );
    spec['etc/systemd/system/backup.service'] = '[Service]\nExecStart=/usr/bin/true\nUser=signer\n';
    const other = await planned(spec, {});
    assert.equal(other.layout.signer?.account?.name, 'stacks-signer');
    assert.match(other.layout.signer?.account?.reason ?? '', /backup\.service also runs as signer/);
  });

  test('db_path = ":memory:" needs no writable directory', async () => {
    const { layout, parts } = await planned(memoryDatabaseHost(), {
      systemd: planSystemd,
      permissions: planPermissions,
    });
    assert.equal(layout.signer?.dbPath, undefined);
    assert.equal(layout.signer?.dbDirectory, undefined);
    assert.deepEqual(parts.systemd?.errors, []);
    const text = dropIn(parts.systemd, 'stacks-signer.service');
    assert.deepEqual([...lines(text, 'StateDirectory'), ...lines(text, 'ReadWritePaths')], []);
    assert.ok(parts.permissions?.addresses.includes('keys/signer-db-permissions'));
  });

  test('a signer whose node is remote keeps its endpoint although a local node observes over loopback', async () => {
    const { parts } = await planned(remoteNodeLocalUnitHost(), { configs: planConfigs });
    assert.deepEqual(parts.configs?.changes, []);
    assert.match(parts.configs?.notes.join('\n') ?? '', /node_host is not loopback/);
  });

  test('a binary in a home area: nothing under /home is chowned or chmodded', async () => {
    const { parts } = await planned(REFUSED_HOSTS['home-binary']!.spec(), { permissions: planPermissions });
    assert.deepEqual(
      parts.permissions?.changes.filter((change) => change.path.startsWith('/home')),
      [],
    );
    assert.ok(!parts.permissions?.addresses.includes('binary/not-writable-by-service'));
    assert.match(
      parts.permissions?.notes.join('\n') ?? '',
      /\/home\/admin is in a home area, which harden never changes/,
    );
  });

  for (const [name, { spec, error }] of Object.entries(REFUSED_HOSTS)) {
    test(`refused: ${name} — the plan names the move, apply writes nothing`, async () => {
      const tree = await materialiseFiles(spec());
      try {
        const before = snapshotTree(tree.root);
        const plan = runCli(['harden', 'plan', '--root', tree.root, '--format', 'json']);
        const parts = (JSON.parse(plan.stdout) as { parts: PlanPart[] }).parts;
        const systemd = parts.find((part) => part.area === 'systemd');
        assert.match(systemd?.errors.join('\n') ?? '', error);
        assert.deepEqual(systemd?.changes, []);
        assert.ok(!systemd?.addresses.includes('service/unit-consistency'));
        const dbRefused = !['home-binary', 'root-node-data-chainstate'].includes(name);
        if (dbRefused) assert.ok(!parts.some((part) => part.addresses.includes('keys/signer-db-permissions')));
        const apply = runCli(['harden', 'apply', '--yes', '--root', tree.root]);
        assert.notEqual(apply.code, 0, apply.stdout);
        assert.deepEqual(snapshotTree(tree.root), before);
      } finally {
        tree.cleanup();
      }
    });
  }
});
