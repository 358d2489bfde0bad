import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { discover, WELL_KNOWN_CONFIGS } from '../../src/discovery/index.js';
import type { Discovery } from '../../src/discovery/types.js';
import type { AuditOptions } from '../../src/engine/context.js';
import { SecretRegistry } from '../../src/engine/secrets.js';
import { guessableFingerprint, keyFingerprintOfHex } from '../../src/stacks/fingerprint.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { nodeToml, signerToml, TEST_AUTH_TOKEN, TEST_SIGNER_KEY } from '../support/hosts.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

const SYSTEM = 'etc/systemd/system';
const VENDOR = 'usr/lib/systemd/system';

async function discoverIn(
  files: FileSpec,
  options: AuditOptions = {},
): Promise<{ discovery: Discovery; secrets: SecretRegistry }> {
  const tree = await materialiseFiles(files);
  try {
    const secrets = new SecretRegistry();
    const discovery = await discover(new DirectoryTarget(tree.root, { live: false }), options, secrets);
    return { discovery, secrets };
  } finally {
    tree.cleanup();
  }
}

function signerUnit(execStart: string, extra: string[] = []): string {
  return [
    '[Unit]',
    'Description=Stacks signer',
    ...extra,
    '',
    '[Service]',
    'User=stacks-signer',
    `ExecStart=${execStart}`,
    '',
  ].join('\n');
}

