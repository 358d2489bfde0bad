import assert from 'node:assert/strict';
import { test } from 'node:test';
import check from '../../../src/checks/identity/signer-not-root.js';
import { AuditContext } from '../../../src/engine/context.js';
import { runCheckDetailed } from '../../../src/engine/runner.js';
import { DirectoryTarget } from '../../../src/target/directory-target.js';
import type { ProcessInfo } from '../../../src/target/types.js';
import { runCheckCases } from '../../support/check-tester.js';
import { composedEngineHost, inspectRecord, signerComposeFile } from '../../support/docker-hosts.js';
import { signerHost } from '../../support/hosts.js';
import { type FileSpec, materialiseFiles } from '../../support/materialise.js';
import { composeSigner, passwdWithout, serviceHost } from '../../support/service-hosts.js';

const TOOR =
  'root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\nstacks-signer:x:990:990::/var/lib/stacks-signer:/usr/sbin/nologin\n';

runCheckCases(check, {
  pass: [
    { name: 'User= a system account', files: serviceHost({ signer: ['User=stacks-signer'] }), messages: ['unitUser'] },
    { name: 'numeric User= not in passwd', files: serviceHost({ signer: ['User=4242'] }), messages: ['unitUser'] },
    {
      name: 'DynamicUser=yes',
      files: serviceHost({ signer: ['DynamicUser=yes'], passwd: passwdWithout('stacks-signer') }),
      messages: ['unitDynamic'],
    },
    {
      name: 'DynamicUser=yes with a static user of the unit name',
      files: serviceHost({ signer: ['DynamicUser=yes'] }),
      messages: ['unitUser'],
      verify: ({ result }) => assert.match(result.message, /runs the signer as stacks-signer \(uid 990\)/),
    },
    {
      name: 'User= set in a drop-in',
      files: serviceHost(
        { signer: [] },
        { 'etc/systemd/system/stacks-signer.service.d/user.conf': '[Service]\nUser=stacks-signer\n' },
      ),
      messages: ['unitUser'],
      verify: ({ result }) =>
        assert.ok(result.evidence.some((item) => item.file?.endsWith('user.conf') && item.line === 2)),
    },
    { name: 'compose numeric user', files: composeSigner('"990:990"'), messages: ['containerUser'] },
    { name: 'compose named user', files: composeSigner('stacks'), messages: ['containerUser'] },
  ],
  fail: [
    { name: 'no User=', files: serviceHost({ signer: [] }), messages: ['unitNoUser'] },
    { name: 'User=root', files: serviceHost({ signer: ['User=root'] }), messages: ['unitRoot'] },
    { name: 'User=0', files: serviceHost({ signer: ['User=0'] }), messages: ['unitRoot'] },
    {
      name: 'a second uid-0 name',
      files: serviceHost({ signer: ['User=toor'], passwd: TOOR }),
      messages: ['unitRoot'],
    },
    {
      name: 'a drop-in resets User= to empty',
      files: serviceHost(
        { signer: ['User=stacks-signer'] },
        { 'etc/systemd/system/stacks-signer.service.d/reset.conf': '[Service]\nUser=\n' },
      ),
      messages: ['unitNoUser'],
    },
    {
      name: 'the unit is fine but a --docker-inspect signer container runs as root',
      files: serviceHost({ signer: ['User=stacks-signer'] }),
      options: { dockerInspect: { source: '/tmp/inspect.json', records: [inspectRecord({ user: '0' })] } },
      messages: ['containerRoot'],
      verify: ({ result }) => assert.match(result.message, /container signer runs the signer as "0", which is root/),
    },
    { name: 'compose without user:', files: composeSigner(undefined), messages: ['containerNoUser'] },
    { name: 'compose user: root', files: composeSigner('root'), messages: ['containerRoot'] },
    { name: 'compose user: "0:0"', files: composeSigner('"0:0"'), messages: ['containerRoot'] },
    { name: 'compose user: empty string', files: composeSigner('""'), messages: ['containerNoUser'] },
    {
      name: 'compose sets user: but the container the engine runs has none (an override, or not recreated)',
      files: composedEngineHost({ compose: signerComposeFile(['    user: "990:990"']), engine: { user: '' } }),
      messages: ['containerNoUser'],
      verify: ({ items }) => {
        assert.ok(items.some((item) => item.status === 'pass' && /compose service signer runs/.test(item.message)));
        assert.ok(
          items.some((item) => item.status === 'fail' && /container stacks-signer-1 sets no user/.test(item.message)),
        );
      },
    },
    {
      name: 'an override sets user: "0"',
      files: composedEngineHost({
        compose: signerComposeFile(['    user: "990:990"']),
        override: 'services:\n  signer:\n    user: "0"\n',
        engine: { user: '0' },
      }),
      messages: ['containerRoot'],
      verify: ({ result }) =>
        assert.ok(result.evidence.some((item) => item.file === '/opt/stacks/compose.override.yaml' && item.line === 3)),
    },
  ],
  warn: [
    { name: 'User= not in passwd', files: serviceHost({ signer: ['User=ghost'] }), messages: ['unitUnknownUser'] },
  ],
  notApplicable: [{ name: 'no signer', files: {} }],
  notEvaluable: [{ name: 'config only, offline', files: signerHost(), messages: ['offline'] }],
});

/** A live target whose process table is given (the files are real, the processes a fixture). */
class LiveFixture extends DirectoryTarget {
  constructor(
    root: string,
    private readonly table: ProcessInfo[],
  ) {
    super(root, { live: true });
  }
  override async processes(): Promise<ProcessInfo[]> {
    return this.table;
  }
}

async function runLive(files: FileSpec, table: ProcessInfo[]) {
  const fixture = await materialiseFiles(files);
  try {
    return await runCheckDetailed(check, new AuditContext(new LiveFixture(fixture.root, table)));
  } finally {
    fixture.cleanup();
  }
}

const signerProcess = (pid: number, uid: number): ProcessInfo => ({
  pid,
  uid,
  argv: ['/usr/local/bin/stacks-signer', 'run', '--config', '/etc/stacks/signer/signer-config.toml'],
  exe: '/usr/local/bin/stacks-signer',
  comm: 'stacks-signer',
});
const otherProcess: ProcessInfo = {
  pid: 1,
  uid: 0,
  argv: ['/sbin/init'],
  exe: '/usr/lib/systemd/systemd',
  comm: 'systemd',
};

test('live: a signer process running as root fails even when the unit is right, naming its pid', async () => {
  const { result, items } = await runLive(serviceHost({ signer: ['User=stacks-signer'] }), [
    otherProcess,
    signerProcess(4321, 0),
  ]);
  assert.equal(result.status, 'fail');
  assert.deepEqual(
    items.map((item) => [item.status, item.messageId]),
    [
      ['pass', 'unitUser'],
      ['fail', 'processRoot'],
    ],
  );
  assert.match(result.message, /process 4321 runs as root/);
});

test('live: config only, the process runs as the signer user', async () => {
  const { result, items } = await runLive(signerHost(), [otherProcess, signerProcess(77, 990)]);
  assert.equal(result.status, 'pass');
  assert.deepEqual(
    items.map((item) => item.messageId),
    ['processUser'],
  );
  assert.match(result.message, /process 77 runs as stacks-signer \(uid 990\)/);
});

test('live: config only and no signer process is not evaluable', async () => {
  const { result, items } = await runLive(signerHost(), [otherProcess]);
  assert.equal(result.status, 'not_evaluable');
  assert.deepEqual(
    items.map((item) => item.messageId),
    ['notRunning'],
  );
});
