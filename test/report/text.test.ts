import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { THREAT_TITLES, type Threat } from '../../src/engine/types.js';
import { stripAnsi } from '../../src/report/ansi.js';
import { formatters } from '../../src/report/index.js';
import { formatText } from '../../src/report/text.js';
import { wrapText } from '../../src/report/wrap.js';
import { sampleReport, sampleResults } from './sample-report.js';

const ESC = '\u001b';

function lineIndex(lines: string[], needle: string): number {
  const index = lines.findIndex((line) => line.includes(needle));
  assert.notEqual(index, -1, `no line contains ${needle}`);
  return index;
}

// The layout tests below use the former fixed width of 110 columns; wrapping to the terminal (80 by default) is tested
// through the CLI in test/cli/.
describe('formatText', () => {
  test('is the text entry of the formatter map', () => {
    assert.equal(formatters.text, formatText);
  });

  test('without colour there is no ANSI escape; with colour there is, and the visible text is the same', () => {
    const plain = formatText(sampleReport(), { color: false, width: 110 });
    const coloured = formatText(sampleReport(), { color: true, width: 110 });
    assert.ok(!plain.includes(ESC));
    assert.ok(coloured.includes(`${ESC}[`));
    assert.equal(stripAnsi(coloured), plain);
  });

  test('ends with one newline and keeps every line within 120 columns', () => {
    const text = formatText(sampleReport(), { color: false, width: 110 });
    assert.ok(text.endsWith('\n') && !text.endsWith('\n\n'));
    for (const line of text.split('\n')) assert.ok(line.length <= 120, `too long: ${line}`);
  });

  test('header names the target and what discovery found, with its notes', () => {
    const text = formatText(sampleReport(), { color: false, width: 110 });
    assert.match(text, /Target +\/mnt\/signer-image \(directory, offline/);
    assert.match(
      text,
      /Signer +systemd unit stacks-signer\.service +\/etc\/systemd\/system\/stacks-signer\.service \(\+1 drop-in\)/,
    );
    assert.match(text, /config +\/etc\/stacks\/signer\/signer-config\.toml\n/);
    assert.match(text, /note +unknown key "foo"/);
    assert.match(text, /Node +compose service "stacks-node" in \/opt\/stacks\/compose\.yml/);
    assert.match(text, /config +\/opt\/stacks\/node-config\.toml +\(missing\)/);
    assert.match(text, /Notes +- two signer units found/);
  });

  test('an absent service is shown as not found', () => {
    const report = sampleReport();
    delete report.discovered.node;
    assert.match(formatText(report, { color: false, width: 110 }), /Node +not found/);
  });

  test('groups results under the title of their first threat, in threat-model order', () => {
    const lines = formatText(sampleReport(), { color: false, width: 110 }).split('\n');
    const hostGroup = lineIndex(lines, THREAT_TITLES['host-compromise']);
    const keyGenGroup = lineIndex(lines, THREAT_TITLES['key-generation']);
    const scmGroup = lineIndex(lines, THREAT_TITLES['key-in-scm']);
    assert.ok(hostGroup < keyGenGroup && keyGenGroup < scmGroup);
    // keys/signer-config-permissions counters host-compromise and key-generation: listed once, under the first.
    // (A result's own line: its docs page and the closing "harden can fix" list name the id too.)
    const permissions = lines.filter((line) => /^ {2}[A-Z]+ .*keys\/signer-config-permissions/.test(line));
    assert.equal(permissions.length, 1);
    const at = lineIndex(lines, 'keys/signer-config-permissions');
    assert.ok(hostGroup < at && at < keyGenGroup);
    assert.ok(lineIndex(lines, 'keys/key-in-git') > scmGroup);
    assert.ok(!lines.some((line) => line.includes(THREAT_TITLES['supply-chain'])), 'empty groups are left out');
  });

  test('never drops a result, even one with a threat this version does not know', () => {
    const [pass] = sampleResults();
    const report = sampleReport([{ ...pass!, id: 'future/thing', threats: ['quantum' as Threat] }]);
    assert.match(
      formatText(report, { color: false, width: 110 }),
      /^quantum {2}\(1 pass\)\n {2}PASS +high +future\/thing/m,
    );
  });

  test('orders a group worst status first, then by severity', () => {
    const lines = formatText(sampleReport(), { color: false, width: 110 }).split('\n');
    const order = [
      'service/exposure-score',
      'keys/signer-config-permissions',
      'topology/signer-endpoint-exposure',
      'ssh/root-login',
      'topology/listening-sockets',
      'ssh/non-standard-port',
    ].map((id) => lineIndex(lines, id));
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
    );
    const results = sampleResults().filter((r) => r.id.startsWith('ssh/'));
    const bySeverity = sampleReport([
      { ...results[0]!, id: 'ssh/a', status: 'fail', severity: 'low' },
      { ...results[0]!, id: 'ssh/b', status: 'fail', severity: 'critical' },
    ]);
    const text = formatText(bySeverity, { color: false, width: 110 });
    assert.ok(text.indexOf('ssh/b') < text.indexOf('ssh/a'));
  });

  test('shows badge, severity, id and message on one line', () => {
    const text = formatText(sampleReport(), { color: false, width: 110 });
    assert.match(text, /^ {2}PASS +high +ssh\/root-login {2}PermitRootLogin is "no"\.$/m);
    assert.match(text, /^ {2}N\/A +low +ssh\/non-standard-port/m);
    assert.match(text, /^ {2}N\/E +medium +topology\/listening-sockets/m);
    assert.match(text, /^ {2}ERROR +medium +service\/exposure-score/m);
    assert.match(text, /^ {2}MANUAL +high +practice\/offline-key-generation/m);
  });

  test('shows evidence as file:line  detail and the fix for failures and warnings', () => {
    const text = formatText(sampleReport(), { color: false, width: 110 });
    assert.match(text, /^ {22}\/etc\/stacks\/signer\/signer-config\.toml:3 {2}mode 0644, owner root:root$/m);
    assert.match(text, /^ {22}\/opt\/signer\/\.git {2}commit 3f2a9c1/m);
    assert.match(text, /^ {22}endpoint = "0\.0\.0\.0:30000"$/m);
    assert.match(text, /Fix: Run `chmod 600/);
    assert.match(text, /Fix: Remediation of topology\/signer-endpoint-exposure\./);
    assert.match(text, /Severity lowered: the firewall admits only the node/);
    assert.ok(!text.includes('Remediation of ssh/root-login'), 'a pass shows no fix');
    assert.ok(!text.includes('Remediation of ssh/non-standard-port'), 'n/a shows no fix');
  });

  test('every result names its docs page, passing ones included; the JSON report too', () => {
    const report = sampleReport();
    const text = stripAnsi(formatText(report, { color: false, width: 110 }));
    const docsLines = text.split('\n').filter((line) => /^\s+Docs: docs\/controls\//.test(line));
    assert.deepEqual(
      docsLines.map((line) => line.trim().slice('Docs: '.length)).sort(),
      report.results.map((result) => `docs/controls/${result.id}.md`).sort(),
    );
    assert.ok(
      report.results.some((result) => result.status === 'pass'),
      'the sample has a passing result',
    );
    const json = JSON.parse(formatters.json(report, { color: false })) as { results: { id: string; docs: string }[] };
    for (const result of json.results) assert.equal(result.docs, `docs/controls/${result.id}.md`);
  });

  test('a manual control shows its guidance', () => {
    const text = formatText(sampleReport(), { color: false, width: 110 });
    assert.match(text, /Guidance: Generate the key on an air-gapped machine/);
  });

  test('cuts long evidence lists and says how many were left out', () => {
    const [pass] = sampleResults();
    const evidence = Array.from({ length: 12 }, (_, i) => ({ file: `/home/u/file${i}`, detail: 'key copy' }));
    const text = formatText(sampleReport([{ ...pass!, status: 'fail', evidence }]), { color: false, width: 110 });
    assert.ok(text.includes('/home/u/file7'));
    assert.ok(!text.includes('/home/u/file8'));
    assert.match(text, /and 4 more \(the JSON report lists all\)/);
  });

  test('summary counts statuses and gives score and verdict', () => {
    const text = formatText(sampleReport(), { color: false, width: 110 });
    assert.match(text, /Summary +8 controls: 1 error, 2 fail, 1 warn, 1 manual, 1 pass, 1 not evaluable, 1 n\/a/);
    assert.match(text, /Score +48\/100/);
    assert.match(text, /Verdict +FAIL {2}2 controls failed at or above high \(--fail-on high\); exit code 1/);
  });

  test('verdict when nothing at or above the threshold failed', () => {
    const report = sampleReport();
    report.summary = {
      ...report.summary,
      failOn: 'critical',
      exitCode: 0,
      failedBySeverity: { critical: 0, high: 1, medium: 1, low: 1, info: 1 },
    };
    report.summary.byStatus.fail = 1;
    assert.match(
      formatText(report, { color: false, width: 110 }),
      /Verdict +PASS {2}nothing at or above critical failed \(1 lower-severity failure to review\); exit code 0/,
    );
  });
});

describe('wrapText', () => {
  test('wraps at word boundaries, keeps inner spacing and never cuts a long word', () => {
    assert.deepEqual(wrapText('aa  bb cc dd', 6), ['aa  bb', 'cc dd']);
    assert.deepEqual(wrapText('x /a/very/long/path/name y', 6), ['x', '/a/very/long/path/name', 'y']);
    assert.deepEqual(wrapText('one two three', 3, 20), ['one', 'two three']);
    assert.deepEqual(wrapText('a\nb', 10), ['a', 'b']);
  });

  test('ANSI codes take no width', () => {
    assert.deepEqual(wrapText('\u001b[31mred\u001b[39m word', 8), ['\u001b[31mred\u001b[39m word']);
  });
});