describe('discover: systemd units', () => {
  test('an /etc unit running `stacks-signer run --config P` gives the unit and config P, before well-known paths', async () => {
    const { discovery } = await discoverIn({
      [`${SYSTEM}/stacks-signer.service`]: signerUnit('/opt/bin/stacks-signer run --config /srv/signer/conf.toml'),
      'srv/signer/conf.toml': signerToml(),
      // A config at a well-known path too: the unit's own config wins.
      'etc/stacks/signer/signer-config.toml': signerToml({ network: 'testnet' }),
    });
    const signer = discovery.signer;
    assert.ok(signer);
    assert.equal(signer.source, 'unit');
    assert.equal(signer.unit?.name, 'stacks-signer.service');
    assert.equal(signer.unit?.path, '/etc/systemd/system/stacks-signer.service');
    assert.equal(signer.binary, '/opt/bin/stacks-signer');
    assert.deepEqual(signer.argv, ['/opt/bin/stacks-signer', 'run', '--config', '/srv/signer/conf.toml']);
    assert.equal(signer.declaredUser, 'stacks-signer');
    assert.equal(signer.config.status, 'ok');
    assert.equal(signer.config.status === 'ok' && signer.config.path, '/srv/signer/conf.toml');
    assert.equal(signer.config.status === 'ok' && signer.config.parsed.config.network, 'mainnet');
    assert.equal(discovery.node, undefined);
    assert.deepEqual(discovery.notes, []);
  });

  test('other config spellings in ExecStart (--config=P, -c P) are understood', async () => {
    for (const exec of [
      '/usr/bin/stacks-signer run --config=/srv/a.toml',
      '/usr/bin/stacks-signer run -c /srv/a.toml',
      '"/usr/bin/stacks-signer" run --config "/srv/a.toml"',
    ]) {
      const { discovery } = await discoverIn({
        [`${SYSTEM}/signer.service`]: signerUnit(exec),
        'srv/a.toml': signerToml(),
      });
      const config = discovery.signer?.config;
      assert.equal(config?.status, 'ok', exec);
      assert.equal(config?.status === 'ok' && config.path, '/srv/a.toml', exec);
    }
  });

  test('a /usr/lib unit whose ExecStart an /etc drop-in resets and replaces uses the drop-in command', async () => {
    const { discovery } = await discoverIn({
      [`${VENDOR}/stacks-signer.service`]: signerUnit('/usr/bin/stacks-signer run --config /etc/vendor.toml'),
      [`${SYSTEM}/stacks-signer.service.d/10-config.conf`]:
        '[Service]\nExecStart=\nExecStart=/usr/local/bin/stacks-signer run --config /etc/local.toml\n',
      'etc/vendor.toml': signerToml({ network: 'testnet' }),
      'etc/local.toml': signerToml(),
    });
    const signer = discovery.signer;
    assert.ok(signer);
    assert.equal(signer.source, 'unit');
    assert.equal(signer.unit?.path, '/usr/lib/systemd/system/stacks-signer.service');
    assert.deepEqual(signer.unit?.effective.files, [
      '/usr/lib/systemd/system/stacks-signer.service',
      '/etc/systemd/system/stacks-signer.service.d/10-config.conf',
    ]);
    assert.equal(signer.binary, '/usr/local/bin/stacks-signer');
    assert.equal(signer.config.status === 'ok' && signer.config.path, '/etc/local.toml');
    assert.equal(signer.config.status === 'ok' && signer.config.parsed.config.network, 'mainnet');
  });

  test('a node unit is found the same way (`stacks-node start --config P`)', async () => {
    const { discovery } = await discoverIn({
      [`${SYSTEM}/stacks-node.service`]:
        '[Service]\nUser=stacks-node\nExecStart=/usr/local/bin/stacks-node start --config /srv/node.toml\n',
      'srv/node.toml': nodeToml(),
    });
    assert.equal(discovery.signer, undefined);
    assert.equal(discovery.node?.source, 'unit');
    assert.equal(discovery.node?.config.status === 'ok' && discovery.node.config.path, '/srv/node.toml');
    assert.equal(discovery.node?.declaredUser, 'stacks-node');
  });

  test('two signer units: a note names both, and the first is audited', async () => {
    const { discovery } = await discoverIn({
      [`${SYSTEM}/signer-a.service`]: signerUnit('/usr/bin/stacks-signer run --config /srv/a.toml'),
      [`${SYSTEM}/signer-b.service`]: signerUnit('/usr/bin/stacks-signer run --config /srv/b.toml'),
      'srv/a.toml': signerToml(),
      'srv/b.toml': signerToml(),
    });
    const note = discovery.notes.find((text) => text.startsWith('several signer units'));
    assert.ok(note, JSON.stringify(discovery.notes));
    assert.ok(note.includes('signer-a.service') && note.includes('signer-b.service'), note);
    const audited = discovery.signer?.unit?.name;
    assert.ok(audited === 'signer-a.service' || audited === 'signer-b.service');
    assert.ok(note.endsWith(`auditing ${audited}`), note);
  });

  test('a masked signer unit is ignored (no unit, no "several" note)', async () => {
    const { discovery } = await discoverIn({
      [`${SYSTEM}/stacks-signer.service`]: { symlink: '/dev/null' },
      [`${VENDOR}/stacks-signer.service`]: signerUnit('/usr/bin/stacks-signer run --config /srv/a.toml'),
      [`${VENDOR}/old-signer.service`]: signerUnit('/usr/bin/stacks-signer run --config /srv/old.toml'),
      [`${SYSTEM}/old-signer.service`]: '',
      'srv/a.toml': signerToml(),
    });
    // Both units are masked (symlink to /dev/null; empty file), so nothing names a config.
    assert.equal(discovery.signer, undefined);
    assert.deepEqual(discovery.notes, []);
  });

  test('a masked unit beside an active one: the active one is audited alone', async () => {
    const { discovery } = await discoverIn({
      [`${SYSTEM}/old-signer.service`]: { symlink: '/dev/null' },
      [`${VENDOR}/old-signer.service`]: signerUnit('/usr/bin/stacks-signer run --config /srv/old.toml'),
      [`${SYSTEM}/stacks-signer.service`]: signerUnit('/usr/bin/stacks-signer run --config /srv/a.toml'),
      'srv/a.toml': signerToml(),
    });
    assert.equal(discovery.signer?.unit?.name, 'stacks-signer.service');
    assert.deepEqual(discovery.notes, []);
  });

  test('a unit whose --config file is missing falls back to its ConditionFileNotEmpty file, with a note', async () => {
    const { discovery } = await discoverIn({
      [`${SYSTEM}/stacks-signer.service`]: signerUnit('/usr/bin/stacks-signer run --config /etc/signer/typo.toml', [
        'ConditionFileNotEmpty=|/etc/signer/real.toml',
      ]),
      'etc/signer/real.toml': signerToml(),
      // A well-known config exists too; the unit's own condition comes first.
      'etc/stacks/signer/signer-config.toml': signerToml({ network: 'testnet' }),
    });
    const signer = discovery.signer;
    assert.ok(signer);
    assert.equal(signer.source, 'unit');
    assert.equal(signer.config.status, 'ok');
    assert.equal(signer.config.status === 'ok' && signer.config.path, '/etc/signer/real.toml');
    assert.ok(
      discovery.notes.includes(
        'stacks-signer.service starts the signer with /etc/signer/typo.toml, which does not exist; auditing /etc/signer/real.toml instead',
      ),
      JSON.stringify(discovery.notes),
    );
  });

  test('a unit whose --config file is missing, with nothing to fall back to, reports the config missing', async () => {
    const { discovery } = await discoverIn({
      [`${SYSTEM}/stacks-signer.service`]: signerUnit('/usr/bin/stacks-signer run --config /etc/signer/typo.toml'),
    });
    const config = discovery.signer?.config;
    assert.equal(config?.status, 'missing');
    assert.equal(config?.status === 'missing' && config.path, '/etc/signer/typo.toml');
    assert.equal(config?.status === 'missing' && config.reason, '/etc/signer/typo.toml does not exist');
    assert.deepEqual(discovery.notes, []);
  });

  test('a unit that names no config: status unknown with a reason', async () => {
    const { discovery } = await discoverIn({
      [`${SYSTEM}/stacks-signer.service`]: signerUnit('/usr/bin/stacks-signer run'),
    });
    assert.equal(discovery.signer?.source, 'unit');
    assert.equal(discovery.signer?.config.status, 'unknown');
    assert.match(discovery.signer?.config.status === 'unknown' ? discovery.signer.config.reason : '', /no config path/);
  });
});

