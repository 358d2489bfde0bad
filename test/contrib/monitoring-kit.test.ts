import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mergeUnit } from '../../src/parsers/systemd-unit.js';
import type { AuditReport } from '../../src/report/types.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { analyzeSecurity } from '../support/systemd-analyze.js';

const CONTRIB = join(REPO_ROOT, 'contrib');
const SERVICE = 'signer-opsec-audit.service';
const TIMER = 'signer-opsec-audit.timer';
const TEXTFILE_DIR = '/var/lib/prometheus/node-exporter';

function tool(command: string, args: readonly string[], cwd?: string) {
  const run = spawnSync(command, args, { encoding: 'utf8', timeout: 120_000, ...(cwd ? { cwd } : {}) });
  if (run.error) throw run.error;
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('contrib/prometheus: alert rules', () => {
  test('promtool check rules', () => {
    const run = tool('promtool', ['check', 'rules', join(CONTRIB, 'prometheus/signer-opsec.rules.yml')]);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /SUCCESS: 7 rules found/);
  });

  test('promtool test rules: input series and the alerts they must (and must not) raise', () => {
    const run = tool('promtool', ['test', 'rules', 'signer-opsec.rules.test.yml'], join(CONTRIB, 'prometheus'));
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /SUCCESS/);
  });

  test('every alert is unit-tested', () => {
    const rules = readFileSync(join(CONTRIB, 'prometheus/signer-opsec.rules.yml'), 'utf8');
    const tests = readFileSync(join(CONTRIB, 'prometheus/signer-opsec.rules.test.yml'), 'utf8');
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((match) => match[1]!);
    assert.equal(alerts.length, 7);
    for (const alert of alerts)
      assert.match(tests, new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), alert);
  });
});

describe('contrib/systemd: the audit service and timer', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), `so-contrib-${process.pid}-`));
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    mkdirSync(join(root, 'usr/lib/systemd/system'), { recursive: true });
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    for (const unit of [SERVICE, TIMER])
      copyFileSync(join(CONTRIB, 'systemd', unit), join(root, 'etc/systemd/system', unit));
    // verify wants the program and the units every service and timer depends on by default.
    writeFileSync(join(root, 'usr/bin/signer-opsec'), '#!/bin/sh\n');
    chmodSync(join(root, 'usr/bin/signer-opsec'), 0o755);
    for (const target of [
      'sysinit.target',
      'basic.target',
      'shutdown.target',
      'timers.target',
      'time-set.target',
      'time-sync.target',
    ])
      writeFileSync(join(root, 'usr/lib/systemd/system', target), '[Unit]\nDescription=stub\n');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const verify = (...units: string[]) =>
    tool('systemd-analyze', ['verify', `--root=${root}`, '--man=no', '--generators=no', ...units]);

  test('systemd-analyze verify accepts both units without a word', () => {
    const run = verify(SERVICE, TIMER);
    assert.equal(run.code, 0, run.output);
    assert.equal(run.output.trim(), '');
  });

  test('verify bites: a misspelt directive is reported', () => {
    const path = join(root, 'etc/systemd/system/broken.service');
    writeFileSync(
      path,
      readFileSync(join(CONTRIB, 'systemd', SERVICE), 'utf8').replace('ProtectSystem=', 'ProtectSystm='),
    );
    try {
      assert.match(
        verify('broken.service').output,
        /Unknown key '?ProtectSystm'? in section \[Service\]|Unknown key name 'ProtectSystm'/,
      );
    } finally {
      rmSync(path);
    }
  });

  test('scores below 2.0 in systemd-analyze security, and our own exposure-score control agrees and passes', () => {
    const oracle = analyzeSecurity(root, [SERVICE]).get(SERVICE);
    assert.ok(oracle, 'systemd-analyze rated the unit');
    assert.ok(oracle.score < 2.0, `systemd-analyze security: ${oracle.score} ${oracle.label}`);
    const run = runCli([
      'audit',
      '--root',
      root,
      '--signer-unit',
      SERVICE,
      '--only',
      'service/exposure-score',
      '--format',
      'json',
      '--no-waivers',
    ]);
    const result = (JSON.parse(run.stdout) as AuditReport).results[0]!;
    assert.equal(result.status, 'pass', result.message);
    assert.equal((result.data as { score: number }).score, oracle.score);
  });

  test('root with CAP_DAC_READ_SEARCH only, no network, and nothing writable but the textfile directory', () => {
    const unit = mergeUnit(SERVICE, [{ path: SERVICE, text: readFileSync(join(CONTRIB, 'systemd', SERVICE), 'utf8') }]);
    const value = (key: string) => unit.list('Service', key).map((assignment) => assignment.value);
    assert.deepEqual(value('User'), ['root']);
    assert.deepEqual(value('CapabilityBoundingSet'), ['CAP_DAC_READ_SEARCH']);
    assert.deepEqual(value('AmbientCapabilities'), []);
    assert.deepEqual(value('ProtectSystem'), ['strict']);
    assert.deepEqual(value('ProtectHome'), ['read-only']);
    assert.deepEqual(value('ReadWritePaths'), [TEXTFILE_DIR]);
    assert.deepEqual(value('PrivateNetwork'), ['yes']);
    const exec = value('ExecStart')[0]!;
    assert.match(exec, new RegExp(` --format prometheus .*--output ${TEXTFILE_DIR}/signer_opsec\\.prom$`));
    const timer = readFileSync(join(CONTRIB, 'systemd', TIMER), 'utf8');
    assert.match(timer, /^OnCalendar=daily$/m);
    assert.match(timer, /^Persistent=true$/m);
  });
});

