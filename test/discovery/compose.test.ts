// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose's ${VAR} syntax is what these tests are about
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type ComposeDiscovery,
  type ComposeMount,
  type ComposeService,
  containerConfigPath,
  discoverCompose,
  hostPathOfMount,
  interpolate,
  isImageReference,
  parseDotEnv,
  roleOfImage,
} from '../../src/discovery/compose.js';
import { parseEnvironmentFile } from '../../src/facts/services/service-environment.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

async function discover(files: FileSpec): Promise<ComposeDiscovery> {
  const tree = await materialiseFiles(files);
  try {
    return await discoverCompose(new DirectoryTarget(tree.root, { live: false }));
  } finally {
    tree.cleanup();
  }
}

function service(image: string, extra = ''): string {
  return `services:\n  app:\n    image: ${image}\n${extra}`;
}

function only(discovery: ComposeDiscovery): ComposeService {
  assert.deepEqual(discovery.problems, []);
  assert.equal(discovery.services.length, 1, JSON.stringify(discovery.services.map((found) => found.file)));
  return discovery.services[0]!;
}

describe('interpolate', () => {
  const variables = { SET: 'value', EMPTY: '' };

  test('${VAR} and $VAR take the value; an unset variable becomes empty', () => {
    assert.equal(interpolate('a ${SET} b $SET c', variables), 'a value b value c');
    assert.equal(interpolate('[${UNSET}] [$UNSET]', variables), '[] []');
    assert.equal(interpolate('[${EMPTY}]', variables), '[]');
  });

  test('${VAR:-default} replaces an unset or empty variable', () => {
    assert.equal(interpolate('${SET:-d}', variables), 'value');
    assert.equal(interpolate('${EMPTY:-d}', variables), 'd');
    assert.equal(interpolate('${UNSET:-d}', variables), 'd');
  });

  test('${VAR-default} replaces only an unset variable; an empty one stays empty', () => {
    assert.equal(interpolate('${SET-d}', variables), 'value');
    assert.equal(interpolate('[${EMPTY-d}]', variables), '[]');
    assert.equal(interpolate('${UNSET-d}', variables), 'd');
  });

  test('a default may be a path, and may be empty', () => {
    assert.equal(
      interpolate('${CONF:-./conf/signer.toml}:/signer-config.toml', {}),
      './conf/signer.toml:/signer-config.toml',
    );
    assert.equal(interpolate('[${UNSET:-}]', {}), '[]');
  });

  test('$$ is a literal dollar, and the name after it is not interpolated', () => {
    assert.equal(interpolate('cost $$5', variables), 'cost $5');
    assert.equal(interpolate('$$SET', variables), '$SET');
    assert.equal(interpolate('$$${SET}', variables), '$value');
  });

  test('$VAR takes the longest name; a "$" not followed by a name stays as written', () => {
    assert.equal(interpolate('$SET_X/$SET.toml', { SET: 'v', SET_X: 'x' }), 'x/v.toml');
    assert.equal(interpolate('price: $5 and a lone $', variables), 'price: $5 and a lone $');
  });
});

