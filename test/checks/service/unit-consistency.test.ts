import assert from 'node:assert/strict';
import check from '../../../src/checks/service/unit-consistency.js';
import type { DetailedResult } from '../../../src/engine/runner.js';
import { runCheckCases } from '../../support/check-tester.js';
import { PUBLISHED_GUIDE_SIGNER_UNIT, SIGNER_BINARY, signerHost, signerToml } from '../../support/hosts.js';
import type { FileSpec } from '../../support/materialise.js';

const UNIT = 'etc/systemd/system/stacks-signer.service';
const VENDOR_UNIT = 'usr/lib/systemd/system/stacks-signer.service';
const DROP_IN = 'etc/systemd/system/stacks-signer.service.d/override.conf';
const CONFIG = '/etc/stacks/signer/signer-config.toml';
const GUIDE_CONDITIONS = [
  'ConditionFileIsExecutable=/usr/local/bin/stacks-signer',
  'ConditionPathExists=/etc/stacks/signer',
  `ConditionFileNotEmpty=${CONFIG}`,
];
const SANDBOX = [
  'PrivateTmp=yes',
  'ProtectSystem=strict',
  'ProtectHome=yes',
  'NoNewPrivileges=yes',
  'PrivateDevices=yes',
];

function unitText(unitLines: readonly string[], serviceLines: readonly string[], config = CONFIG): string {
  return [
    '[Unit]',
    'Description=stacks signer',
    ...unitLines,
    '',
    '[Service]',
    `ExecStart=/usr/local/bin/stacks-signer run --config ${config}`,
    'User=stacks-signer',
    ...serviceLines,
    '',
  ].join('\n');
}

/** Signer config at the well-known path, the binary, and a unit with these [Unit] and [Service] lines. */
function host(
  options: { unit?: readonly string[]; service?: readonly string[]; db?: string; config?: string } = {},
  extra: FileSpec = {},
): FileSpec {
  const { unit = GUIDE_CONDITIONS, service = [...SANDBOX, 'StateDirectory=stacks-signer'], db, config } = options;
  return {
    ...signerHost(db === undefined ? {} : { db_path: db }),
    ...SIGNER_BINARY,
    [UNIT]: unitText(unit, service, config),
    ...extra,
  };
}

/** A signer config somewhere else than the well-known path. */
function configAt(path: string, overrides: Record<string, string | undefined> = {}): FileSpec {
  return { [path]: { content: signerToml(overrides), mode: 0o600, uid: 990, gid: 990 } };
}

const failing =
  (...ids: string[]) =>
  (detailed: DetailedResult): void => {
    const failed = detailed.items.filter((item) => item.status === 'fail').map((item) => item.messageId);
    assert.deepEqual(failed.sort(), [...ids].sort());
  };

