import assert from 'node:assert/strict';
import { test } from 'node:test';
import check from '../../../src/checks/service/exposure-score.js';
import type { DetailedResult } from '../../../src/engine/runner.js';
import { type CheckCase, runCheckCases, runOn } from '../../support/check-tester.js';
import {
  nodeConfigFile,
  PUBLISHED_GUIDE_SIGNER_UNIT,
  serviceUnit,
  signerHost,
  signerUnitHost,
  TEST_AUTH_TOKEN,
} from '../../support/hosts.js';
import { materialiseFiles } from '../../support/materialise.js';
import { composeSigner } from '../../support/service-hosts.js';
import { analyzeSecurity } from '../../support/systemd-analyze.js';

const UNIT = 'etc/systemd/system/stacks-signer.service';
const DROP_IN = 'etc/systemd/system/stacks-signer.service.d/override.conf';

/** The hardened example's confinement: scores 1.1 OK. */
const CONFINED = [
  'User=stacks-signer',
  'UMask=0077',
  'StateDirectory=stacks-signer',
  'PrivateTmp=yes',
  'ProtectSystem=strict',
  'ProtectHome=yes',
  'NoNewPrivileges=yes',
  'PrivateDevices=yes',
  'IPAddressDeny=any',
  'IPAddressAllow=localhost',
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
  'CapabilityBoundingSet=',
  'AmbientCapabilities=',
  'PrivateUsers=yes',
  'ProtectClock=yes',
  'ProtectControlGroups=yes',
  'ProtectHostname=yes',
  'ProtectKernelLogs=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelTunables=yes',
  'ProtectProc=invisible',
  'ProcSubset=pid',
  'RestrictNamespaces=yes',
  'RestrictRealtime=yes',
  'RestrictSUIDSGID=yes',
  'LockPersonality=yes',
  'MemoryDenyWriteExecute=yes',
  'RemoveIPC=yes',
  'KeyringMode=private',
  'DevicePolicy=closed',
  'SystemCallArchitectures=native',
  'SystemCallFilter=@system-service',
  'SystemCallFilter=~@privileged @resources',
];

const scoreOf = (detailed: DetailedResult) => [detailed.result.data?.score, detailed.result.data?.label];

const cases: Record<'pass' | 'warn' | 'fail', CheckCase[]> = {
  pass: [
    {
      name: 'the hardened confinement (1.1 OK)',
      files: signerUnitHost(CONFINED),
      messages: ['low'],
      verify: (detailed) => assert.deepEqual(scoreOf(detailed), [1.1, 'OK']),
    },
    {
      name: 'a drop-in completes a half-confined unit',
      files: signerUnitHost(CONFINED.slice(0, 12), {}, { [DROP_IN]: `[Service]\n${CONFINED.slice(12).join('\n')}\n` }),
      verify: (detailed) => assert.deepEqual(scoreOf(detailed), [1.1, 'OK']),
    },
  ],
  warn: [
    {
      name: 'confined, but a drop-in resets the system call filter and the capability set',
      files: signerUnitHost(CONFINED, {}, { [DROP_IN]: '[Service]\nSystemCallFilter=\nCapabilityBoundingSet=~\n' }),
      messages: ['medium'],
      verify: (detailed) => {
        const score = detailed.result.data?.score as number;
        assert.ok(score >= 2 && score < 5, String(score));
        assert.ok(
          ((detailed.result.data?.contributors ?? []) as { id: string }[]).some((c) =>
            c.id.startsWith('SystemCallFilter=~@'),
          ),
        );
      },
    },
  ],
  fail: [
    {
      name: "the published guide's unit (7.9 EXPOSED)",
      files: signerHost({}, { [UNIT]: PUBLISHED_GUIDE_SIGNER_UNIT }),
      messages: ['high'],
      verify: (detailed) => {
        assert.deepEqual(scoreOf(detailed), [7.9, 'EXPOSED']);
        const contributors = (detailed.result.data?.contributors ?? []) as {
          id: string;
          exposure: number;
          directive: string;
        }[];
        // Sorted by exposure; the three largest are named in the message with the directive that removes them.
        assert.deepEqual(
          contributors.map((contributor) => contributor.exposure),
          [...contributors.map((contributor) => contributor.exposure)].sort((a, b) => b - a),
        );
        assert.equal(contributors[0]?.id, 'PrivateNetwork=');
        for (const contributor of contributors.slice(0, 3)) {
          assert.ok(detailed.result.message.includes(contributor.id), contributor.id);
        }
        assert.match(
          detailed.result.message,
          /service has administrator privileges; set CapabilityBoundingSet=~CAP_SYS_ADMIN/,
        );
        // ProtectSystem=full is named at its line, with what would remove it.
        assert.ok(
          detailed.result.evidence.some(
            (item) =>
              item.line === 9 && /ProtectSystem=.*very limited write access.*ProtectSystem=strict/.test(item.detail),
          ),
        );
      },
    },
    {
      name: 'a bare unit run as root (9.6 UNSAFE)',
      files: signerUnitHost(['User=root']),
      verify: (detailed) => assert.deepEqual(scoreOf(detailed), [9.6, 'UNSAFE']),
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
      name: 'DynamicUser= that is not a boolean: systemd refuses the unit',
      files: signerUnitHost([...CONFINED, 'DynamicUser=maybe']),
      verify: (detailed) => assert.match(detailed.result.message, /DynamicUser=maybe .* is not a boolean/),
    },
  ],
});

test('a bare stacks-node unit next to a confined signer only warns (the node needs the network)', async () => {
  const files = { ...signerUnitHost(CONFINED), ...nodeConfigFile(), ...serviceUnit('node') };
  const detailed = await runOn(check, files);
  assert.equal(detailed.result.status, 'warn');
  assert.ok(detailed.items.some((item) => item.status === 'warn' && item.message.startsWith('stacks-node.service')));
  assert.deepEqual(scoreOf(detailed), [1.1, 'OK']);
});

test('no secret from the unit reaches the result', async () => {
  const files = signerUnitHost([...CONFINED, `Environment=AUTH_PASSWORD=${TEST_AUTH_TOKEN}`]);
  const detailed = await runOn(check, files);
  assert.ok(!JSON.stringify(detailed).includes(TEST_AUTH_TOKEN));
});

test('service/exposure-score gives every fixture the score systemd-analyze security --offline=true gives it', async () => {
  for (const fixture of [...cases.pass, ...cases.warn, ...cases.fail]) {
    const tree = await materialiseFiles(fixture.files);
    try {
      const oracle = analyzeSecurity(tree.root, ['stacks-signer.service']).get('stacks-signer.service');
      const detailed = await runOn(check, fixture.files);
      assert.deepEqual(scoreOf(detailed), [oracle?.score, oracle?.label], fixture.name);
    } finally {
      await tree.cleanup();
    }
  }
});
