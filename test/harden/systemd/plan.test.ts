// The systemd planner against the real systemd-analyze and the real service checks, over a matrix of layouts.
// A missing systemd-analyze fails these tests (the validations come back ok: false).
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadUnit } from '../../../src/discovery/units.js';
import { pathAccess, sandboxRules } from '../../../src/facts/services/sandbox-paths.js';
import type { HardenLayout, PlanPart, WriteFileChange } from '../../../src/harden/types.js';
import { scoreUnit } from '../../../src/systemd/exposure/score.js';
import { DirectoryTarget } from '../../../src/target/directory-target.js';
import { BASE_USERS, GROUP, PASSWD, signerToml, TEST_AUTH_TOKEN, TEST_SIGNER_KEY } from '../../support/hosts.js';
import { type FileSpec, materialiseExample, materialiseFiles } from '../../support/materialise.js';
import { NODE_TOML } from '../../support/service-hosts.js';
import { applyChanges, CHECKS, layoutOf, nodeLayout, plan, runCheckOn, signerLayout } from './support.js';

const SIGNER_CONFIG = '/etc/stacks/signer/signer-config.toml';
const EXEC = `ExecStart=/usr/local/bin/stacks-signer run --config ${SIGNER_CONFIG}`;

function unit(lines: readonly string[]): string {
  return [
    '[Unit]',
    'Description=Stacks signer',
    ...lines.filter((l) => l.startsWith('Condition')),
    '',
    '[Service]',
    ...lines.filter((l) => !l.startsWith('Condition')),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

const BINARIES: FileSpec = {
  'usr/local/bin/stacks-signer': { content: '#!/bin/sh\n', mode: 0o755 },
  'usr/local/bin/stacks-node': { content: '#!/bin/sh\n', mode: 0o755 },
  'var/lib': { dir: true },
};

interface MatrixCase {
  name: string;
  files: FileSpec;
  layout: HardenLayout;
  /** What the other parts (accounts, configs) would have done before this one, simulated on the tree. */
  beforeApply?: (root: string) => void;
  egress: boolean;
  userChanges?: boolean;
  expectFileName?: string;
}

function host(signerLines: readonly string[], toml: Record<string, string> = {}, extra: FileSpec = {}): FileSpec {
  return {
    ...BASE_USERS,
    ...BINARIES,
    [SIGNER_CONFIG]: { content: signerToml(toml), mode: 0o600, uid: 990, gid: 990 },
    'etc/systemd/system/stacks-signer.service': unit(signerLines),
    ...extra,
  };
}

const NODE_FILES: FileSpec = {
  'etc/systemd/system/stacks-node.service': unit([
    'ExecStart=/usr/local/bin/stacks-node start --config /etc/stacks/node/node-config.toml',
    'User=stacks-node',
  ]),
  'etc/stacks/node/node-config.toml': { content: NODE_TOML, mode: 0o600, uid: 991, gid: 991 },
};

const addUser = (root: string) => {
  const passwd = join(root, 'etc/passwd');
  const group = join(root, 'etc/group');
  writeFileSync(
    passwd,
    `${readFileSync(passwd, 'utf8')}stacks-signer:x:990:990::/var/lib/stacks-signer:/usr/sbin/nologin\n`,
  );
  writeFileSync(group, `${readFileSync(group, 'utf8')}stacks-signer:x:990:\n`);
};

const PASSWD_WITHOUT_SIGNER = PASSWD.split('\n')
  .filter((line) => !line.startsWith('stacks-signer:'))
  .join('\n');
const GROUP_WITHOUT_SIGNER = GROUP.split('\n')
  .filter((line) => !line.startsWith('stacks-signer:'))
  .join('\n');

const CASES: MatrixCase[] = [
  {
    name: 'local node with its unit here, db in /var/lib/stacks-signer',
    files: host([EXEC, 'User=stacks-signer'], {}, NODE_FILES),
    layout: layoutOf(signerLayout(), nodeLayout()),
    egress: true,
  },
  {
    name: 'remote node by IP, db in /var/stacks (ReadWritePaths, created)',
    files: host([EXEC, 'User=stacks-signer', 'PrivateTmp=yes'], {
      node_host: '10.0.0.5:20443',
      db_path: '/var/stacks/signer.sqlite',
    }),
    layout: layoutOf(
      signerLayout({ nodeAddresses: ['10.0.0.5'], dbPath: '/var/stacks/signer.sqlite', dbDirectory: '/var/stacks' }),
    ),
    egress: true,
  },
  {
    name: 'node by an /etc/hosts name on IPv4 and IPv6, node unit with its chainstate in /srv',
    files: host(
      [EXEC, 'User=stacks-signer'],
      { node_host: 'stacks-node.internal:20443', endpoint: '10.0.0.9:30000' },
      {
        ...NODE_FILES,
        'etc/hosts': '127.0.0.1 localhost\n10.0.0.7 stacks-node.internal\nfd00::7 stacks-node.internal\n',
        'srv/stacks-node': { dir: true, mode: 0o700, uid: 991, gid: 991 },
      },
    ),
    layout: layoutOf(
      signerLayout({ nodeAddresses: ['10.0.0.7', 'fd00::7'], endpoint: { host: '10.0.0.9', port: 30000 } }),
      nodeLayout({ workingDirectory: '/srv/stacks-node' }),
    ),
    egress: true,
  },
  {
    name: 'node_host a DNS name nothing maps: no IP filter, egress not claimed',
    files: host([EXEC, 'User=stacks-signer'], { node_host: 'node.example.com:20443' }),
    layout: layoutOf(signerLayout({ nodeAddressUnknown: 'node.example.com' })),
    egress: false,
  },
  {
    name: 'root signer with sudo as a supplementary group: a new system account',
    files: host(
      [EXEC, 'User=root', 'SupplementaryGroups=sudo'],
      {},
      {
        'etc/passwd': PASSWD_WITHOUT_SIGNER,
        'etc/group': GROUP_WITHOUT_SIGNER,
        [SIGNER_CONFIG]: { content: signerToml(), mode: 0o600 },
      },
    ),
    layout: layoutOf(
      signerLayout({
        account: { name: 'stacks-signer', uid: 990, group: 'stacks-signer', gid: 990, create: true, reason: 'root' },
      }),
    ),
    beforeApply: addUser,
    egress: true,
    userChanges: true,
  },
  {
    name: 'the published unit: --config under /home with ProtectHome, ExecStart reset',
    files: host(
      [
        'ConditionFileIsExecutable=/usr/local/bin/stacks-signer',
        'ConditionPathExists=/etc/stacks/signer',
        `ConditionFileNotEmpty=${SIGNER_CONFIG}`,
        'ExecStart=/usr/local/bin/stacks-signer run --config /home/etc/stacks/signer/signer-config.toml',
        'User=stacks-signer',
        'PrivateTmp=true',
        'ProtectSystem=full',
        'ProtectHome=true',
        'NoNewPrivileges=true',
        'PrivateDevices=true',
      ],
      { db_path: '/var/stacks/signer.sqlite' },
      { 'var/stacks': { dir: true, mode: 0o700, uid: 990, gid: 990 } },
    ),
    layout: layoutOf(
      signerLayout({
        configPath: '/home/etc/stacks/signer/signer-config.toml',
        execStart: ['/usr/local/bin/stacks-signer', 'run', '--config', SIGNER_CONFIG],
        dbPath: '/var/stacks/signer.sqlite',
        dbDirectory: '/var/stacks',
      }),
    ),
    egress: true,
  },
  {
    name: 'conditions on another config and binary: reset and re-set',
    files: host([
      'ConditionFileIsExecutable=/opt/stacks/bin/stacks-signer',
      'ConditionPathExists=/etc/stacks-signer',
      'ConditionFileNotEmpty=/etc/stacks-signer/config.toml',
      EXEC,
      'User=stacks-signer',
    ]),
    layout: layoutOf(signerLayout()),
    egress: true,
  },
  {
    name: 'an override.conf that turns things off: the drop-in sorts after it',
    files: host(
      [EXEC, 'User=stacks-signer'],
      {},
      {
        'etc/systemd/system/stacks-signer.service.d/override.conf':
          '[Service]\nRestart=no\nProtectSystem=no\nPrivateTmp=no\nIPAddressAllow=any\nCapabilityBoundingSet=CAP_SYS_ADMIN\n',
      },
    ),
    layout: layoutOf(signerLayout()),
    egress: true,
    expectFileName: 'zz-signer-opsec.conf',
  },
  {
    name: 'database under /home: ProtectHome=tmpfs with the directory bound in',
    files: host(
      [EXEC, 'User=stacks-signer'],
      { db_path: '/home/stacks/data/signer.sqlite' },
      {
        'home/stacks/data': { dir: true, mode: 0o700, uid: 990, gid: 990 },
      },
    ),
    layout: layoutOf(signerLayout({ dbPath: '/home/stacks/data/signer.sqlite', dbDirectory: '/home/stacks/data' })),
    egress: true,
  },
  {
    name: 'endpoint on port 443: CAP_NET_BIND_SERVICE kept',
    files: host([EXEC, 'User=stacks-signer'], { endpoint: '127.0.0.1:443' }),
    layout: layoutOf(signerLayout({ endpoint: { host: '127.0.0.1', port: 443 } })),
    egress: true,
  },
];

const cleanups: (() => void)[] = [];
after(() => {
  for (const cleanup of cleanups) cleanup();
});

function dropInOf(part: PlanPart, unitName: string): WriteFileChange {
  const change = part.changes.find(
    (candidate): candidate is WriteFileChange =>
      candidate.kind === 'write' && candidate.path.startsWith(`/etc/systemd/system/${unitName}.d/`),
  );
  assert.ok(change, `a drop-in for ${unitName}`);
  return change;
}

describe('planSystemd over generated hosts', () => {
  for (const matrixCase of CASES) {
    test(matrixCase.name, async () => {
      const tree = await materialiseFiles(matrixCase.files);
      cleanups.push(tree.cleanup);
      const part = await plan(tree.root, matrixCase.layout);
      assert.ok(part);
      assert.deepEqual(part.errors, []);
      for (const validation of part.validations) {
        assert.ok(validation.ok, `${validation.tool} on ${validation.artefact}: ${validation.detail}`);
      }
      const signerScore = part.validations.find(
        (validation) =>
          validation.tool.startsWith('systemd-analyze security') && validation.artefact.includes('stacks-signer'),
      )?.figures?.score;
      assert.equal(typeof signerScore, 'number');
      assert.ok((signerScore as number) < 2.0, `signer scores ${signerScore}`);

      const signerDropIn = dropInOf(part, 'stacks-signer.service');
      assert.equal(signerDropIn.mode, 0o644);
      assert.equal(signerDropIn.uid, 0);
      if (matrixCase.expectFileName) assert.ok(signerDropIn.path.endsWith(`/${matrixCase.expectFileName}`));
      assert.equal(part.addresses.includes('service/egress-restricted'), matrixCase.egress);
      assert.equal(part.addresses.includes('identity/signer-not-root'), matrixCase.userChanges === true);
      assert.ok(part.addresses.includes('service/unit-consistency'), part.notes.join('\n'));
      assert.deepEqual(
        part.reloads.map((reload) => reload.argv),
        [['systemctl', 'daemon-reload']],
      );

      matrixCase.beforeApply?.(tree.root);
      applyChanges(tree.root, part.changes);

      // Each control the part claims now passes on the tree, through the real check.
      for (const id of part.addresses) {
        const check = CHECKS[id];
        assert.ok(check, `a check for ${id}`);
        const { result } = await runCheckOn(tree.root, check);
        assert.equal(result.status, 'pass', `${id}: ${result.message}`);
      }

      // The signer's needs, read from the effective unit as systemd merges it.
      const target = new DirectoryTarget(tree.root, { live: false });
      const loaded = await loadUnit(target, 'stacks-signer.service');
      assert.ok(loaded?.loaded);
      const effective = loaded.effective;
      const rules = sandboxRules(effective);
      const layout = matrixCase.layout.signer!;
      assert.equal(pathAccess(layout.dbDirectory!, rules).access, 'read-write', 'the database directory is writable');
      assert.notEqual(pathAccess(layout.configTarget!, rules).access, 'hidden', 'the config is visible');
      const families = effective.words('Service', 'RestrictAddressFamilies');
      assert.ok(families.includes('AF_INET') && families.includes('AF_INET6'), 'TCP to the node and the endpoint');
      const allowed = effective.words('Service', 'IPAddressAllow');
      for (const address of layout.nodeAddresses) assert.ok(allowed.includes(address), `${address} allowed`);
      if (layout.endpoint && layout.endpoint.port < 1024) {
        assert.ok(effective.words('Service', 'AmbientCapabilities').includes('CAP_NET_BIND_SERVICE'));
      }
      // Our model of the score agrees with the real systemd-analyze.
      assert.equal(scoreUnit(effective).score, signerScore);

      // A second plan on the result proposes the same bytes and nothing to remove.
      const again = await plan(tree.root, matrixCase.layout);
      assert.ok(again);
      const second = dropInOf(again, 'stacks-signer.service');
      assert.equal(second.path, signerDropIn.path);
      assert.equal(readFileSync(join(tree.root, second.path), 'utf8'), second.content);
      assert.ok(!again.changes.some((change) => change.kind === 'remove'));
    });
  }
});

describe('planSystemd on the published-guide example', () => {
  test('plan → apply: every service control the part addresses passes; the node unit is confined too', async () => {
    const root = await materialiseExample('published-guide');
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const layout = layoutOf(
      signerLayout({
        configPath: '/home/etc/stacks/signer/signer-config.toml',
        execStart: ['/usr/local/bin/stacks-signer', 'run', '--config', SIGNER_CONFIG],
        account: { name: 'stacks-signer', uid: 990, group: 'stacks-signer', gid: 990, create: true, reason: 'sudo' },
        dbPath: '/var/stacks/signer.sqlite',
        dbDirectory: '/var/stacks',
        endpoint: { host: '127.0.0.1', port: 30000 },
      }),
      nodeLayout({
        account: { name: 'stacks-node', uid: 1001, group: 'stacks-node', gid: 1001, create: false, reason: 'kept' },
        workingDirectory: '/var/lib/stacks-node',
      }),
    );
    const part = await plan(root, layout);
    assert.ok(part);
    assert.deepEqual(part.errors, []);
    assert.ok(
      part.validations.length > 0 && part.validations.every((validation) => validation.ok),
      JSON.stringify(part.validations),
    );
    assert.deepEqual(
      new Set(part.addresses),
      new Set([
        'service/baseline-directives',
        'service/restart-policy',
        'service/exposure-score',
        'service/egress-restricted',
        'identity/signer-not-root',
        'service/unit-consistency',
      ]),
    );
    addUser(root);
    applyChanges(root, part.changes);
    for (const id of part.addresses) {
      const { result } = await runCheckOn(root, CHECKS[id]!);
      assert.equal(result.status, 'pass', `${id}: ${result.message}`);
    }
  });
});

describe('planSystemd keeps secrets out', () => {
  test('a unit with the key in Environment= and on the command line: nothing of it in the plan', async () => {
    const tree = await materialiseFiles(
      host([
        `ExecStart=/usr/local/bin/stacks-signer run --config ${SIGNER_CONFIG} --unused ${TEST_SIGNER_KEY}`,
        `Environment=SIGNER_KEY=${TEST_SIGNER_KEY} AUTH=${TEST_AUTH_TOKEN}`,
        '# the token is ' + TEST_AUTH_TOKEN,
        'User=stacks-signer',
      ]),
    );
    cleanups.push(tree.cleanup);
    const part = await plan(tree.root, layoutOf(signerLayout()));
    const text = JSON.stringify(part);
    assert.ok(!text.includes(TEST_SIGNER_KEY.slice(0, 40)));
    assert.ok(!text.includes(TEST_AUTH_TOKEN));
  });
});

describe('planSystemd with nothing to do', () => {
  test('no unit in the layout: no part', async () => {
    const tree = await materialiseFiles(BASE_USERS);
    cleanups.push(tree.cleanup);
    const { unit: _, ...withoutUnit } = signerLayout();
    assert.equal(await plan(tree.root, layoutOf(withoutUnit)), undefined);
  });

  test('a unit that does not exist: an error naming it, and no changes', async () => {
    const tree = await materialiseFiles(BASE_USERS);
    cleanups.push(tree.cleanup);
    const part = await plan(tree.root, layoutOf(signerLayout()));
    assert.ok(part);
    assert.deepEqual(part.changes, []);
    assert.match(
      part.errors[0] ?? '',
      /stacks-signer\.service \(\/etc\/systemd\/system\/stacks-signer\.service\) was not found/,
    );
  });
});

describe('planSystemd renames its drop-in when another one would sort after it', () => {
  test('an override.conf added after an apply: zz- is written and the old 99- removed', async () => {
    const tree = await materialiseFiles(
      host(
        [EXEC, 'User=stacks-signer'],
        {},
        {
          'etc/systemd/system/stacks-signer.service.d/99-signer-opsec.conf': '[Service]\nRestart=no\n',
          'etc/systemd/system/stacks-signer.service.d/override.conf': '[Service]\nLimitNOFILE=65536\n',
        },
      ),
    );
    cleanups.push(tree.cleanup);
    const part = await plan(tree.root, layoutOf(signerLayout()));
    assert.ok(part);
    assert.equal(
      dropInOf(part, 'stacks-signer.service').path,
      '/etc/systemd/system/stacks-signer.service.d/zz-signer-opsec.conf',
    );
    assert.deepEqual(
      part.changes.filter((change) => change.kind === 'remove').map((change) => change.path),
      ['/etc/systemd/system/stacks-signer.service.d/99-signer-opsec.conf'],
    );
    assert.ok(
      part.validations.length > 0 && part.validations.every((validation) => validation.ok),
      JSON.stringify(part.validations),
    );
  });

  test('a node address that is not an IP: an error, and no changes', async () => {
    const tree = await materialiseFiles(host([EXEC, 'User=stacks-signer']));
    cleanups.push(tree.cleanup);
    const part = await plan(tree.root, layoutOf(signerLayout({ nodeAddresses: ['node.internal'] })));
    assert.ok(part);
    assert.deepEqual(part.changes, []);
    assert.match(part.errors.join('\n'), /"node.internal" from the layout is not an IP address/);
  });
});