describe('parseDotEnv', () => {
  test('KEY=value lines, with optional export and spaces around "="', () => {
    assert.deepEqual(parseDotEnv('A=1\nexport B=two\n  C = three  \nD=\n'), { A: '1', B: 'two', C: 'three', D: '' });
  });

  test('quotes are removed; the text inside them is kept whole', () => {
    assert.deepEqual(parseDotEnv('A="x y"\nB=\'$literal # not a comment\'\nC="a # b"\n'), {
      A: 'x y',
      B: '$literal # not a comment',
      C: 'a # b',
    });
  });

  test('comment lines are skipped; " #" ends an unquoted value; "#" inside a word does not', () => {
    assert.deepEqual(parseDotEnv('# SIGNER_IMAGE=old\nA=b # why\nB="q" # why\nC=a#b\n  # indented comment\n'), {
      A: 'b',
      B: 'q',
      C: 'a#b',
    });
  });

  test('long blank runs parse in linear time, as before (issue #18)', { timeout: 30_000 }, () => {
    // The fuzzer's 400 kB .env took 43 s: `\s*(.*?)\s*$` split each blank run three ways (cubic), and /\s+#.*$/
    // retried from every blank. 200,000 blanks would take hours that way; the test timeout is the bound.
    const blanks = ' '.repeat(200_000);
    assert.deepEqual(
      parseDotEnv(
        `A=${blanks}x\ry\nB=a${blanks}b${blanks}# c\nC='x'\x0e${blanks}y\n${blanks}D${blanks}=${blanks}d${blanks}\n`,
      ),
      { B: `a${blanks}b`, C: `'x'\x0e${blanks}y`, D: 'd' },
    );
  });

  test("systemd's EnvironmentFile= reader too: a blank run before a CR (issue #18)", { timeout: 30_000 }, () => {
    // Beside parseDotEnv for the same regex: `=\s*(.*)$` tried every split of the run (quadratic; 20,000: 0.3 s).
    const blanks = ' '.repeat(200_000);
    assert.deepEqual(parseEnvironmentFile(`A=${blanks}x\ry\nB=${blanks}"b c"\n`), [
      { name: 'B', value: 'b c', line: 2 },
    ]);
  });

  test('lines without "=" or with an invalid name are ignored; CRLF is trimmed', () => {
    assert.deepEqual(parseDotEnv('JUSTNAME\n1BAD=x\nBAD-NAME=y\nGOOD=z\r\nQ="w"\r\n'), { GOOD: 'z', Q: 'w' });
  });

  test('a later definition overrides an earlier one', () => {
    assert.deepEqual(parseDotEnv('A=1\nA=2\n'), { A: '2' });
  });
});

