import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import { type CheckResult, type Evidence, SEVERITIES, STATUSES, THREATS } from '../../src/engine/types.js';
import { formatJson } from '../../src/report/json.js';
import type { AuditReport, DiscoveredService, ReportResult, ReportSummary } from '../../src/report/types.js';
import type { TargetKind } from '../../src/target/types.js';
import { sampleReport } from './sample-report.js';

const schemaUrl = new URL('../../../schema/report.schema.json', import.meta.url);
const schema = JSON.parse(fs.readFileSync(schemaUrl, 'utf8'));
// ajv is CommonJS: under NodeNext the default import is its module.exports, whose `.default` is the class.
const validate = new Ajv2020.default({ allErrors: true, strict: true }).compile(schema);

function assertValid(report: unknown): void {
  const ok = validate(report);
  assert.ok(ok, JSON.stringify(validate.errors, null, 2));
}

function assertInvalid(report: unknown, why: string): void {
  assert.equal(validate(report), false, `should be rejected: ${why}`);
}

// biome-ignore lint/suspicious/noExplicitAny: tests reach into parsed JSON to break it on purpose
type ParsedJson = Record<string, any>;

/** The JSON the CLI prints, parsed back: what consumers validate. */
function emitted(report: AuditReport = sampleReport()): ParsedJson {
  return JSON.parse(formatJson(report, { color: false }));
}

// Type-level lists of what the TypeScript contract allows, so the schema's enums can be compared against them.
// `satisfies` catches a removed value; the `Exhaustive` check catches a value added to the type but not here.
type Exhaustive<List extends readonly unknown[], Union> = [Union] extends [List[number]] ? true : never;
const TARGET_KINDS = ['live', 'directory', 'tar', 'remote'] as const satisfies readonly TargetKind[];
const ROLES = ['signer', 'node'] as const satisfies readonly DiscoveredService['role'][];
const SOURCES = ['unit', 'well-known', 'compose', 'flag'] as const satisfies readonly DiscoveredService['source'][];
const CONFIG_STATUSES = [
  'ok',
  'missing',
  'unreadable',
  'invalid',
  'unknown',
] as const satisfies readonly DiscoveredService['configStatus'][];
const RESULT_KEYS = [
  'id',
  'title',
  'family',
  'threats',
  'severity',
  'status',
  'message',
  'evidence',
  'remediation',
  'references',
  'docs',
  'severityReason',
  'data',
  'waiver',
] as const satisfies readonly (keyof ReportResult)[];
const SUMMARY_KEYS = [
  'total',
  'byStatus',
  'failedBySeverity',
  'score',
  'failOn',
  'exitCode',
  'durationMs',
  'waived',
] as const satisfies readonly (keyof ReportSummary)[];
const EVIDENCE_KEYS = ['file', 'line', 'detail'] as const satisfies readonly (keyof Evidence)[];
const complete: true[] = [
  true satisfies Exhaustive<typeof TARGET_KINDS, TargetKind>,
  true satisfies Exhaustive<typeof ROLES, DiscoveredService['role']>,
  true satisfies Exhaustive<typeof SOURCES, DiscoveredService['source']>,
  true satisfies Exhaustive<typeof CONFIG_STATUSES, DiscoveredService['configStatus']>,
  true satisfies Exhaustive<typeof RESULT_KEYS, keyof ReportResult>,
  true satisfies Exhaustive<typeof SUMMARY_KEYS, keyof ReportSummary>,
  true satisfies Exhaustive<typeof EVIDENCE_KEYS, keyof Evidence>,
];

