import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import check from '../../../src/checks/service/baseline-directives.js';
import type { DetailedResult } from '../../../src/engine/runner.js';
import { type CheckCase, runCheckCases, runOn } from '../../support/check-tester.js';
import {
  HARDENED_SIGNER_SERVICE_LINES,
  nodeConfigFile,
  PUBLISHED_GUIDE_SIGNER_UNIT,
  serviceUnit,
  signerHost,
  signerUnitHost,
} from '../../support/hosts.js';
import { type FileSpec, materialiseFiles } from '../../support/materialise.js';
import { composeSigner } from '../../support/service-hosts.js';

const DIRECTIVES = ['PrivateTmp', 'ProtectSystem', 'ProtectHome', 'NoNewPrivileges', 'PrivateDevices'] as const;
const BASELINE = HARDENED_SIGNER_SERVICE_LINES.filter((line) => DIRECTIVES.some((key) => line.startsWith(`${key}=`)));
const DROP_IN = 'etc/systemd/system/stacks-signer.service.d/override.conf';
const VENDOR_UNIT = 'usr/lib/systemd/system/stacks-signer.service';

/**
 * The status this check gave one directive: a gap is an item whose message names "Key="; a directive that is
 * set is only evidence (so that a passing unit gets one line, not five).
 */
function statusOf(detailed: DetailedResult, key: string): string | undefined {
  const gap = detailed.items.find((item) => item.message.includes(` ${key}=`));
  if (gap) return gap.status;
  return detailed.result.evidence.some((item) => item.detail.includes(`${key}=`)) ? 'pass' : undefined;
}

const expectStatuses =
  (expected: Partial<Record<(typeof DIRECTIVES)[number], string>>) =>
  (detailed: DetailedResult): void => {
    for (const [key, status] of Object.entries(expected)) assert.equal(statusOf(detailed, key), status, key);
  };

const vendorUnit = (serviceLines: string[]) =>
  [
    '[Unit]',
    'Description=stacks signer (vendor)',
    '[Service]',
    'ExecStart=/usr/local/bin/stacks-signer run --config /etc/stacks/signer/signer-config.toml',
    'User=stacks-signer',
    ...serviceLines,
    '',
  ].join('\n');

const cases: Record<'pass' | 'fail' | 'warn', CheckCase[]> = {
  pass: [
    { name: 'all five set', files: signerUnitHost(), messages: ['allSet'] },
    {
      name: "the published guide's unit (booleans as true, ProtectSystem=full)",
      files: signerHost({}, { 'etc/systemd/system/stacks-signer.service': PUBLISHED_GUIDE_SIGNER_UNIT }),
    },
    {
      name: 'ProtectHome=read-only, other boolean spellings',
      files: signerUnitHost([
        'PrivateTmp=on',
        'ProtectSystem=full',
        'ProtectHome=read-only',
        'NoNewPrivileges=1',
        'PrivateDevices=y',
      ]),
    },
    {
      name: 'ProtectHome=tmpfs',
      files: signerUnitHost([
        'PrivateTmp=yes',
        'ProtectSystem=strict',
        'ProtectHome=tmpfs',
        'NoNewPrivileges=yes',
        'PrivateDevices=yes',
      ]),
    },
    {
      name: 'DynamicUser=yes implies four of them',
      files: signerUnitHost(['DynamicUser=yes', 'PrivateDevices=yes']),
      verify: (detailed) => assert.match(detailed.result.message, /forced by DynamicUser=yes/),
    },
    {
      name: 'empty and invalid drop-in values are ignored, as systemd 252 does',
      files: signerUnitHost(BASELINE, {}, { [DROP_IN]: '[Service]\nPrivateTmp=\nProtectHome=\nProtectSystem=bogus\n' }),
      verify: (detailed) => {
        const ignored = detailed.result.evidence.filter(
          (item) => item.file === `/${DROP_IN}` && /ignored by systemd/.test(item.detail),
        );
        assert.equal(ignored.length, 3);
      },
    },
    {
      name: '/usr/lib unit hardened by an /etc drop-in',
      files: { ...signerHost(), [VENDOR_UNIT]: vendorUnit([]), [DROP_IN]: `[Service]\n${BASELINE.join('\n')}\n` },
      verify: (detailed) => assert.ok(detailed.result.evidence.every((item) => item.file === `/${DROP_IN}`)),
    },
  ],
  fail: [
    {
      name: 'none set',
      files: signerUnitHost([]),
      messages: ['missing'],
      verify: (detailed) => {
        assert.equal(detailed.items.filter((item) => item.status === 'fail').length, 5);
        assert.match(detailed.result.message, /PrivateDevices= is not set in the unit or its drop-ins/);
      },
    },
    {
      name: 'a drop-in turns PrivateTmp off',
      files: signerUnitHost(BASELINE, {}, { [DROP_IN]: '[Service]\nPrivateTmp=no\n' }),
      messages: ['disabled'],
      verify: (detailed) => {
        expectStatuses({ PrivateTmp: 'fail', ProtectSystem: 'pass' })(detailed);
        assert.match(
          detailed.result.message,
          /PrivateTmp=no at \/etc\/systemd\/system\/stacks-signer\.service\.d\/override\.conf:2 turns it off/,
        );
      },
    },
    {
      name: 'ProtectSystem=yes is too weak',
      files: signerUnitHost([
        'PrivateTmp=yes',
        'ProtectSystem=yes',
        'ProtectHome=yes',
        'NoNewPrivileges=yes',
        'PrivateDevices=yes',
      ]),
      messages: ['weak'],
    },
    {
      name: '/usr/lib unit overridden by an /etc drop-in that turns two off',
      files: {
        ...signerHost(),
        [VENDOR_UNIT]: vendorUnit(BASELINE),
        [DROP_IN]: '[Service]\nProtectHome=no\nNoNewPrivileges=false\n',
      },
      messages: ['disabled'],
      verify: expectStatuses({
        ProtectHome: 'fail',
        NoNewPrivileges: 'fail',
        PrivateTmp: 'pass',
        PrivateDevices: 'pass',
      }),
    },
    {
      name: 'DynamicUser=yes without PrivateDevices',
      files: signerUnitHost(['DynamicUser=yes']),
      verify: expectStatuses({
        PrivateDevices: 'fail',
        PrivateTmp: 'pass',
        ProtectSystem: 'pass',
        ProtectHome: 'pass',
      }),
    },
  ],
  warn: [
    {
      name: 'hardened signer, bare node unit on the same host',
      files: { ...signerUnitHost(), ...nodeConfigFile(), ...serviceUnit('node') },
      verify: (detailed) => {
        const warned = detailed.items.filter((item) => item.status === 'warn');
        assert.equal(warned.length, 5);
        assert.ok(
          warned.every((item) => item.message.startsWith('stacks-node.service (the stacks-node on this host)')),
        );
      },
    },
  ],
};

