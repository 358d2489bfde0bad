import assert from 'node:assert/strict';
import check from '../../../src/checks/container/hardening.js';
import { runCheckCases } from '../../support/check-tester.js';
import { composedEngineHost, engineStateHost, signerComposeFile } from '../../support/docker-hosts.js';
import { BASE_USERS, composeHost, signerHost, signerToml } from '../../support/hosts.js';

const HARDENED_LINES = [
  '    user: "990:990"',
  '    read_only: true',
  '    cap_drop: [ALL]',
  '    security_opt: ["no-new-privileges:true"]',
];

const HARDENED_ENGINE = {
  user: '990:990',
  hostConfig: { CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], ReadonlyRootfs: true },
};

runCheckCases(check, {
  pass: [
    {
      name: 'every setting in place, config mounted :ro',
      files: composeHost({ endpoint: '0.0.0.0:30000' }, HARDENED_LINES),
      messages: ['hardened'],
    },
    { name: 'engine state with the same settings', files: engineStateHost(HARDENED_ENGINE), messages: ['hardened'] },
    {
      name: 'a bind under /run that holds no socket is not the Docker socket',
      files: {
        ...composeHost({ endpoint: '127.0.0.1:30000' }),
        'opt/stacks/compose.yaml': [
          'services:',
          '  signer:',
          '    image: ghcr.io/stacks-network/stacks-signer:4.0.2',
          ...HARDENED_LINES,
          '    volumes:',
          '      - ./signer.toml:/signer-config.toml:ro',
          '      - /run/stacks-signer:/run/stacks-signer:ro',
          '      - /var/run-data:/data',
          '',
        ].join('\n'),
      },
      messages: ['hardened'],
    },
  ],
  fail: [
    {
      name: "the docs' deployment: root, writable, default capabilities",
      files: composeHost({ endpoint: '0.0.0.0:30000' }),
      messages: ['gaps'],
      verify: ({ result }) => {
        for (const gap of ['no-new-privileges', 'drop all capabilities', 'writable root filesystem', 'runs as root']) {
          assert.ok(result.message.includes(gap), `names "${gap}": ${result.message}`);
        }
        assert.ok(!result.message.includes('privileged ('), 'not privileged is not a gap');
      },
    },
    {
      name: 'privileged, host network, docker socket',
      files: {
        ...composeHost({ endpoint: '127.0.0.1:30000' }),
        'opt/stacks/compose.yaml': [
          'services:',
          '  signer:',
          '    image: ghcr.io/stacks-network/stacks-signer:4.0.2',
          ...HARDENED_LINES,
          '    privileged: true',
          '    network_mode: host',
          '    volumes:',
          '      - ./signer.toml:/signer-config.toml:ro',
          '      - /var/run/docker.sock:/var/run/docker.sock',
          '',
        ].join('\n'),
      },
      messages: ['gaps'],
      verify: ({ result }) => {
        assert.match(result.message, /runs privileged/);
        assert.match(result.message, /network_mode: host/);
        assert.match(result.message, /Docker socket \/var\/run\/docker\.sock/);
        assert.ok(result.evidence.some((item) => item.line === 8 && /privileged/.test(item.detail)));
      },
    },
    {
      name: 'config mounted read-write',
      files: {
        ...BASE_USERS,
        'opt/stacks/compose.yml': [
          'services:',
          '  signer:',
          '    image: ghcr.io/stacks-network/stacks-signer:4.0.2',
          ...HARDENED_LINES,
          '    volumes:',
          '      - ./conf:/conf',
          '    command: ["stacks-signer", "run", "--config", "/conf/signer.toml"]',
          '',
        ].join('\n'),
        'opt/stacks/conf/signer.toml': { content: signerToml(), mode: 0o600 },
      },
      messages: ['gaps'],
      verify: ({ result }) =>
        assert.match(result.message, /mounts its config read-write \(\/opt\/stacks\/conf:\/conf\)/),
    },
    {
      name: 'engine state: a root user and CAP_SYS_ADMIN added',
      files: engineStateHost({ hostConfig: { ...HARDENED_ENGINE.hostConfig, CapAdd: ['SYS_ADMIN'] } }),
      messages: ['gaps'],
      verify: ({ result }) => assert.ok(result.evidence.some((item) => /no Config\.User/.test(item.detail))),
    },
    {
      name: 'all capabilities dropped, then some added back: named',
      files: composeHost({ endpoint: '127.0.0.1:30000' }, [
        ...HARDENED_LINES,
        '    cap_add: [NET_ADMIN, cap_sys_ptrace]',
      ]),
      messages: ['gaps'],
      verify: ({ result }) => {
        assert.match(result.message, /drops all capabilities but adds back NET_ADMIN, SYS_PTRACE/);
        assert.ok(!result.message.includes('confined'), result.message);
        assert.ok(result.evidence.some((item) => /cap_add: NET_ADMIN, cap_sys_ptrace/.test(item.detail)));
      },
    },
    {
      name: 'engine state: CapDrop ALL with CapAdd is not credited',
      files: engineStateHost({
        ...HARDENED_ENGINE,
        hostConfig: { ...HARDENED_ENGINE.hostConfig, CapAdd: ['SYS_ADMIN'] },
      }),
      messages: ['gaps'],
      verify: ({ result }) => assert.match(result.message, /adds back SYS_ADMIN/),
    },
    ...(
      [
        ['/var/run:/var/run', /mounts \/var\/run at \/var\/run, which holds the Docker socket/],
        ['/run:/host-run:ro', /mounts \/run at \/host-run, which holds the Docker socket/],
        ['/:/host', /mounts \/ at \/host, which holds the Docker socket/],
        ['/run/docker.sock:/run/docker.sock', /mounts the Docker socket \/run\/docker\.sock/],
        ['/srv/engine/api.sock:/var/run/docker.sock', /mounts \/srv\/engine\/api\.sock as \/var\/run\/docker\.sock/],
      ] as const
    ).map(([volume, expected]) => ({
      name: `the Docker socket reached through ${volume}`,
      files: {
        ...composeHost({ endpoint: '127.0.0.1:30000' }),
        'opt/stacks/compose.yaml': [
          'services:',
          '  signer:',
          '    image: ghcr.io/stacks-network/stacks-signer:4.0.2',
          ...HARDENED_LINES,
          '    volumes:',
          '      - ./signer.toml:/signer-config.toml:ro',
          `      - ${volume}`,
          '',
        ].join('\n'),
      },
      messages: ['gaps'],
      verify: ({ result }: { result: { message: string } }) => assert.match(result.message, expected),
    })),
    {
      name: 'the compose file is hardened, the container the engine runs is not (created before the edit)',
      files: composedEngineHost({ compose: signerComposeFile(HARDENED_LINES), engine: { user: '990:990' } }),
      messages: ['gaps'],
      verify: ({ result, items }) => {
        assert.ok(
          items.some((item) => item.status === 'pass' && /compose service signer is confined/.test(item.message)),
        );
        assert.match(result.message, /container stacks-signer-1 .*does not set no-new-privileges/);
        assert.ok(result.evidence.every((item) => item.file?.endsWith('/config.v2.json')));
      },
    },
    {
      name: 'an override gives back a capability and privileges',
      files: composedEngineHost({
        compose: signerComposeFile(HARDENED_LINES),
        override: 'services:\n  signer:\n    privileged: true\n    cap_add: [SYS_ADMIN]\n',
        engine: HARDENED_ENGINE,
      }),
      messages: ['gaps'],
      verify: ({ result }) => {
        assert.match(result.message, /compose service signer runs privileged/);
        assert.match(result.message, /adds back SYS_ADMIN/);
        assert.ok(result.evidence.some((item) => item.file === '/opt/stacks/compose.override.yaml' && item.line === 3));
      },
    },
  ],
  warn: [
    {
      name: 'no mount brings the config in',
      files: {
        ...BASE_USERS,
        'opt/stacks/compose.yml': [
          'services:',
          '  signer:',
          '    image: ghcr.io/stacks-network/stacks-signer:4.0.2',
          ...HARDENED_LINES,
          '',
        ].join('\n'),
      },
      messages: ['configUnmounted'],
    },
  ],
  notApplicable: [
    { name: 'no container', files: signerHost() },
    {
      name: 'only a node container',
      files: {
        ...BASE_USERS,
        'opt/n/compose.yaml': 'services:\n  node:\n    image: ghcr.io/stacks-network/stacks-core:4.0.2\n',
      },
    },
  ],
});
