import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { discover } from '../../src/discovery/index.js';
import { SecretRegistry } from '../../src/engine/secrets.js';
import { type CheckResult, SEVERITIES, type Severity, STATUSES, type Status } from '../../src/engine/types.js';
import { buildReport, describeDiscovery, summarise } from '../../src/report/build.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { signerToml } from '../support/hosts.js';
import { type MaterialisedTree, materialiseFiles } from '../support/materialise.js';

let counter = 0;
function result(status: Status, severity: Severity): CheckResult {
  counter += 1;
  return {
    id: `test/control-${counter}`,
    title: `Control ${counter}`,
    family: 'test',
    threats: ['host-compromise'],
    severity,
    status,
    message: `${status} at ${severity}`,
    evidence: [],
    remediation: 'Fix it.',
    references: [],
  };
}

const zeroByStatus = () => Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<Status, number>;
const zeroBySeverity = () =>
  Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;

describe('summarise: waived results', () => {
  const waiver = { state: 'applied', justification: 'j', file: 'w.yml', line: 1 } as const;
  test('are counted apart: not in byStatus, not towards --fail-on, not in the score', () => {
    const summary = summarise(
      [
        { ...result('fail', 'critical'), waiver },
        result('pass', 'high'),
        { ...result('fail', 'low'), waiver: { ...waiver, state: 'expired' } },
      ],
      'high',
      0,
    );
    assert.equal(summary.byStatus.fail, 1, 'the expired waiver no longer applies');
    assert.equal(summary.waived.total, 1);
    assert.equal(summary.waived.byStatus.fail, 1);
    assert.equal(summary.failedBySeverity.critical, 0);
    assert.equal(summary.exitCode, 0);
    assert.equal(summary.score, 86, 'high pass (6) of high + low (7)');
  });
  test('an error under a waiver still makes the audit incomplete (exit 2)', () => {
    const summary = summarise([{ ...result('error', 'low'), waiver }], 'high', 0);
    assert.equal(summary.byStatus.error, 0);
    assert.equal(summary.waived.byStatus.error, 1);
    assert.equal(summary.exitCode, 2);
  });
});

describe('summarise: counts', () => {
  test('no results: every status and severity present at zero, score 0, exit 0', () => {
    const summary = summarise([], 'high', 0);
    assert.deepEqual(summary, {
      total: 0,
      byStatus: zeroByStatus(),
      failedBySeverity: zeroBySeverity(),
      score: 0,
      failOn: 'high',
      exitCode: 0,
      durationMs: 0,
      waived: { total: 0, byStatus: zeroByStatus() },
    });
  });

  test('counts results per status', () => {
    const results = [
      result('pass', 'high'),
      result('pass', 'low'),
      result('fail', 'medium'),
      result('warn', 'high'),
      result('manual', 'high'),
      result('manual', 'info'),
      result('not_applicable', 'low'),
      result('not_evaluable', 'medium'),
    ];
    const summary = summarise(results, 'critical', 1);
    assert.equal(summary.total, 8);
    assert.deepEqual(summary.byStatus, {
      pass: 2,
      fail: 1,
      warn: 1,
      manual: 2,
      not_applicable: 1,
      not_evaluable: 1,
      error: 0,
    });
  });

  test('failedBySeverity counts failures at or above each severity (what --fail-on compares), failures only', () => {
    const results = [
      result('fail', 'critical'),
      result('fail', 'high'),
      result('fail', 'high'),
      result('fail', 'low'),
      result('warn', 'critical'),
      result('error', 'critical'),
      result('pass', 'medium'),
    ];
    assert.deepEqual(summarise(results, 'high', 0).failedBySeverity, {
      critical: 1,
      high: 3,
      medium: 3,
      low: 4,
      info: 4,
    });
    assert.deepEqual(summarise([result('fail', 'info')], 'high', 0).failedBySeverity, {
      critical: 0,
      high: 0,
      medium: 0,
      low: 0,
      info: 1,
    });
  });

  test('durationMs is rounded to whole milliseconds and failOn is echoed', () => {
    const summary = summarise([result('pass', 'low')], 'none', 1234.6);
    assert.equal(summary.durationMs, 1235);
    assert.equal(summary.failOn, 'none');
  });
});

