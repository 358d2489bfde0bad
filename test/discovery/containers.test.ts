import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { discover } from '../../src/discovery/index.js';
import type { Discovery } from '../../src/discovery/types.js';
import type { AuditOptions } from '../../src/engine/context.js';
import { SecretRegistry } from '../../src/engine/secrets.js';
import { readInspectedContainer } from '../../src/parsers/docker-inspect.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { CONTAINER_ID, engineStateHost, inspectRecord } from '../support/docker-hosts.js';
import { BASE_USERS, composeHost, TEST_AUTH_TOKEN, TEST_SIGNER_KEY } from '../support/hosts.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

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

describe('docker inspect records', () => {
  test('inspect output: command from Path/Args, mounts from Mounts, settings from HostConfig', () => {
    const container = readInspectedContainer(
      inspectRecord({
        user: '990',
        binds: [['/srv/signer.toml', '/signer-config.toml', false]],
        portBindings: { '30000/tcp': [{ HostIp: '', HostPort: '30000' }] },
        hostConfig: { Privileged: true, CapDrop: ['ALL'], NetworkMode: 'host' },
        labels: {
          'com.docker.compose.service': 'signer',
          'com.docker.compose.project.config_files': '/opt/a/compose.yaml',
        },
      }),
    );
    assert.ok(container);
    assert.equal(container.name, 'signer');
    assert.deepEqual(container.command, ['/bin/stacks-signer', 'run', '--config', '/signer-config.toml']);
    assert.deepEqual(container.mounts, [
      { source: '/srv/signer.toml', target: '/signer-config.toml', readOnly: true, bind: true },
    ]);
    assert.deepEqual(
      [container.user, container.privileged, container.capDrop, container.networkMode, container.ports[0]?.written],
      ['990', true, ['ALL'], 'host', '30000:30000/tcp'],
    );
    assert.deepEqual([container.composeService, container.composeFiles], ['signer', ['/opt/a/compose.yaml']]);
  });

  test('not a container: undefined', () => {
    assert.equal(readInspectedContainer({ Id: 'x' }), undefined);
    assert.equal(readInspectedContainer('text'), undefined);
  });
});