describe('discoverCompose: where compose files are found', () => {
  const signer = service('blockstack/stacks-signer:3.1.0.0.0');

  test('compose.y*ml and docker-compose.y*ml up to three levels under /opt, /srv, /root and /home/*', async () => {
    const { services, problems } = await discover({
      'opt/compose.yml': signer,
      'opt/stacks/docker-compose.yaml': signer,
      'srv/a/b/compose.yaml': signer,
      'root/x/y/z/docker-compose.yml': signer,
      'home/alice/compose.yml': signer,
      'home/bob/signer/deploy/compose.yml': signer,
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(services.map((found) => found.file).sort(), [
      '/home/alice/compose.yml',
      '/home/bob/signer/deploy/compose.yml',
      '/opt/compose.yml',
      '/opt/stacks/docker-compose.yaml',
      '/root/x/y/z/docker-compose.yml',
      '/srv/a/b/compose.yaml',
    ]);
  });

  test('not deeper than three levels, not elsewhere, not other names, not node_modules or .git', async () => {
    const { services, problems } = await discover({
      'opt/a/b/c/d/compose.yml': signer,
      'home/alice/a/b/c/d/compose.yml': signer,
      'etc/compose.yml': signer,
      'var/lib/compose.yml': signer,
      'home/compose.yml': signer,
      'opt/node_modules/compose.yml': signer,
      'opt/.git/compose.yml': signer,
      'opt/compose.yml.bak': signer,
      'opt/my-compose.yml': signer,
      'opt/compose.json': signer,
      'opt/docker-compose.override.yml': signer,
      'opt/compose.yml/inner': 'a directory named like a compose file',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(
      services.map((found) => found.file),
      [],
    );
  });

  test('no compose file at all: nothing found, nothing wrong', async () => {
    assert.deepEqual(await discover({ 'etc/hostname': 'signer\n' }), { services: [], problems: [], unreadable: [] });
  });
});

describe('discoverCompose: services', () => {
  test('services are classified by image: stacks-signer is a signer; stacks-core/node/blockchain a node', async () => {
    const { services } = await discover({
      'opt/stacks/compose.yml': [
        'services:',
        '  signer:',
        '    image: blockstack/stacks-signer:3.1.0.0.0@sha256:abcd',
        '  core:',
        '    image: blockstack/stacks-core:3.1.0.0.0',
        '  node:',
        '    image: ghcr.io/example/stacks-node:latest',
        '  legacy:',
        '    image: blockstack/stacks-blockchain:2.5',
        '  db:',
        '    image: postgres:16',
        '  built:',
        '    build: .',
        '  empty:',
      ].join('\n'),
    });
    assert.deepEqual(
      services.map((found) => [found.name, found.role, found.image]),
      [
        ['signer', 'signer', 'blockstack/stacks-signer:3.1.0.0.0@sha256:abcd'],
        ['core', 'node', 'blockstack/stacks-core:3.1.0.0.0'],
        ['node', 'node', 'ghcr.io/example/stacks-node:latest'],
        ['legacy', 'node', 'blockstack/stacks-blockchain:2.5'],
      ],
    );
  });

  test('the image, user and other values are interpolated from the .env beside the compose file', async () => {
    const found = only(
      await discover({
        'opt/stacks/.env': 'SIGNER_IMAGE=blockstack/stacks-signer:3.1.0.0.0\nSIGNER_UID=1500 # the signer user\n',
        'opt/stacks/compose.yml': [
          'services:',
          '  signer:',
          '    image: ${SIGNER_IMAGE}',
          '    user: "${SIGNER_UID}:${SIGNER_GID:-1500}"',
          '    environment:',
          '      PRICE: "$$5"',
        ].join('\n'),
      }),
    );
    assert.equal(found.role, 'signer');
    assert.equal(found.image, 'blockstack/stacks-signer:3.1.0.0.0');
    assert.equal(found.user, '1500:1500');
    assert.deepEqual(found.environment, { PRICE: '$5' });
    assert.deepEqual((found.raw as { user?: string }).user, '1500:1500');
  });

  test('a numeric user is kept as text; no user means none declared', async () => {
    const { services } = await discover({
      'opt/compose.yml': 'services:\n  a:\n    image: stacks-signer\n    user: 1000\n  b:\n    image: stacks-node\n',
    });
    assert.equal(services[0]?.user, '1000');
    assert.equal(services[1]?.user, undefined);
    assert.equal('user' in services[1]!, false);
  });

  test('environment as a map or a list', async () => {
    const { services } = await discover({
      'opt/compose.yml': [
        'services:',
        '  a:',
        '    image: stacks-signer',
        '    environment:',
        '      RUST_LOG: info',
        '      PORT: 30000',
        '      EMPTY:',
        '  b:',
        '    image: stacks-node',
        '    environment:',
        '      - RUST_LOG=debug',
        '      - URL=http://x/?a=b',
        '      - BARE',
      ].join('\n'),
    });
    assert.deepEqual(services[0]?.environment, { RUST_LOG: 'info', PORT: '30000', EMPTY: '' });
    assert.deepEqual(services[1]?.environment, { RUST_LOG: 'debug', URL: 'http://x/?a=b', BARE: '' });
  });

  test('command as a string or a list', async () => {
    const { services } = await discover({
      'opt/compose.yml': [
        'services:',
        '  a:',
        '    image: stacks-signer',
        '    command: stacks-signer run  --config /etc/signer/config.toml',
        '  b:',
        '    image: stacks-node',
        '    command: ["stacks-node", "start", "--config", "/etc/node.toml"]',
      ].join('\n'),
    });
    assert.deepEqual(services[0]?.command, ['stacks-signer', 'run', '--config', '/etc/signer/config.toml']);
    assert.deepEqual(services[1]?.command, ['stacks-node', 'start', '--config', '/etc/node.toml']);
  });

  test('env_file as a string, a list, or long form with path, resolved beside the compose file', async () => {
    const { services } = await discover({
      'srv/stacks/compose.yml': [
        'services:',
        '  a:',
        '    image: stacks-signer',
        '    env_file: signer.env',
        '  b:',
        '    image: stacks-node',
        '    env_file:',
        '      - ./node.env',
        '      - /etc/stacks/common.env',
        '  c:',
        '    image: stacks-core',
        '    env_file:',
        '      - path: ./optional.env',
        '        required: false',
        '      - ../shared.env',
      ].join('\n'),
    });
    assert.deepEqual(
      services.map((found) => found.envFiles),
      [
        ['/srv/stacks/signer.env'],
        ['/srv/stacks/node.env', '/etc/stacks/common.env'],
        ['/srv/stacks/optional.env', '/srv/shared.env'],
      ],
    );
  });
});

describe('discoverCompose: volumes', () => {
  test('short syntax: host paths are binds resolved beside the compose file; names are volumes', async () => {
    const found = only(
      await discover({
        'opt/stacks/compose.yml': service(
          'stacks-signer',
          [
            '    volumes:',
            '      - ./config/signer.toml:/signer-config.toml:ro',
            '      - /var/lib/stacks-signer:/data',
            '      - ../shared:/shared:ro,z',
            '      - signer-db:/db',
            '      - /anonymous',
          ].join('\n'),
        ),
      }),
    );
    assert.deepEqual(found.mounts, [
      { source: '/opt/stacks/config/signer.toml', target: '/signer-config.toml', readOnly: true, bind: true },
      { source: '/var/lib/stacks-signer', target: '/data', readOnly: false, bind: true },
      { source: '/opt/shared', target: '/shared', readOnly: true, bind: true },
      { source: 'signer-db', target: '/db', readOnly: false, bind: false },
    ]);
  });

  test('long syntax: type bind with source and target; read_only; volumes are not binds', async () => {
    const found = only(
      await discover({
        'opt/stacks/compose.yml': service(
          'stacks-signer',
          [
            '    volumes:',
            '      - type: bind',
            '        source: ./conf',
            '        target: /etc/signer',
            '        read_only: true',
            '      - type: volume',
            '        source: signer-db',
            '        target: /db',
          ].join('\n'),
        ),
      }),
    );
    assert.deepEqual(found.mounts, [
      { source: '/opt/stacks/conf', target: '/etc/signer', readOnly: true, bind: true },
      { source: 'signer-db', target: '/db', readOnly: false, bind: false },
    ]);
  });

  test('a volume source taken from .env is interpolated before it is resolved', async () => {
    const found = only(
      await discover({
        'opt/stacks/.env': 'CONF_DIR=./conf # where configs live\n',
        'opt/stacks/compose.yml': service(
          'stacks-signer',
          '    volumes:\n      - ${CONF_DIR}/signer.toml:/signer-config.toml\n',
        ),
      }),
    );
    assert.deepEqual(found.mounts[0]?.source, '/opt/stacks/conf/signer.toml');
  });
});

describe('hostPathOfMount and containerConfigPath', () => {
  const mounts: ComposeMount[] = [
    { source: '/srv/signer', target: '/etc/signer', readOnly: true, bind: true },
    { source: '/srv/secrets', target: '/etc/signer/keys/', readOnly: true, bind: true },
    { source: '/opt/stacks/signer.toml', target: '/signer-config.toml', readOnly: true, bind: true },
    { source: 'named', target: '/data', readOnly: false, bind: false },
  ];

  test('maps a container path through the bind mount covering it; the deepest mount wins', () => {
    assert.equal(hostPathOfMount(mounts, '/signer-config.toml'), '/opt/stacks/signer.toml');
    assert.equal(hostPathOfMount(mounts, '/etc/signer/config.toml'), '/srv/signer/config.toml');
    assert.equal(hostPathOfMount(mounts, '/etc/signer/keys/key.toml'), '/srv/secrets/key.toml');
    assert.equal(hostPathOfMount(mounts, '/etc/signer'), '/srv/signer');
  });

  test('no mapping through a named volume, a sibling with a common prefix, or no mount at all', () => {
    assert.equal(hostPathOfMount(mounts, '/data/signer.toml'), undefined);
    assert.equal(hostPathOfMount(mounts, '/etc/signer2/config.toml'), undefined);
    assert.equal(hostPathOfMount(mounts, '/signer-config.toml.bak'), undefined);
    assert.equal(hostPathOfMount([], '/signer-config.toml'), undefined);
  });

  function withCommand(role: 'signer' | 'node', command: string[]): ComposeService {
    return {
      origin: 'compose',
      file: '/opt/compose.yml',
      name: 'x',
      role,
      command,
      environment: {},
      envFiles: [],
      mounts: [],
      ports: [],
      privileged: false,
      capAdd: [],
      capDrop: [],
      securityOpt: [],
      readOnlyRootfs: false,
      raw: {},
    };
  }

  test('the signer image reads /signer-config.toml unless the command names another config', () => {
    assert.equal(containerConfigPath(withCommand('signer', [])), '/signer-config.toml');
    assert.equal(
      containerConfigPath(withCommand('signer', ['stacks-signer', 'run', '--config', '/c.toml'])),
      '/c.toml',
    );
    assert.equal(containerConfigPath(withCommand('signer', ['run', '-c', '/d.toml'])), '/d.toml');
    assert.equal(containerConfigPath(withCommand('signer', ['run', '--config=/e.toml'])), '/e.toml');
  });

  test('a node has no default config path', () => {
    assert.equal(containerConfigPath(withCommand('node', [])), undefined);
    assert.equal(containerConfigPath(withCommand('node', ['stacks-node', 'start', '--config', '/n.toml'])), '/n.toml');
  });

  test('end to end: the host file behind a discovered signer config', async () => {
    const { services } = await discover({
      'opt/stacks/compose.yml': [
        'services:',
        '  signer:',
        '    image: blockstack/stacks-signer:3.1.0.0.0',
        '    volumes:',
        '      - ./signer-config.toml:/signer-config.toml:ro',
        '  custom:',
        '    image: blockstack/stacks-signer:3.1.0.0.0',
        '    command: ["stacks-signer", "run", "--config", "/config/signer.toml"]',
        '    volumes:',
        '      - type: bind',
        '        source: /etc/stacks/signer',
        '        target: /config',
      ].join('\n'),
    });
    const hostConfigs = services.map((found) => {
      const inContainer = containerConfigPath(found);
      return inContainer === undefined ? undefined : hostPathOfMount(found.mounts, inContainer);
    });
    assert.deepEqual(hostConfigs, ['/opt/stacks/signer-config.toml', '/etc/stacks/signer/signer.toml']);
  });
});

describe('discoverCompose: bad files', () => {
  const SECRET = 'c0ffee00deadbeef1234';

  test('malformed YAML is one unreadable entry naming the file, without quoting its content; others still load', async () => {
    const { services, unreadable: problems } = await discover({
      'opt/a/compose.yml': `services:\n  signer:\n    image: stacks-signer\n    environment: AUTH: ${SECRET}\n`,
      'opt/b/compose.yml': `services:\n  signer:\n    environment:\n      AUTH_PASSWORD: *${SECRET}\n`,
      'opt/c/compose.yml': `%YAML ${SECRET}\n---\nservices: {}\n`,
      'opt/d/compose.yml': `services:\n  x: 1\n  x: ${SECRET}\n`,
      'opt/ok/compose.yml': service('stacks-signer'),
    });
    assert.deepEqual(
      services.map((found) => found.file),
      ['/opt/ok/compose.yml'],
    );
    assert.equal(problems.length, 4, problems.join('\n'));
    for (const [index, dir] of ['a', 'b', 'c', 'd'].entries()) {
      assert.match(
        problems[index]!,
        new RegExp(`^compose file /opt/${dir}/compose\\.yml(:\\d+:\\d+)? could not be read or parsed: .+$`),
      );
      assert.doesNotMatch(problems[index]!, new RegExp(SECRET), problems[index]);
      assert.doesNotMatch(problems[index]!, /\n/);
    }
    assert.match(problems[0]!, /compose\.yml:4:\d+ /, 'says where the error is');
  });

  test('YAML warnings are not printed (they quote the document)', async () => {
    const warnings: string[] = [];
    const listener = (warning: Error) => warnings.push(warning.message);
    process.on('warning', listener);
    try {
      const found = only(await discover({ 'opt/compose.yml': service('stacks-signer', `    user: !${SECRET} x\n`) }));
      assert.equal(found.role, 'signer');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
    }
    assert.deepEqual(warnings, []);
  });

  test('a compose file without a services map, or with odd entries, is skipped quietly', async () => {
    const { services, problems } = await discover({
      'opt/a/compose.yml': '',
      'opt/b/compose.yml': 'version: "3"\n',
      'opt/c/compose.yml': 'services:\n',
      'opt/d/compose.yml': 'services:\n  - stacks-signer\n',
      'opt/e/compose.yml': 'services:\n  signer: stacks-signer\n  n:\n    image: 42\n',
      'opt/f/compose.yml': '- just\n- a list\n',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(services, []);
  });
});

describe('image references', () => {
  test('an image: text that is no reference runs nothing and is not a Stacks service (fuzz: hosts seed 20261211)', () => {
    const key = `${'c0ffee5eedfacade'.repeat(4)}01`;
    for (const image of [
      'ghcr.io/stacks-network/stacks-signer:4.0.2',
      'blockstack/stacks-core:3.1.0.0.5@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      'localhost:5000/stacks-signer',
    ])
      assert.equal(isImageReference(image), true, image);
    for (const image of [
      `ghcr.io/stacks-network/stacks-signer:4.0.2 - AUTH_PASSWORD=${key}`,
      'ghcr.io/stacks-network\u0000stacks-signer:4.0.2',
      'ghcr.io//stacks-signer',
      '',
    ]) {
      assert.equal(isImageReference(image), false, JSON.stringify(image.slice(0, 40)));
      assert.equal(roleOfImage(image), undefined);
    }
    assert.equal(roleOfImage('ghcr.io/stacks-network/stacks-signer:4.0.2'), 'signer');
  });
});