describe('discover: well-known paths', () => {
  for (const role of ['signer', 'node'] as const) {
    const paths = WELL_KNOWN_CONFIGS[role];
    const content = role === 'signer' ? signerToml() : nodeToml();
    paths.forEach((path, index) => {
      test(`${role}: ${path} is used when no earlier well-known path exists`, async () => {
        // This path and every later one exist: the earliest present one must win.
        const files: FileSpec = {};
        for (const later of paths.slice(index)) files[later] = content;
        const { discovery } = await discoverIn(files);
        const service = discovery[role];
        assert.ok(service, `${role} found`);
        assert.equal(service.source, 'well-known');
        assert.equal(service.config.status, 'ok');
        assert.equal(service.config.status === 'ok' && service.config.path, path);
        assert.equal(service.unit, undefined);
      });
    });
  }

  test('the listed paths, in order', () => {
    assert.deepEqual(WELL_KNOWN_CONFIGS.signer, [
      '/etc/stacks/signer/signer-config.toml',
      '/etc/stacks-signer/config.toml',
      '/etc/stacks-signer/signer-config.toml',
    ]);
    assert.deepEqual(WELL_KNOWN_CONFIGS.node, ['/etc/stacks/node/node-config.toml', '/etc/stacks-node/config.toml']);
  });

  test('a dangling symlink at a well-known path is reported as missing, not skipped', async () => {
    const { discovery } = await discoverIn({
      'etc/stacks/signer/signer-config.toml': { symlink: '/nowhere/signer.toml' },
      'etc/stacks-signer/config.toml': signerToml(),
    });
    const config = discovery.signer?.config;
    assert.equal(config?.status, 'missing');
    assert.equal(config?.status === 'missing' && config.path, '/etc/stacks/signer/signer-config.toml');
    assert.match(config?.status === 'missing' ? config.reason : '', /symlink to \/nowhere\/signer\.toml/);
  });

  test('nothing anywhere: no signer, no node, no notes', async () => {
    const { discovery } = await discoverIn({ 'etc/hostname': 'empty\n' });
    assert.deepEqual(discovery, { notes: [], containers: [], incomplete: [] });
  });
});