describe('summarise: score', () => {
  // A pass at X beside a fail at low scores w(X) / (w(X) + 1): this pins every weight.
  const expectations: [Severity, number][] = [
    ['critical', Math.round((100 * 10) / 11)],
    ['high', Math.round((100 * 6) / 7)],
    ['medium', Math.round((100 * 3) / 4)],
    ['low', 50],
    ['info', 0],
  ];
  for (const [severity, score] of expectations) {
    test(`a pass at ${severity} weighs ${score === 0 ? 'nothing' : 'its weight'} (score ${score})`, () => {
      assert.equal(summarise([result('pass', severity), result('fail', 'low')], 'high', 0).score, score);
    });
  }

  test('the weights add up across severities', () => {
    // Failing the critical one, passing the rest: (6 + 3 + 1) / (10 + 6 + 3 + 1) = 50.
    const results = [
      result('fail', 'critical'),
      result('pass', 'high'),
      result('pass', 'medium'),
      result('pass', 'low'),
    ];
    assert.equal(summarise(results, 'none', 0).score, 50);
  });

  test('a warn counts half', () => {
    assert.equal(summarise([result('warn', 'high')], 'high', 0).score, 50);
    // (10 + 6/2 + 0 + 1/2 + 0) / (10 + 6 + 3 + 1 + 1) = 64.3 → 64
    const results = [
      result('pass', 'critical'),
      result('warn', 'high'),
      result('fail', 'medium'),
      result('warn', 'low'),
      result('fail', 'low'),
    ];
    assert.equal(summarise(results, 'high', 0).score, Math.round((100 * 13.5) / 21));
  });

  test('all pass is 100, all fail is 0', () => {
    assert.equal(summarise([result('pass', 'critical'), result('pass', 'low')], 'high', 0).score, 100);
    assert.equal(summarise([result('fail', 'critical'), result('fail', 'low')], 'high', 0).score, 0);
  });

  test('manual, not_applicable, not_evaluable and error results do not count', () => {
    const base = [result('pass', 'high'), result('fail', 'medium')];
    const noise = [
      result('manual', 'critical'),
      result('not_applicable', 'critical'),
      result('not_evaluable', 'critical'),
      result('error', 'critical'),
    ];
    assert.equal(summarise([...base, ...noise], 'none', 0).score, summarise(base, 'none', 0).score);
    assert.equal(summarise(base, 'none', 0).score, Math.round((100 * 6) / 9));
  });

  test('nothing evaluated scores 0', () => {
    const results = [result('manual', 'high'), result('not_applicable', 'critical'), result('not_evaluable', 'low')];
    assert.equal(summarise(results, 'high', 0).score, 0);
    // Only info controls evaluated: nothing weighted.
    assert.equal(summarise([result('pass', 'info')], 'high', 0).score, 0);
  });
});

describe('summarise: exit code', () => {
  test('a failure at --fail-on exits 1', () => {
    assert.equal(summarise([result('fail', 'high')], 'high', 0).exitCode, 1);
  });

  test('a failure above --fail-on exits 1', () => {
    assert.equal(summarise([result('fail', 'critical')], 'high', 0).exitCode, 1);
    assert.equal(summarise([result('fail', 'medium')], 'info', 0).exitCode, 1);
  });

  test('failures below --fail-on exit 0', () => {
    const results = [result('fail', 'medium'), result('fail', 'low'), result('fail', 'info'), result('pass', 'high')];
    assert.equal(summarise(results, 'high', 0).exitCode, 0);
    assert.equal(summarise([result('fail', 'high')], 'critical', 0).exitCode, 0);
  });

  test('warnings never fail the run', () => {
    assert.equal(summarise([result('warn', 'critical')], 'info', 0).exitCode, 0);
  });

  test('--fail-on none: failures exit 0', () => {
    assert.equal(summarise([result('fail', 'critical'), result('fail', 'high')], 'none', 0).exitCode, 0);
  });

  test('any error exits 2, even with failures or --fail-on none', () => {
    assert.equal(summarise([result('error', 'info')], 'high', 0).exitCode, 2);
    assert.equal(summarise([result('fail', 'critical'), result('error', 'low')], 'high', 0).exitCode, 2);
    assert.equal(summarise([result('error', 'low'), result('pass', 'high')], 'none', 0).exitCode, 2);
  });

  test('for every threshold, exit 1 exactly when failedBySeverity at that threshold is non-zero', () => {
    for (const failing of SEVERITIES) {
      for (const threshold of SEVERITIES) {
        const summary = summarise([result('fail', failing)], threshold, 0);
        assert.equal(summary.exitCode, summary.failedBySeverity[threshold] > 0 ? 1 : 0, `${failing} vs ${threshold}`);
        const expected = SEVERITIES.indexOf(failing) <= SEVERITIES.indexOf(threshold) ? 1 : 0;
        assert.equal(summary.exitCode, expected, `${failing} vs ${threshold}`);
      }
    }
  });
});

