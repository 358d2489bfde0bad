import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { DETECTORS } from '../../../src/secrets/detectors/index.js';
import { formatScanSarif } from '../../../src/secrets/format/sarif.js';
import type { Finding } from '../../../src/secrets/types.js';

// The official OASIS schema, vendored (see test/fixtures/sarif/README.md).
const schema = JSON.parse(
  readFileSync(new URL('../../../../test/fixtures/sarif/sarif-schema-2.1.0.json', import.meta.url), 'utf8'),
) as object;

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  // ajv ships no format checkers; these three are the ones the schema uses.
  ajv.addFormat('uri', /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/);
  ajv.addFormat('uri-reference', /^[^\s]*$/);
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/);
  return ajv.compile(schema);
}

const findings: Finding[] = [
  {
    detector: 'stacks-private-key',
    file: 'etc/signer one.toml',
    line: 2,
    column: 23,
    fingerprint: '0123456789abcdef',
    severity: 'critical',
    message: 'A key.',
  },
  {
    detector: 'auth-token',
    file: '/abs/node.toml',
    line: 7,
    fingerprint: 'fedcba9876543210',
    severity: 'high',
    message: 'A token.',
  },
  {
    detector: 'bip39-mnemonic',
    file: 'notes/wallet.txt',
    line: 1,
    column: 1,
    fingerprint: '00112233445566ff',
    severity: 'critical',
    message: 'A mnemonic.',
    commit: 'a'.repeat(40),
    author: 'Dev <dev@example.com>',
    date: '2024-05-01T10:00:00Z',
  },
];

test('SARIF output is valid against the SARIF 2.1.0 schema, with findings and with none', () => {
  const validate = validator();
  // The schema bites: a run without a tool is rejected.
  assert.ok(!validate({ version: '2.1.0', runs: [{ results: [] }] }));
  for (const list of [findings, []]) {
    const log = JSON.parse(
      formatScanSarif({
        findings: list,
        stats: {
          filesScanned: 3,
          bytesScanned: 10,
          skippedBinary: 0,
          skippedTooLarge: 1,
          skippedUnreadable: 0,
          suppressedByBaseline: 0,
        },
        warnings: ['big.bin: not scanned, larger than 10 bytes'],
        toolVersion: '0.1.0',
      }),
    );
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
  }
});

test('rules come from the detector metadata, results point at them, and fingerprints are carried', () => {
  const log = JSON.parse(
    formatScanSarif({
      findings,
      stats: {
        filesScanned: 3,
        bytesScanned: 10,
        skippedBinary: 0,
        skippedTooLarge: 0,
        skippedUnreadable: 0,
        suppressedByBaseline: 0,
      },
      warnings: [],
      toolVersion: '0.1.0',
    }),
  );
  const run = log.runs[0];
  assert.deepEqual(
    run.tool.driver.rules.map((rule: { id: string }) => rule.id),
    DETECTORS.map((detector) => detector.id),
  );
  for (const result of run.results) {
    assert.equal(run.tool.driver.rules[result.ruleIndex].id, result.ruleId);
  }
  assert.equal(run.results[0].locations[0].physicalLocation.artifactLocation.uri, 'etc/signer%20one.toml');
  assert.equal(run.results[1].locations[0].physicalLocation.artifactLocation.uri, 'file:///abs/node.toml');
  assert.equal(run.results[2].partialFingerprints['secretFingerprint/v1'], '00112233445566ff');
  assert.equal(run.results[2].properties.commit, 'a'.repeat(40));
});