describe('discover: docker compose', () => {
  test('a signer container with the image default config: the bind-mounted host file is the config', async () => {
    const { discovery } = await discoverIn({
      'opt/signer/docker-compose.yml': [
        'services:',
        '  signer:',
        '    image: blockstack/stacks-signer:3.1.0.0.7.0',
        '    user: "990:990"',
        '    volumes:',
        '      - ./signer-config.toml:/signer-config.toml:ro',
        '      - signer-data:/data',
        'volumes:',
        '  signer-data: {}',
        '',
      ].join('\n'),
      'opt/signer/signer-config.toml': signerToml(),
    });
    const signer = discovery.signer;
    assert.ok(signer);
    assert.equal(signer.source, 'compose');
    assert.equal(signer.container?.name, 'signer');
    assert.equal(signer.container?.file, '/opt/signer/docker-compose.yml');
    assert.equal(signer.binary, 'blockstack/stacks-signer:3.1.0.0.7.0');
    assert.equal(signer.declaredUser, '990:990');
    assert.equal(signer.config.status, 'ok');
    assert.equal(signer.config.status === 'ok' && signer.config.path, '/opt/signer/signer-config.toml');
  });

  test('a --config in the command under a mounted directory maps to the file in the host directory', async () => {
    const { discovery } = await discoverIn({
      'srv/stacks/compose.yaml': [
        'services:',
        '  my-signer:',
        '    image: ghcr.io/stacks-network/stacks-signer@sha256:0123',
        '    command: stacks-signer run --config /config/signer.toml',
        '    volumes:',
        '      - type: bind',
        '        source: ./conf',
        '        target: /config',
        '        read_only: true',
        '',
      ].join('\n'),
      'srv/stacks/conf/signer.toml': signerToml(),
    });
    assert.equal(discovery.signer?.source, 'compose');
    const config = discovery.signer?.config;
    assert.equal(config?.status === 'ok' && config.path, '/srv/stacks/conf/signer.toml');
  });

  test('a compose signer whose bind mount is a well-known path is reported as compose, with a note', async () => {
    const { discovery } = await discoverIn({
      'etc/stacks/signer/signer-config.toml': signerToml(),
      'opt/signer/compose.yml':
        'services:\n  signer:\n    image: blockstack/stacks-signer:3\n    volumes:\n      - /etc/stacks/signer/signer-config.toml:/signer-config.toml:ro\n',
    });
    assert.equal(discovery.signer?.source, 'compose');
    assert.equal(discovery.signer?.container?.name, 'signer');
    const config = discovery.signer?.config;
    assert.equal(config?.status === 'ok' && config.path, '/etc/stacks/signer/signer-config.toml');
    assert.ok(
      discovery.notes.some((note) => note.includes('well-known path /etc/stacks/signer/signer-config.toml')),
      discovery.notes.join('\n'),
    );
  });

  test('a unit or a well-known config comes before compose', async () => {
    const { discovery } = await discoverIn({
      'etc/stacks/signer/signer-config.toml': signerToml(),
      'opt/signer/compose.yml':
        'services:\n  signer:\n    image: blockstack/stacks-signer:3\n    volumes:\n      - ./c.toml:/signer-config.toml\n',
      'opt/signer/c.toml': signerToml(),
    });
    assert.equal(discovery.signer?.source, 'well-known');
    // The container is still attached, for container checks.
    assert.equal(discovery.signer?.container?.name, 'signer');
  });
});