describe('describeDiscovery', () => {
  let tree: MaterialisedTree;
  before(async () => {
    tree = await materialiseFiles({
      'etc/systemd/system/stacks-signer.service':
        '[Unit]\nDescription=Stacks signer\n[Service]\nUser=stacks-signer\n' +
        'ExecStart=/usr/local/bin/stacks-signer run --config /etc/stacks/signer/signer-config.toml\n',
      'etc/systemd/system/stacks-signer.service.d/override.conf': '[Service]\nRestart=always\n',
      'etc/stacks/signer/signer-config.toml': `${signerToml()}mystery_key = 1\n`,
      'opt/stacks/docker-compose.yml': [
        'services:',
        '  node:',
        '    image: blockstack/stacks-core:3.1.0.0.7',
        '    user: "991"',
        '    command: ["stacks-node", "start", "--config", "/config/node.toml"]',
        '    volumes:',
        '      - ./node.toml:/config/node.toml:ro',
        '',
      ].join('\n'),
    });
  });
  after(() => tree.cleanup());

  test('describes a unit-found signer and a compose-found node', async () => {
    const discovery = await discover(new DirectoryTarget(tree.root, { live: false }), {}, new SecretRegistry());
    const described = describeDiscovery(discovery);
    assert.deepEqual(described.signer, {
      role: 'signer',
      source: 'unit',
      unit: {
        name: 'stacks-signer.service',
        path: '/etc/systemd/system/stacks-signer.service',
        dropIns: ['/etc/systemd/system/stacks-signer.service.d/override.conf'],
      },
      configPath: '/etc/stacks/signer/signer-config.toml',
      configStatus: 'ok',
      binary: '/usr/local/bin/stacks-signer',
      user: 'stacks-signer',
      notes: ['/etc/stacks/signer/signer-config.toml:8: unknown key or section (name not shown)'],
    });
    assert.deepEqual(described.node, {
      role: 'node',
      source: 'compose',
      container: {
        file: '/opt/stacks/docker-compose.yml',
        service: 'node',
        image: 'blockstack/stacks-core:3.1.0.0.7',
      },
      configPath: '/opt/stacks/node.toml',
      configStatus: 'missing',
      binary: 'blockstack/stacks-core:3.1.0.0.7',
      user: '991',
      // A config that is not ok says why among the notes.
      notes: ['/opt/stacks/node.toml does not exist'],
    });
    assert.deepEqual(described.notes, []);
  });

  test('nothing found: only notes', () => {
    assert.deepEqual(describeDiscovery({ notes: ['a note'] }), { notes: ['a note'] });
  });

  test('a service with no config path has no configPath and says why', () => {
    const described = describeDiscovery({
      notes: [],
      node: {
        role: 'node',
        source: 'well-known',
        notes: ['first'],
        config: { status: 'unknown', reason: 'no config path was found' },
      },
    });
    assert.deepEqual(described, {
      node: {
        role: 'node',
        source: 'well-known',
        configStatus: 'unknown',
        notes: ['first', 'no config path was found'],
      },
      notes: [],
    });
  });

  test('the notes are copies, not the discovery arrays', () => {
    const discovery = { notes: ['x'] };
    const described = describeDiscovery(discovery);
    described.notes.push('y');
    assert.deepEqual(discovery.notes, ['x']);
  });
});

describe('buildReport', () => {
  test('assembles the report contract around the summary', () => {
    const results = [result('pass', 'high'), result('fail', 'critical')];
    const target = new DirectoryTarget('/tmp', { live: false });
    const report = buildReport({
      version: '9.9.9',
      target,
      discovered: { notes: [] },
      results,
      failOn: 'high',
      durationMs: 5,
      startedAt: new Date('2026-12-07T10:00:00Z'),
    });
    assert.equal(report.schemaVersion, 2);
    assert.deepEqual(report.tool, { name: 'signer-opsec', version: '9.9.9' });
    assert.deepEqual(report.target, { kind: 'directory', source: '/tmp', live: false });
    assert.equal(report.generatedAt, '2026-12-07T10:00:00.000Z');
    assert.deepEqual(report.waivers, { file: null, entries: [] });
    assert.deepEqual(report.discovered, { notes: [] });
    assert.deepEqual(report.summary, summarise(results, 'high', 5));
    assert.equal(report.results, results);
  });
});
