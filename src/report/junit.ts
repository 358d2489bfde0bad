// JUnit XML as Jenkins and GitLab read it (the XSD of Jenkins' JUnit plugin): one testsuite per control family, one
// testcase per control. fail → <failure>, error → <error>, not_applicable/not_evaluable and waived → <skipped>;
// warn and manual pass, their message in <system-out>.
import type { Status } from '../engine/types.js';
import type { AuditReport, Formatter, ReportResult } from './types.js';
import { escapeXml } from './xml.js';

function describe(result: ReportResult): string {
  const lines = [`[${result.severity}] ${result.message}`];
  for (const evidence of result.evidence) {
    const where = evidence.file ? `${evidence.file}${evidence.line ? `:${evidence.line}` : ''}: ` : '';
    lines.push(`  ${where}${evidence.detail}`);
  }
  if (result.severityReason) lines.push(`Severity lowered: ${result.severityReason}`);
  lines.push(`Fix: ${result.remediation}`);
  for (const reference of result.references) lines.push(`See: ${reference}`);
  if (result.waiver?.state === 'expired')
    lines.push(`Waiver expired on ${result.waiver.expires} (${result.waiver.file}:${result.waiver.line}).`);
  return lines.join('\n');
}

const SKIPPED: ReadonlySet<Status> = new Set(['not_applicable', 'not_evaluable']);

function testcase(result: ReportResult): string {
  const open = `    <testcase name="${escapeXml(`${result.id}: ${result.title}`)}" classname="${escapeXml(`signer-opsec.${result.family}`)}" time="0">`;
  const body = escapeXml(describe(result));
  let inner: string;
  if (result.waiver?.state === 'applied') {
    const until = result.waiver.expires ? ` until ${result.waiver.expires}` : '';
    inner = `      <skipped>${escapeXml(`Waived${until} (${result.status}): ${result.waiver.justification} [${result.waiver.file}:${result.waiver.line}]`)}</skipped>\n      <system-out>${body}</system-out>`;
  } else if (result.status === 'fail') {
    inner = `      <failure type="${result.severity}" message="${escapeXml(result.message)}">${body}</failure>`;
  } else if (result.status === 'error') {
    inner = `      <error type="check-error" message="${escapeXml(result.message)}">${body}</error>`;
  } else if (SKIPPED.has(result.status)) {
    inner = `      <skipped>${escapeXml(`${result.status}: ${result.message}`)}</skipped>`;
  } else {
    inner = `      <system-out>${escapeXml(`${result.status}: `)}${body}</system-out>`;
  }
  return `${open}\n${inner}\n    </testcase>`;
}

function counts(results: readonly ReportResult[]) {
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  for (const result of results) {
    if (result.waiver?.state === 'applied' || SKIPPED.has(result.status)) skipped += 1;
    else if (result.status === 'fail') failures += 1;
    else if (result.status === 'error') errors += 1;
  }
  return { tests: results.length, failures, errors, skipped };
}

export const formatJunit: Formatter = (report: AuditReport) => {
  const families = [...new Set(report.results.map((result) => result.family))];
  const seconds = (report.summary.durationMs / 1000).toFixed(3);
  const total = counts(report.results);
  const host = report.target.host ?? report.target.source;
  const suites = families.map((family) => {
    const results = report.results.filter((result) => result.family === family);
    const c = counts(results);
    return [
      `  <testsuite name="${escapeXml(family)}" tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="0" timestamp="${escapeXml(report.generatedAt.replace(/\.\d+Z$/, ''))}" hostname="${escapeXml(host)}">`,
      '    <properties>',
      `      <property name="target" value="${escapeXml(report.target.source)}"/>`,
      `      <property name="score" value="${report.summary.score}"/>`,
      `      <property name="fail-on" value="${report.summary.failOn}"/>`,
      ...(report.waivers.file ? [`      <property name="waivers" value="${escapeXml(report.waivers.file)}"/>`] : []),
      '    </properties>',
      ...results.map(testcase),
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="signer-opsec audit" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}" time="${seconds}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
};