describe('container discovery', () => {
  test("the engine's on-disk state: the signer container, its bind-mounted config and settings", async () => {
    const { discovery } = await discoverIn(engineStateHost({ user: '990:990' }));
    assert.equal(discovery.signer?.source, 'compose');
    assert.equal(discovery.signer?.container?.origin, 'engine-state');
    assert.equal(discovery.signer?.container?.file, `/var/lib/docker/containers/${CONTAINER_ID}/config.v2.json`);
    assert.equal(discovery.signer?.declaredUser, '990:990');
    assert.equal(discovery.signer?.config.status, 'ok');
    assert.equal('path' in discovery.signer!.config && discovery.signer!.config.path, '/srv/signer/signer-config.toml');
    assert.equal(discovery.containers?.length, 1);
  });

  test('a broken engine record is a note, not an error', async () => {
    const { discovery } = await discoverIn({
      ...BASE_USERS,
      [`var/lib/docker/containers/${CONTAINER_ID}/config.v2.json`]: '{"ID": "x"',
    });
    assert.equal(discovery.signer, undefined);
    assert.ok(discovery.notes.some((note) => note.includes('config.v2.json: not a container record')));
  });

  test('--docker-inspect records; the environment secrets are registered for masking', async () => {
    const record = inspectRecord({
      env: [`SIGNER_PRIVATE_KEY=${TEST_SIGNER_KEY}`, `AUTH_PASSWORD=${TEST_AUTH_TOKEN}`, 'STACKS_LOG_DEBUG=0'],
      binds: [['/srv/signer/signer-config.toml', '/signer-config.toml', true]],
    });
    const { discovery, secrets } = await discoverIn(engineStateHost({}, {}), {
      dockerInspect: { source: '/tmp/inspect.json', records: [record, { not: 'a container' }] },
    });
    const origins = (discovery.containers ?? []).map((container) => container.origin);
    // The same id in both sources is one container.
    assert.deepEqual(origins, ['inspect-file']);
    assert.ok(discovery.notes.some((note) => note === '/tmp/inspect.json: entry 1 is not a container (no Config)'));
    const masked = secrets.mask(`key ${TEST_SIGNER_KEY} token ${TEST_AUTH_TOKEN}`);
    assert.ok(!masked.includes(TEST_SIGNER_KEY) && !masked.includes(TEST_AUTH_TOKEN), masked);
  });

  test('a container compose started is kept beside its compose service: the engine record is what runs', async () => {
    const files = composeHost({ endpoint: '0.0.0.0:30000' });
    const record = inspectRecord({
      labels: {
        'com.docker.compose.service': 'signer',
        'com.docker.compose.project.config_files': '/opt/stacks/compose.yaml',
      },
    });
    const { discovery } = await discoverIn(files, { dockerInspect: { source: '/tmp/i.json', records: [record] } });
    assert.deepEqual(
      (discovery.containers ?? []).map((container) => [container.origin, container.name]),
      [
        ['compose', 'signer'],
        ['inspect-file', 'signer'],
      ],
    );
  });

  test('compose.override.yaml is merged over compose.yaml: ports and volumes appended, scalars overridden', async () => {
    const files = {
      ...composeHost({ endpoint: '0.0.0.0:30000' }, ['    ports: ["127.0.0.1:30000:30000"]', '    user: "990"']),
      'opt/stacks/compose.override.yaml': [
        'services:',
        '  signer:',
        '    user: "0"',
        '    ports:',
        '      - "30001:30000"',
        '    volumes:',
        '      - ./data:/data',
        '',
      ].join('\n'),
    };
    const { discovery } = await discoverIn(files);
    const containers = discovery.containers ?? [];
    assert.equal(containers.length, 1);
    const [signer] = containers;
    assert.deepEqual(signer?.mergedFrom, ['/opt/stacks/compose.yaml', '/opt/stacks/compose.override.yaml']);
    assert.equal(signer?.file, '/opt/stacks/compose.yaml');
    assert.deepEqual(
      signer?.ports.map((port) => port.written),
      ['127.0.0.1:30000:30000', '30001:30000'],
    );
    assert.equal(signer?.user, '0');
    assert.deepEqual(
      signer?.mounts.map((mount) => `${mount.source}:${mount.target}`),
      ['/opt/stacks/signer.toml:/signer-config.toml', '/opt/stacks/data:/data'],
    );
  });

  test('an override that is not YAML is a note; the base is still audited', async () => {
    const files = { ...composeHost({}), 'opt/stacks/compose.override.yml': 'services: [\n' };
    const { discovery } = await discoverIn(files);
    assert.equal(discovery.containers?.length, 1);
    assert.equal(discovery.containers?.[0]?.mergedFrom, undefined);
    assert.ok(
      discovery.notes.some((note) =>
        /^compose file \/opt\/stacks\/compose\.override\.yml:\d+:\d+ \(merged over \/opt\/stacks\/compose\.yaml\) could not be read/.test(
          note,
        ),
      ),
      discovery.notes.join('\n'),
    );
  });

  test("the files a container's labels name are read as one project when the search did not find them", async () => {
    const files = {
      ...BASE_USERS,
      'srv/deploy/base.yml': 'services:\n  signer:\n    image: ghcr.io/stacks-network/stacks-signer:4.0.2\n',
      'srv/deploy/prod.yml': 'services:\n  signer:\n    ports: ["30000:30000"]\n',
    };
    const record = inspectRecord({
      labels: {
        'com.docker.compose.service': 'signer',
        'com.docker.compose.project.config_files': '/srv/deploy/base.yml,/srv/deploy/prod.yml',
      },
    });
    const { discovery } = await discoverIn(files, { dockerInspect: { source: '/tmp/i.json', records: [record] } });
    const composed = (discovery.containers ?? []).find((container) => container.origin === 'compose');
    assert.deepEqual(composed?.mergedFrom, ['/srv/deploy/base.yml', '/srv/deploy/prod.yml']);
    assert.deepEqual(
      composed?.ports.map((port) => port.written),
      ['30000:30000'],
    );
  });

  test('compose: ports, network mode and security settings are read; bad port entries are noted', async () => {
    const files = composeHost({}, [
      '    ports: ["127.0.0.1:30000:30000", "nonsense"]',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, as written in a compose file
      '    network_mode: ${NET:-bridge}',
      '    read_only: true',
      '    cap_drop: [ALL]',
    ]);
    const { discovery } = await discoverIn(files);
    const container = discovery.signer?.container;
    assert.deepEqual(
      container?.ports.map((port) => port.written),
      ['127.0.0.1:30000:30000'],
    );
    assert.equal(container?.networkMode, 'bridge');
    assert.deepEqual([container?.readOnlyRootfs, container?.capDrop], [true, ['ALL']]);
    assert.ok(discovery.notes.includes('/opt/stacks/compose.yaml: service signer: ports[1] is not a port mapping'));
  });
});