describe('discover: flags', () => {
  test('--signer-config overrides a unit and a well-known path; the unit is kept', async () => {
    const { discovery } = await discoverIn(
      {
        [`${SYSTEM}/stacks-signer.service`]: signerUnit('/usr/bin/stacks-signer run --config /srv/unit.toml'),
        'srv/unit.toml': signerToml({ network: 'testnet' }),
        'etc/stacks/signer/signer-config.toml': signerToml({ network: 'testnet' }),
        'home/alice/flag.toml': signerToml({ network: 'mocknet' }),
      },
      { signerConfig: '/home/alice/flag.toml' },
    );
    const signer = discovery.signer;
    assert.equal(signer?.source, 'flag');
    assert.equal(signer?.config.status === 'ok' && signer.config.path, '/home/alice/flag.toml');
    assert.equal(signer?.config.status === 'ok' && signer.config.parsed.config.network, 'mocknet');
    assert.equal(signer?.unit?.name, 'stacks-signer.service');
  });

  test('--signer-config naming a missing file: missing, with no fallback', async () => {
    const { discovery } = await discoverIn(
      { 'etc/stacks/signer/signer-config.toml': signerToml() },
      { signerConfig: '/nope.toml' },
    );
    assert.equal(discovery.signer?.source, 'flag');
    assert.equal(discovery.signer?.config.status, 'missing');
    assert.equal(discovery.signer?.config.status === 'missing' && discovery.signer.config.path, '/nope.toml');
  });

  test('--signer-unit picks that unit among several, without a "several" note', async () => {
    const { discovery } = await discoverIn(
      {
        [`${SYSTEM}/signer-a.service`]: signerUnit('/usr/bin/stacks-signer run --config /srv/a.toml'),
        [`${SYSTEM}/signer-b.service`]: signerUnit('/usr/bin/stacks-signer run --config /srv/b.toml'),
        'srv/a.toml': signerToml(),
        'srv/b.toml': signerToml({ network: 'testnet' }),
      },
      { signerUnit: 'signer-b.service' },
    );
    assert.equal(discovery.signer?.unit?.name, 'signer-b.service');
    assert.equal(discovery.signer?.source, 'unit');
    assert.equal(discovery.signer?.config.status === 'ok' && discovery.signer.config.path, '/srv/b.toml');
    assert.deepEqual(discovery.notes, []);
  });

  test('an unknown --signer-unit adds a note and discovery goes on without units', async () => {
    const { discovery } = await discoverIn(
      {
        [`${SYSTEM}/stacks-signer.service`]: signerUnit('/usr/bin/stacks-signer run --config /srv/a.toml'),
        'srv/a.toml': signerToml(),
        'etc/stacks/signer/signer-config.toml': signerToml(),
      },
      { signerUnit: 'nope.service' },
    );
    assert.ok(
      discovery.notes.includes('--signer-unit nope.service: no such unit in the target'),
      JSON.stringify(discovery.notes),
    );
    assert.equal(discovery.signer?.source, 'well-known');
    assert.equal(discovery.signer?.unit, undefined);
  });

  test('--node-config overrides node discovery', async () => {
    const { discovery } = await discoverIn(
      { 'etc/stacks/node/node-config.toml': nodeToml(), 'srv/other-node.toml': nodeToml() },
      { nodeConfig: '/srv/other-node.toml' },
    );
    assert.equal(discovery.node?.source, 'flag');
    assert.equal(discovery.node?.config.status === 'ok' && discovery.node.config.path, '/srv/other-node.toml');
  });
});