runCheckCases(check, {
  ...cases,
  notApplicable: [
    { name: 'no signer', files: {} },
    { name: 'config at a well-known path only', files: signerHost() },
    { name: 'compose signer', files: composeSigner('"990:990"') },
  ],
  error: [
    {
      name: 'the named unit is a symlink to a directory',
      files: {
        ...signerHost(),
        'opt/units': { dir: true },
        'etc/systemd/system/stacks-signer.service': { symlink: '/opt/units' },
      },
      options: { signerUnit: 'stacks-signer.service' },
    },
  ],
});

/**
 * systemd-analyze security (the system's own reading of the unit) is the oracle: for each directive, its ✓/✗ and
 * label must agree with this check on every pass/fail fixture above.
 */
const ACCEPTED_LABELS: Record<string, RegExp> = {
  PrivateTmp: /^✓/,
  ProtectSystem: /^✓|very limited write access/,
  ProtectHome: /^✓|read-only access to home|fake empty home/,
  NoNewPrivileges: /^✓/,
  PrivateDevices: /^✓/,
};

function analyzeSecurity(files: FileSpec): Promise<Record<string, boolean>> {
  return materialiseFiles(files).then((tree) => {
    try {
      const output = execFileSync(
        'systemd-analyze',
        ['security', '--offline=true', `--root=${tree.root}`, '--no-pager', 'stacks-signer.service'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      ).replace(/\x1b\[[0-9;]*m/g, '');
      const verdicts: Record<string, boolean> = {};
      for (const key of DIRECTIVES) {
        const line = output.split('\n').find((candidate) => candidate.slice(2).startsWith(`${key}=`));
        assert.ok(line, `systemd-analyze printed no ${key}= line`);
        verdicts[key] = ACCEPTED_LABELS[key]!.test(line);
      }
      return verdicts;
    } finally {
      tree.cleanup();
    }
  });
}

test('service/baseline-directives agrees with systemd-analyze security on every signer-only fixture', async () => {
  const fixtures = [...cases.pass, ...cases.fail];
  for (const fixture of fixtures) {
    const expected = await analyzeSecurity(fixture.files);
    const detailed = await runOn(check, fixture.files);
    for (const key of DIRECTIVES) {
      assert.equal(statusOf(detailed, key) === 'pass', expected[key], `${fixture.name}: ${key}`);
    }
  }
});