describe('report JSON Schema', () => {
  test('its enums are exactly the lists in src/engine/types.ts and the report types', () => {
    assert.equal(complete.length, 7);
    assert.deepEqual(schema.$defs.status.enum, [...STATUSES]);
    assert.deepEqual(schema.$defs.severity.enum, [...SEVERITIES]);
    assert.deepEqual(schema.$defs.threat.enum, [...THREATS]);
    assert.deepEqual(schema.properties.target.properties.kind.enum, [...TARGET_KINDS]);
    const service = schema.$defs.discoveredService.properties;
    assert.deepEqual(service.role.enum, [...ROLES]);
    assert.deepEqual(service.source.enum, [...SOURCES]);
    assert.deepEqual(service.configStatus.enum, [...CONFIG_STATUSES]);
    assert.deepEqual(Object.keys(schema.properties.summary.properties.byStatus.properties), [...STATUSES]);
    assert.deepEqual(schema.properties.summary.properties.byStatus.required, [...STATUSES]);
    assert.deepEqual(Object.keys(schema.properties.summary.properties.failedBySeverity.properties), [...SEVERITIES]);
  });

  test('its properties are exactly the fields of the TypeScript contract', () => {
    assert.deepEqual(Object.keys(schema.$defs.result.properties), [...RESULT_KEYS]);
    assert.deepEqual(Object.keys(schema.properties.summary.properties), [...SUMMARY_KEYS]);
    assert.deepEqual(Object.keys(schema.$defs.evidence.properties), [...EVIDENCE_KEYS]);
  });

  test('accepts the JSON formatter output of a full report', () => {
    assertValid(emitted());
  });

  test('accepts a report with nothing discovered and no results', () => {
    const report = sampleReport([]);
    report.discovered = { notes: [] };
    assertValid(emitted(report));
  });

  test('rejects reports that break the contract', () => {
    const cases: [string, (r: ParsedJson) => void][] = [
      ['another schema version', (r) => (r.schemaVersion = 1)],
      [
        'a waiver without justification',
        (r) => (r.waivers.entries = [{ id: 'ssh/root-login', run: true, line: 1, state: 'applied' }]),
      ],
      [
        'a waiver with a bad date',
        (r) =>
          (r.results[0].waiver = {
            state: 'applied',
            justification: 'j',
            expires: '31/01/2027',
            file: 'w.yml',
            line: 1,
          }),
      ],
      ['a missing generatedAt', (r) => delete r.generatedAt],
      ['an unknown top-level field', (r) => (r.extra = true)],
      ['a result id not family/name', (r) => (r.results[0].id = 'SSH/Root_Login')],
      ['an id without family', (r) => (r.results[0].id = 'root-login')],
      ['an unknown status', (r) => (r.results[0].status = 'ok')],
      ['an unknown severity', (r) => (r.results[0].severity = 'severe')],
      ['an unknown threat', (r) => (r.results[0].threats = ['aliens'])],
      ['no threat', (r) => (r.results[0].threats = [])],
      ['a missing message', (r) => delete r.results[0].message],
      ['evidence without detail', (r) => (r.results[1].evidence = [{ file: '/etc/x' }])],
      ['evidence with a line 0', (r) => (r.results[1].evidence[0].line = 0)],
      ['an unknown result field', (r) => (r.results[0].secret = 'x')],
      ['data that is not an object', (r) => (r.results[0].data = 7)],
      ['a missing byStatus count', (r) => delete r.summary.byStatus.error],
      ['an exit code 3', (r) => (r.summary.exitCode = 3)],
      ['a score over 100', (r) => (r.summary.score = 101)],
      ['an unknown target kind', (r) => (r.target.kind = 'ssh')],
      ['an unknown config status', (r) => (r.discovered.signer.configStatus = 'fine')],
    ];
    for (const [why, breakIt] of cases) {
      const report = emitted();
      breakIt(report);
      assertInvalid(report, why);
    }
  });

  test('accepts waivers: applied and expired, on results and in the list', () => {
    const report = emitted();
    report.waivers = {
      file: '/etc/signer-opsec/waivers.yml',
      entries: [
        {
          id: 'ssh/non-standard-port',
          justification: 'port 22 kept',
          expires: '2027-01-31',
          run: true,
          line: 1,
          state: 'applied',
        },
        { id: 'ssh/root-login', justification: 'j', hosts: 'signer-*', run: false, line: 5, state: 'other-host' },
      ],
    };
    report.results[3].waiver = {
      state: 'applied',
      justification: 'port 22 kept',
      expires: '2027-01-31',
      file: 'w.yml',
      line: 1,
    };
    report.results[0].waiver = {
      state: 'expired',
      justification: 'old',
      expires: '2020-01-01',
      file: 'w.yml',
      line: 9,
    };
    report.summary.waived.total = 1;
    assertValid(report);
  });

  test('accepts the optional severityReason and data', () => {
    const report = emitted();
    const withBoth = report.results.find((r: CheckResult) => r.severityReason !== undefined);
    assert.ok(withBoth);
    report.results[0].data = { score: 7.9, label: 'EXPOSED' };
    assertValid(report);
  });
});

describe('formatJson', () => {
  test('prints the contract key order with 2-space indent and a trailing newline', () => {
    const text = formatJson(sampleReport(), { color: false });
    assert.ok(text.endsWith('}\n'));
    assert.ok(text.startsWith('{\n  "schemaVersion": 2,\n  "tool": {'));
    const report = JSON.parse(text);
    assert.deepEqual(Object.keys(report), [
      'schemaVersion',
      'tool',
      'target',
      'generatedAt',
      'discovered',
      'waivers',
      'summary',
      'results',
    ]);
    assert.deepEqual(Object.keys(report.summary.byStatus), [...STATUSES]);
    const first = report.results[0];
    assert.deepEqual(Object.keys(first), RESULT_KEYS.slice(0, 11));
    const lowered = report.results.find((r: CheckResult) => r.severityReason);
    assert.deepEqual(Object.keys(lowered), RESULT_KEYS.slice(0, 12));
  });

  test('key order does not depend on how the report object was built', () => {
    const report = sampleReport();
    // A check's own `data` keeps its order; everything else is rebuilt in contract order.
    const shuffled = JSON.parse(JSON.stringify(report), function reviver(key, value) {
      if (key !== 'data' && value && typeof value === 'object' && !Array.isArray(value)) {
        return Object.fromEntries(Object.entries(value).reverse());
      }
      return value;
    });
    assert.equal(formatJson(shuffled, { color: false }), formatJson(report, { color: false }));
  });
});
