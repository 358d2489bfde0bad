import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { allChecks } from '../../src/checks/index.js';
import { formatAuditSarif } from '../../src/report/sarif.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { waivedSampleReport } from './waived-sample.js';

// The official OASIS schema, vendored (see test/fixtures/sarif/README.md).
const schema = JSON.parse(
  readFileSync(join(REPO_ROOT, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8'),
) as object;

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('uri', /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/);
  ajv.addFormat('uri-reference', /^[^\s]*$/);
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/);
  return ajv.compile(schema);
}

// biome-ignore lint/suspicious/noExplicitAny: tests read the parsed SARIF log
type Json = Record<string, any>;

describe('audit --format sarif', () => {
  const validate = validator();

  test('valid SARIF 2.1.0; one rule per control of the catalogue; waivers as suppressions', () => {
    const log = JSON.parse(formatAuditSarif(waivedSampleReport(), { color: false })) as Json;
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    const run = log.runs[0];
    assert.deepEqual(
      run.tool.driver.rules.map((rule: Json) => rule.id),
      allChecks.map((check) => check.id),
    );
    const rule = run.tool.driver.rules.find((r: Json) => r.id === 'ssh/root-login');
    const check = allChecks.find((c) => c.id === 'ssh/root-login')!;
    assert.equal(rule.shortDescription.text, check.title);
    assert.equal(rule.help.text, check.remediation);
    assert.equal(run.results.length, 8);
    for (const result of run.results) assert.equal(run.tool.driver.rules[result.ruleIndex].id, result.ruleId);

    const perms = run.results.find((r: Json) => r.ruleId === 'keys/signer-config-permissions');
    assert.equal(perms.kind, 'fail');
    assert.equal(perms.level, 'error');
    assert.deepEqual(perms.locations[0].physicalLocation, {
      artifactLocation: { uri: 'etc/stacks/signer/signer-config.toml', uriBaseId: 'TARGETROOT' },
      region: { startLine: 3 },
    });
    assert.equal(perms.suppressions, undefined, 'an expired waiver suppresses nothing');
    assert.equal(perms.properties.waiverExpired, '2001-01-01');

    const waived = run.results.find((r: Json) => r.ruleId === 'keys/key-in-git');
    assert.deepEqual(waived.suppressions[0].kind, 'external');
    assert.equal(waived.suppressions[0].justification, 'test repository, key rotated');
    assert.equal(waived.suppressions[0].location.physicalLocation.region.startLine, 1);

    const statuses = Object.fromEntries(run.results.map((r: Json) => [r.ruleId, [r.kind, r.level]]));
    assert.deepEqual(statuses['ssh/root-login'], ['pass', 'none']);
    assert.deepEqual(statuses['topology/signer-endpoint-exposure'], ['fail', 'warning']);
    assert.deepEqual(statuses['practice/offline-key-generation'], ['review', 'none']);
    assert.deepEqual(statuses['ssh/non-standard-port'], ['notApplicable', 'none']);
    assert.deepEqual(statuses['service/exposure-score'], ['open', 'error']);
    assert.equal(run.invocations[0].executionSuccessful, false, 'an error result');
    assert.equal(run.originalUriBaseIds.TARGETROOT.uri, 'file:///mnt/signer-image/');
  });

  test('a real audit of the published guide: valid, and its failures located by file:line', () => {
    const cli = runCli(['audit', '--root', join(REPO_ROOT, 'examples/hosts/published-guide.tar'), '--format', 'sarif']);
    assert.equal(cli.code, 1, cli.stderr);
    const log = JSON.parse(cli.stdout) as Json;
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    const located = log.runs[0].results.filter(
      (r: Json) => r.kind === 'fail' && r.locations.some((l: Json) => l.physicalLocation.region?.startLine),
    );
    assert.ok(located.length >= 5, `failures with a line: ${located.length}`);
    const ssh = log.runs[0].results.find((r: Json) => r.ruleId === 'ssh/password-authentication');
    assert.match(ssh.locations[0].physicalLocation.artifactLocation.uri, /^etc\/ssh\/sshd_config/);
  });
});