/** A loopback port free at the time of asking (bound to port 0, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function scrape(url: string, deadline: number): Promise<string> {
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (response.ok) return await response.text();
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`node_exporter did not answer ${url}: ${last}`);
}

describe('end to end: the audit written into prometheus-node-exporter textfile directory, scraped over HTTP', () => {
  let dir: string;
  let exporter: ChildProcess | undefined;
  let exporterLog = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), `so-textfile-${process.pid}-`));
    chmodSync(dir, 0o755);
  });
  after(async () => {
    if (exporter && exporter.exitCode === null) {
      const exited = new Promise((resolve) => exporter!.once('exit', resolve));
      exporter.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('node_exporter serves the audit metrics and reads the file without error', { timeout: 180_000 }, async () => {
    const run = runCli([
      'audit',
      '--root',
      join(REPO_ROOT, 'examples/hosts/published-guide.tar'),
      '--format',
      'prometheus',
      '--fail-on',
      'none',
      '--output',
      join(dir, 'signer_opsec.prom'),
    ]);
    assert.equal(run.code, 0, run.stderr);
    const port = await freePort();
    exporter = spawn(
      'prometheus-node-exporter',
      [
        `--web.listen-address=127.0.0.1:${port}`,
        '--collector.disable-defaults',
        '--collector.textfile',
        `--collector.textfile.directory=${dir}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    exporter.stdout!.on('data', (chunk) => (exporterLog += chunk));
    exporter.stderr!.on('data', (chunk) => (exporterLog += chunk));
    const metrics = await scrape(`http://127.0.0.1:${port}/metrics`, Date.now() + 60_000).catch((error) => {
      throw new Error(`${error.message}\n${exporterLog}`);
    });
    assert.match(metrics, /^node_textfile_scrape_error 0$/m);
    assert.match(metrics, /^signer_opsec_unit_exposure_score\{role="signer",unit="stacks-signer\.service"\} 7\.9$/m);
    assert.match(
      metrics,
      /^signer_opsec_control_status\{control="ssh\/password-authentication",family="ssh",severity="high",status="fail",threat="host-compromise",waived="false"\} 1$/m,
    );
    assert.match(metrics, /^signer_opsec_last_run_timestamp_seconds \d\.\d+e\+09$/m);
    assert.match(metrics, /^# TYPE signer_opsec_score_ratio gauge$/m);
    assert.match(metrics, /^node_textfile_mtime_seconds\{file="[^"]*signer_opsec\.prom"\} /m);
  });
});