runCheckCases(check, {
  pass: [
    {
      name: 'conditions, config and StateDirectory= agree',
      files: host(),
      messages: ['conditionsMatch', 'configReadable', 'dbWritable'],
      verify: (detailed) =>
        assert.match(
          detailed.result.message,
          /StateDirectory=stacks-signer at \/etc\/systemd\/system\/stacks-signer\.service:\d+/,
        ),
    },
    {
      name: 'ReadWritePaths= with a "-" prefix',
      files: host({ service: [...SANDBOX, 'ReadWritePaths=-/var/lib/stacks-signer'] }),
      messages: ['dbWritable'],
    },
    {
      name: 'ProtectSystem=full leaves /var/lib writable',
      files: host({ service: ['ProtectSystem=full', 'ProtectHome=yes'] }),
      messages: ['dbWritable'],
    },
    {
      name: 'triggering and whitespace in conditions',
      files: host({
        unit: [`ConditionFileNotEmpty=| ${CONFIG}`, 'ConditionPathExists=|/etc', 'ConditionPathExists=/usr/local/bin'],
      }),
      messages: ['conditionsMatch'],
    },
    { name: 'no conditions at all', files: host({ unit: [] }), messages: ['configReadable', 'dbWritable'] },
    { name: 'db_path :memory:', files: host({ db: ':memory:', service: SANDBOX }), messages: ['dbInMemory'] },
    {
      name: 'relative db_path from WorkingDirectory=',
      files: host({
        db: 'signer.sqlite',
        service: [...SANDBOX, 'WorkingDirectory=/var/lib/stacks-signer', 'StateDirectory=stacks-signer'],
      }),
      messages: ['dbWritable'],
    },
    {
      name: 'config and db in a home with ProtectHome=read-only and ReadWritePaths=',
      files: host(
        {
          unit: [],
          service: ['ProtectSystem=strict', 'ProtectHome=read-only', 'ReadWritePaths=/home/alice/stacks-signer/data'],
          config: '/home/alice/stacks-signer/signer.toml',
        },
        configAt('home/alice/stacks-signer/signer.toml', { db_path: '/home/alice/stacks-signer/data/signer.sqlite' }),
      ),
      messages: ['configReadable', 'dbWritable'],
    },
    {
      name: '/usr/lib unit whose wrong condition an /etc drop-in resets',
      files: {
        ...signerHost(),
        ...SIGNER_BINARY,
        [VENDOR_UNIT]: unitText(['ConditionPathExists=/opt/stacks'], SANDBOX),
        [DROP_IN]: `[Unit]\nConditionPathExists=\nConditionFileNotEmpty=${CONFIG}\n[Service]\nStateDirectory=stacks-signer\n`,
      },
      messages: ['conditionsMatch', 'dbWritable'],
    },
  ],
  fail: [
    {
      name: "the published guide's unit, config only under /etc",
      files: { ...signerHost(), ...SIGNER_BINARY, [UNIT]: PUBLISHED_GUIDE_SIGNER_UNIT },
      verify: (detailed) => {
        failing('configHidden', 'configMissing', 'fileNotEmptyOther', 'pathExistsOther')(detailed);
        const { message } = detailed.result;
        assert.match(
          message,
          /ProtectHome=true at \/etc\/systemd\/system\/stacks-signer\.service:10 hides \/home from the service/,
        );
        assert.match(message, /the signer cannot read its config and will not start/);
        assert.match(message, /--config \/home\/etc\/stacks\/signer\/signer-config\.toml, which does not exist/);
        assert.match(
          message,
          /ConditionFileNotEmpty=\/etc\/stacks\/signer\/signer-config\.toml \(.*:4\) checks a different file/,
        );
        // The database comes from the config discovery fell back to (/etc), which ProtectSystem=full leaves writable.
        assert.ok(detailed.items.some((item) => item.messageId === 'dbWritable'));
      },
    },
    {
      name: "the published guide's unit with the config present under /home",
      files: {
        ...signerHost(),
        ...SIGNER_BINARY,
        ...configAt('home/etc/stacks/signer/signer-config.toml'),
        [UNIT]: PUBLISHED_GUIDE_SIGNER_UNIT,
      },
      verify: failing('configHidden', 'fileNotEmptyOther', 'pathExistsOther'),
    },
    {
      name: 'ProtectSystem=strict without a writable database directory',
      files: host({ service: SANDBOX }),
      messages: ['dbReadOnly'],
      verify: (detailed) =>
        assert.match(
          detailed.result.message,
          /\/var\/lib\/stacks-signer is read-only for the service \(ProtectSystem=strict at/,
        ),
    },
    {
      name: 'a drop-in resets StateDirectory=',
      files: host({}, { [DROP_IN]: '[Service]\nStateDirectory=\n' }),
      messages: ['dbReadOnly'],
    },
    {
      name: 'ProtectSystem=full with the database under /etc',
      files: host({ service: ['ProtectSystem=full'], db: '/etc/stacks/signer/signer.sqlite' }),
      messages: ['dbReadOnly'],
    },
    {
      name: 'ProtectHome=yes with the database in a home directory',
      files: host({ service: ['ProtectHome=yes'], db: '/home/alice/stacks-signer/data/signer.sqlite' }),
      verify: failing('dbHidden'),
    },
    {
      name: 'ProtectHome=yes cannot be reopened by ReadWritePaths=',
      files: host({
        service: ['ProtectHome=yes', 'ReadWritePaths=/home/alice/stacks-signer'],
        db: '/home/alice/stacks-signer/signer.sqlite',
      }),
      verify: failing('dbHidden'),
    },
    {
      name: 'ProtectHome=read-only with the database in a home directory',
      files: host({ service: ['ProtectHome=read-only'], db: '/home/alice/stacks-signer/signer.sqlite' }),
      verify: failing('dbReadOnly'),
    },
    {
      name: 'ProtectHome=tmpfs with the config under /root',
      files: host(
        { unit: [], service: ['ProtectHome=tmpfs'], config: '/root/signer.toml' },
        configAt('root/signer.toml'),
      ),
      verify: failing('configHidden'),
    },
    {
      name: 'negated condition on the config',
      files: host({ unit: [`ConditionFileNotEmpty=!${CONFIG}`] }),
      verify: failing('negated'),
    },
    {
      name: 'ConditionFileIsExecutable names another binary',
      files: host({ unit: ['ConditionFileIsExecutable=/opt/stacks/bin/stacks-signer'] }),
      verify: failing('executableOther'),
    },
    {
      name: 'ExecStart= without --config',
      files: {
        ...signerHost(),
        ...SIGNER_BINARY,
        [UNIT]: '[Service]\nExecStart=/usr/local/bin/stacks-signer run\nUser=stacks-signer\n',
      },
      verify: failing('noConfigArg'),
    },
    {
      name: 'the ExecStart= binary is missing',
      files: { ...signerHost(), [UNIT]: unitText([], ['StateDirectory=stacks-signer']) },
      verify: failing('binaryMissing'),
    },
  ],
  notApplicable: [
    { name: 'no signer', files: {} },
    { name: 'config at a well-known path only', files: signerHost() },
  ],
  error: [
    {
      name: 'the named unit cannot be loaded',
      files: { ...signerHost(), 'opt/units': { dir: true }, [UNIT]: { symlink: '/opt/units' } },
      options: { signerUnit: 'stacks-signer.service' },
    },
  ],
});
