import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatPrometheus } from '../../src/report/prometheus.js';
import { BIN, type CliRun, REPO_ROOT, runCli } from '../support/cli.js';
import { startFakeNode } from '../support/fake-node.js';
import { waivedSampleReport } from './waived-sample.js';

/** promtool, Prometheus' own linter of the exposition format: exit 0 and nothing said. */
function promtoolCheck(text: string): void {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, `promtool check metrics: ${run.stdout}${run.stderr}`);
  assert.equal(`${run.stdout}${run.stderr}`.trim(), '', 'no lint warnings');
}

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return undefined;
}

const HOST = join(REPO_ROOT, 'examples/hosts/published-guide.tar');

describe('audit --format prometheus', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), `so-prom-${process.pid}-`));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the promtool linter passes it; controls, waivers, score, timestamps', () => {
    const text = formatPrometheus(waivedSampleReport(), { color: false });
    promtoolCheck(text);
    const control = { control: 'keys/signer-config-permissions', severity: 'critical' };
    assert.equal(sample(text, 'signer_opsec_control_status', { ...control, status: 'fail', waived: 'false' }), 1);
    assert.equal(sample(text, 'signer_opsec_control_status', { ...control, status: 'pass' }), 0);
    assert.match(
      text,
      /control="keys\/signer-config-permissions",family="keys",severity="critical",threat="host-compromise,key-generation"/,
    );
    assert.equal(
      sample(text, 'signer_opsec_control_status', { control: 'keys/key-in-git', status: 'fail', waived: 'true' }),
      1,
    );
    assert.equal(sample(text, 'signer_opsec_results', { status: 'fail', waived: 'false' }), 1);
    assert.equal(sample(text, 'signer_opsec_results', { status: 'fail', waived: 'true' }), 1);
    assert.equal(sample(text, 'signer_opsec_waivers', { state: 'expired' }), 1);
    assert.equal(
      sample(text, 'signer_opsec_waiver_expiry_timestamp_seconds', { control: 'keys/key-in-git', state: 'applied' }),
      Date.parse('2100-01-01T00:00:00Z') / 1000,
    );
    assert.equal(sample(text, 'signer_opsec_last_run_timestamp_seconds'), Date.parse('2026-12-07T10:00:00Z') / 1000);
    assert.equal(sample(text, 'signer_opsec_last_run_duration_seconds'), 1.234);
    assert.equal(sample(text, 'signer_opsec_exit_code'), 2);
  });

  test('a real audit: promtool passes; the signer unit exposure score; written atomically with --output', () => {
    const output = join(dir, 'signer_opsec.prom');
    writeFileSync(output, 'signer_opsec_stale 1\n');
    const before = statSync(output).ino;
    const run = runCli(['audit', '--root', HOST, '--format', 'prometheus', '--fail-on', 'none', '--output', output]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    const text = readFileSync(output, 'utf8');
    promtoolCheck(text);
    assert.notEqual(statSync(output).ino, before, 'replaced by a rename, never rewritten in place');
    assert.equal(statSync(output).mode & 0o777, 0o644, 'readable by node_exporter');
    assert.deepEqual(readdirSync(dir), ['signer_opsec.prom'], 'no temporary file left beside it');
    assert.equal(
      sample(text, 'signer_opsec_unit_exposure_score', { unit: 'stacks-signer.service', role: 'signer' }),
      7.9,
    );
    assert.equal(sample(text, 'signer_opsec_info', { host: 'signer-1', kind: 'tar' }), 1);
  });
});

function runCliAsync(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: unknown }).code as number | null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

describe('threat --format prometheus', () => {
  const EXAMPLES = join(REPO_ROOT, 'examples/stacker-sets');
  const LARGE = join(EXAMPLES, 'mainnet-like.json');

  test('fewest to approve and to halt, largest share, HHI and my share, by signer and by operator', () => {
    const json = JSON.parse(runCli(['threat', '--stacker-set', LARGE, '--format', 'json']).stdout);
    const me = json.signers.rows[0].signingKey as string;
    const run = runCli([
      'threat',
      '--stacker-set',
      LARGE,
      '--operators',
      join(EXAMPLES, 'mainnet-like.operators.json'),
      '--me',
      me,
      '--format',
      'prometheus',
    ]);
    assert.equal(run.code, 0, run.stderr);
    promtoolCheck(run.stdout);
    const figures = json.signers.figures;
    assert.equal(sample(run.stdout, 'signer_opsec_threat_fewest_to_approve', { by: 'signer' }), 7);
    assert.equal(sample(run.stdout, 'signer_opsec_threat_fewest_to_halt', { by: 'signer' }), 3);
    assert.equal(sample(run.stdout, 'signer_opsec_threat_fewest_to_halt', { by: 'operator' }), 2);
    assert.equal(sample(run.stdout, 'signer_opsec_threat_largest_share_ratio', { by: 'signer' }), figures.largestShare);
    assert.equal(sample(run.stdout, 'signer_opsec_threat_hhi', { by: 'signer' }), figures.hhi);
    assert.equal(
      sample(run.stdout, 'signer_opsec_threat_my_share_ratio', { by: 'signer' }),
      json.signers.rows[0].share,
    );
    assert.ok(
      Math.abs(sample(run.stdout, 'signer_opsec_threat_my_share_ratio', { by: 'operator' })! - 0.2393) < 0.0001,
    );
    assert.equal(sample(run.stdout, 'signer_opsec_threat_reward_cycle'), undefined, 'a file names no cycle');
  });

  test('read from a node: the reward cycle', async () => {
    const node = await startFakeNode({
      '/v3/stacker_set/100': { status: 200, body: readFileSync(join(EXAMPLES, 'docs-pox5.json'), 'utf8') },
    });
    try {
      const run = await runCliAsync(['threat', '--node', node.url, '--cycle', '100', '--format', 'prometheus']);
      assert.equal(run.code, 0, run.stderr);
      promtoolCheck(run.stdout);
      assert.equal(sample(run.stdout, 'signer_opsec_threat_reward_cycle'), 100);
    } finally {
      await node.close();
    }
  });
});