describe('discover: config contents', () => {
  test('invalid TOML: status invalid, reason with path:line:col, and no secret in it', async () => {
    const broken = `stacks_private_key = "${TEST_SIGNER_KEY}"\nauth_password = "${TEST_AUTH_TOKEN}\nnode_host = "127.0.0.1:20443"\n`;
    const { discovery, secrets } = await discoverIn({ 'etc/stacks/signer/signer-config.toml': broken });
    const config = discovery.signer?.config;
    assert.equal(config?.status, 'invalid');
    if (config?.status !== 'invalid') return;
    assert.equal(config.path, '/etc/stacks/signer/signer-config.toml');
    assert.match(config.reason, /^\/etc\/stacks\/signer\/signer-config\.toml:2:\d+: invalid TOML: /);
    // Said once, not "invalid TOML: invalid TOML: ...".
    assert.equal(config.reason.split('invalid TOML').length, 2, config.reason);
    assert.equal(config.line, 2);
    assert.ok(!config.reason.includes(TEST_SIGNER_KEY.slice(0, 16)), config.reason);
    assert.ok(!config.reason.includes(TEST_AUTH_TOKEN.slice(0, 12)), config.reason);
    // Nothing was parsed, so nothing was registered.
    assert.equal(secrets.size, 0);
  });

  test('binary data is invalid, not parsed', async () => {
    const { discovery } = await discoverIn({
      'etc/stacks/signer/signer-config.toml': Buffer.from([0x61, 0x00, 0x62]),
    });
    const config = discovery.signer?.config;
    assert.equal(config?.status, 'invalid');
    assert.equal(
      config?.status === 'invalid' && config.reason,
      '/etc/stacks/signer/signer-config.toml: binary data, not TOML',
    );
  });

  test('signer secrets are registered: a string holding them is masked', async () => {
    const { discovery, secrets } = await discoverIn({ 'etc/stacks/signer/signer-config.toml': signerToml() });
    assert.equal(discovery.signer?.config.status, 'ok');
    const text = `key ${TEST_SIGNER_KEY} bare ${TEST_SIGNER_KEY.slice(0, 64)} upper ${TEST_SIGNER_KEY.slice(0, 64).toUpperCase()} token ${TEST_AUTH_TOKEN}`;
    const masked = secrets.mask(text);
    assert.ok(!masked.toLowerCase().includes(TEST_SIGNER_KEY.slice(0, 64)), masked);
    assert.ok(!masked.includes(TEST_AUTH_TOKEN), masked);
    assert.ok(masked.includes(`[secret ${keyFingerprintOfHex(TEST_SIGNER_KEY)}]`), masked);
    // A token is masked with the slow (scrypt) fingerprint: a SHA-256 prefix would be a dictionary oracle.
    assert.ok(masked.includes(`[secret ${guessableFingerprint(TEST_AUTH_TOKEN)}]`), masked);
  });

  test('node secrets are registered too', async () => {
    const seed = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const { secrets } = await discoverIn({
      'etc/stacks/node/node-config.toml': nodeToml({ node: { seed }, burnchain: { password: 'bitcoind-rpc-pass' } }),
    });
    const masked = secrets.mask(`${seed} ${TEST_AUTH_TOKEN} bitcoind-rpc-pass`);
    assert.ok(!masked.includes(seed), masked);
    assert.ok(!masked.includes(TEST_AUTH_TOKEN), masked);
    assert.ok(!masked.includes('bitcoind-rpc-pass'), masked);
  });

  test('unknown signer keys and invalid values become service notes with line numbers', async () => {
    const text = `${signerToml()}sign_timeout_ms = 5\nmystery = "x"\nevent_timeout_ms = "soon"\n`;
    const { discovery } = await discoverIn({ 'etc/stacks/signer/signer-config.toml': text });
    const path = '/etc/stacks/signer/signer-config.toml';
    assert.deepEqual(discovery.signer?.notes, [
      `${path}:8: unknown key "sign_timeout_ms" (removed in 3.0)`,
      `${path}:9: unknown key or section (name not shown)`,
      `${path}:10: "event_timeout_ms" should be a non-negative integer`,
    ]);
    // The notes never carry the value itself.
    assert.ok(!discovery.signer?.notes.some((note) => note.includes('soon')));
  });

  test("unknown node keys: their line and known section, never their name (it is the file's text)", async () => {
    const { discovery } = await discoverIn({
      'etc/stacks/node/node-config.toml': nodeToml({ node: { bogus_setting: true } }),
    });
    const notes = discovery.node?.notes ?? [];
    const line = nodeToml({ node: { bogus_setting: true } })
      .split('\n')
      .indexOf('bogus_setting = true');
    assert.ok(
      notes.includes(`/etc/stacks/node/node-config.toml:${line + 1}: unknown key in [node] (name not shown)`),
      JSON.stringify(notes),
    );
  });

  test('unit parse problems become notes of the service', async () => {
    const { discovery } = await discoverIn({
      [`${SYSTEM}/stacks-signer.service`]: `${signerUnit('/usr/bin/stacks-signer run --config /srv/a.toml')}this line is not an assignment\n`,
      'srv/a.toml': signerToml(),
    });
    const notes = discovery.signer?.notes ?? [];
    assert.ok(
      notes.some((note) => note.startsWith('/etc/systemd/system/stacks-signer.service:7: ')),
      JSON.stringify(notes),
    );
  });
});
