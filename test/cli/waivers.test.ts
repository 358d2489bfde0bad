import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AuditReport } from '../../src/report/types.js';
import { BIN, REPO_ROOT, runCli } from '../support/cli.js';

// The published guide's host (hostname signer-1), ssh family only: password authentication fails (high), root login
// warns, the port is 22 (fails, low).
const HOST = join(REPO_ROOT, 'examples/hosts/published-guide.tar');

function audit(...args: string[]) {
  const run = runCli(['audit', '--root', HOST, '--only', 'ssh', '--format', 'json', ...args]);
  return { ...run, report: run.stdout ? (JSON.parse(run.stdout) as AuditReport) : undefined };
}

describe('audit --waivers', () => {
  let dir: string;
  const write = (name: string, text: string, mode = 0o644) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    chmodSync(path, mode);
    return path;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), `so-waivers-${process.pid}-`));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a waived failing control is counted apart and no longer trips --fail-on', () => {
    const plain = audit();
    assert.equal(plain.code, 1);
    const file = write(
      'w.yml',
      'ssh/password-authentication:\n  justification: bastion-only access, reviewed 2026-11\n  expires: 2099-12-31\n',
    );
    const waived = audit('--waivers', file);
    assert.equal(waived.code, 0, waived.stderr);
    const report = waived.report!;
    assert.equal(report.schemaVersion, 2);
    assert.equal(report.target.host, 'signer-1');
    const result = report.results.find((r) => r.id === 'ssh/password-authentication')!;
    // It still ran: its status is the real one, with the waiver beside it.
    assert.equal(result.status, 'fail');
    assert.deepEqual(result.waiver, {
      state: 'applied',
      justification: 'bastion-only access, reviewed 2026-11',
      expires: '2099-12-31',
      file,
      line: 1,
    });
    assert.equal(report.summary.waived.total, 1);
    assert.equal(report.summary.waived.byStatus.fail, 1);
    assert.equal(report.summary.byStatus.fail, 1, 'only ssh/non-standard-port is counted as failing');
    assert.equal(report.summary.failedBySeverity.high, 0);
    assert.deepEqual(report.waivers, {
      file,
      entries: [
        {
          id: 'ssh/password-authentication',
          justification: 'bastion-only access, reviewed 2026-11',
          expires: '2099-12-31',
          run: true,
          line: 1,
          state: 'applied',
        },
      ],
    });
  });

  test('an expired waiver no longer applies and the report says it expired', () => {
    const file = write('expired.yml', 'ssh/password-authentication:\n  justification: old\n  expires: 2001-01-01\n');
    const run = audit('--waivers', file);
    assert.equal(run.code, 1);
    const result = run.report!.results.find((r) => r.id === 'ssh/password-authentication')!;
    assert.equal(result.waiver?.state, 'expired');
    assert.equal(run.report!.summary.waived.total, 0);
    assert.equal(run.report!.waivers.entries[0]!.state, 'expired');
    const text = runCli(['audit', '--root', HOST, '--only', 'ssh', '--no-color', '--waivers', file]);
    assert.match(text.stdout, /waiver expired on 2001-01-01/i);
  });

  test('a hosts glob that does not match this host leaves the finding as it is', () => {
    const file = write('hosts.yml', 'ssh/password-authentication:\n  justification: lab only\n  hosts: lab-*\n');
    const run = audit('--waivers', file);
    assert.equal(run.code, 1);
    assert.equal(run.report!.waivers.entries[0]!.state, 'other-host');
    const matching = write('hosts2.yml', 'ssh/password-authentication:\n  justification: j\n  hosts: signer-?\n');
    assert.equal(audit('--waivers', matching).code, 0);
  });

  test('run: false keeps the control from running', () => {
    const file = write('norun.yml', 'ssh/password-authentication:\n  justification: j\n  run: false\n');
    const run = audit('--waivers', file);
    assert.equal(run.code, 0);
    const result = run.report!.results.find((r) => r.id === 'ssh/password-authentication')!;
    assert.equal(result.status, 'not_evaluable');
    assert.equal(result.waiver?.state, 'applied');
  });

  const refused: [string, string, RegExp][] = [
    [
      'unknown.yml',
      'ssh/password-authentication:\n  justification: j\nssh/no-such-control:\n  justification: j\n',
      /unknown\.yml:3: "ssh\/no-such-control" is not a control id/,
    ],
    [
      'nojust.yml',
      'ssh/root-login:\n  expires: 2099-01-01\n',
      /nojust\.yml:1: ssh\/root-login: a waiver needs a justification/,
    ],
    [
      'baddate.yml',
      'ssh/root-login:\n  justification: j\n  expires: 2099-13-01\n',
      /baddate\.yml:3: ssh\/root-login: expires must be a date written YYYY-MM-DD/,
    ],
  ];
  for (const [name, text, message] of refused) {
    test(`exit 2 with file:line for ${name}`, () => {
      const run = audit('--waivers', write(name, text));
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '', 'no report is written');
      assert.match(run.stderr, message);
    });
  }

  test('a waivers file others may write is refused; a missing --waivers file is an error', () => {
    const file = write('open.yml', 'ssh/root-login:\n  justification: j\n', 0o666);
    const run = audit('--waivers', file);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /writable by group or others/);
    const missing = audit('--waivers', join(dir, 'absent.yml'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does not exist/);
    assert.match(audit('--waivers', file, '--no-waivers').stderr, /contradict/);
  });

  // The default file is read on the auditing machine. A private mount namespace puts a test directory over
  // /etc/signer-opsec so this machine's own file (if any) is neither read nor touched.
  test('/etc/signer-opsec/waivers.yml is read by default; --no-waivers ignores it', () => {
    const etc = mkdtempSync(join(dir, 'etc-'));
    chmodSync(etc, 0o755);
    writeFileSync(join(etc, 'waivers.yml'), 'ssh/password-authentication:\n  justification: default file\n');
    const script = [
      'set -e',
      'mkdir -p /etc/signer-opsec 2>/dev/null || true',
      `mount --bind "${etc}" /etc/signer-opsec`,
      `"${process.execPath}" "${BIN}" audit --root "${HOST}" --only ssh --format json "$@"`,
    ].join('\n');
    const inNamespace = (...args: string[]) => {
      const run = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', ...args], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.ok(run.stdout, `no report: ${run.stderr}`);
      return { code: run.status, report: JSON.parse(run.stdout) as AuditReport };
    };
    const withDefault = inNamespace();
    assert.equal(withDefault.code, 0);
    assert.equal(withDefault.report.waivers.file, '/etc/signer-opsec/waivers.yml');
    assert.equal(withDefault.report.summary.waived.total, 1);
    const ignored = inNamespace('--no-waivers');
    assert.equal(ignored.code, 1);
    assert.equal(ignored.report.waivers.file, null);
  });
});
