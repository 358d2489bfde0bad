import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import check, { parseTimeSpan } from '../../../src/checks/service/restart-policy.js';
import { runCheckCases } from '../../support/check-tester.js';
import { nodeConfigFile, SIGNER_BINARY, serviceUnit, signerHost, signerUnitHost } from '../../support/hosts.js';

const DROP_IN = 'etc/systemd/system/stacks-signer.service.d/restart.conf';
const VENDOR_UNIT = 'usr/lib/systemd/system/stacks-signer.service';

const vendorHost = (serviceLines: string[], dropIn: string) => ({
  ...signerHost(),
  ...SIGNER_BINARY,
  [VENDOR_UNIT]: [
    '[Service]',
    'ExecStart=/usr/local/bin/stacks-signer run --config /etc/stacks/signer/signer-config.toml',
    'User=stacks-signer',
    ...serviceLines,
    '',
  ].join('\n'),
  [DROP_IN]: dropIn,
});

runCheckCases(check, {
  pass: [
    {
      name: 'on-failure, 5s apart',
      files: signerUnitHost(['Restart=on-failure', 'RestartSec=5s']),
      messages: ['restarts'],
    },
    {
      name: 'always, start limit disabled',
      files: signerUnitHost(
        ['Restart=always'],
        {},
        { 'etc/systemd/system/stacks-signer.service.d/limit.conf': '[Unit]\nStartLimitIntervalSec=0\n' },
      ),
      messages: ['restarts'],
    },
    {
      name: 'a drop-in turns restarts on',
      files: vendorHost([], '[Service]\nRestart=always\nRestartSec=10\n'),
      messages: ['restarts'],
    },
    {
      name: 'an empty Restart= in a drop-in is ignored, as systemd 252 does',
      files: vendorHost(['Restart=on-failure', 'RestartSec=5s'], '[Service]\nRestart=\n'),
      messages: ['restarts'],
    },
    {
      name: 'manager start limit disabled in system.conf',
      files: signerUnitHost(
        ['Restart=on-failure'],
        {},
        { 'etc/systemd/system.conf': '[Manager]\nDefaultStartLimitIntervalSec=0\n' },
      ),
      messages: ['restarts'],
    },
  ],
  fail: [
    { name: 'unset', files: signerUnitHost([]), messages: ['noRestart'] },
    { name: 'Restart=no', files: signerUnitHost(['Restart=no']), messages: ['noRestart'] },
    { name: 'on-success', files: signerUnitHost(['Restart=on-success', 'RestartSec=5s']), messages: ['narrow'] },
    {
      name: 'a drop-in turns restarts off',
      files: vendorHost(['Restart=on-failure', 'RestartSec=5s'], '[Service]\nRestart=no\n'),
      messages: ['noRestart'],
      verify: (detailed) =>
        assert.match(
          detailed.result.message,
          /Restart=no at \/etc\/systemd\/system\/stacks-signer\.service\.d\/restart\.conf:2/,
        ),
    },
    {
      name: 'the node on this host does not restart',
      files: {
        ...signerUnitHost(['Restart=on-failure', 'RestartSec=5s']),
        ...nodeConfigFile(),
        ...serviceUnit('node'),
      },
      messages: ['noRestart'],
      verify: (detailed) =>
        assert.match(detailed.result.message, /^stacks-node\.service \(the stacks-node on this host\)/),
    },
  ],
  warn: [
    {
      name: 'on-abnormal',
      files: signerUnitHost(['Restart=on-abnormal', 'RestartSec=5s']),
      messages: ['abnormalOnly'],
    },
    {
      name: 'default RestartSec exhausts the default start limit',
      files: signerUnitHost(['Restart=on-failure']),
      messages: ['startLimit'],
      verify: (detailed) =>
        assert.match(detailed.result.message, /100ms apart with StartLimitBurst=5 in StartLimitIntervalSec=10s/),
    },
    {
      name: 'a long start-limit interval',
      files: signerUnitHost(
        ['Restart=always', 'RestartSec=5s'],
        {},
        {
          'etc/systemd/system/stacks-signer.service.d/limit.conf':
            '[Unit]\nStartLimitIntervalSec=5min\nStartLimitBurst=3\n',
        },
      ),
      messages: ['startLimit'],
    },
  ],
  notApplicable: [
    { name: 'no signer', files: {} },
    { name: 'config at a well-known path only', files: signerHost() },
  ],
});

describe('parseTimeSpan', () => {
  test('systemd time spans', () => {
    assert.equal(parseTimeSpan('5'), 5);
    assert.equal(parseTimeSpan('100ms'), 0.1);
    assert.equal(parseTimeSpan('5min 20s'), 320);
    assert.equal(parseTimeSpan('1h30min'), 5400);
    assert.equal(parseTimeSpan('infinity'), Number.POSITIVE_INFINITY);
    assert.equal(parseTimeSpan('5 parsecs'), undefined);
    assert.equal(parseTimeSpan(''), undefined);
  });
});
