import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import { allChecks } from '../../src/checks/index.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { materialiseExample } from '../support/materialise.js';

const PUBLISHED = `${REPO_ROOT}examples/hosts/published-guide.tar`;
const HARDENED = `${REPO_ROOT}examples/hosts/hardened.tar`;
const DOCKER_GUIDE = `${REPO_ROOT}examples/hosts/docker-guide.tar`;
/** Controls with nothing to judge on a host without containers. */
const CONTAINER_CONTROLS = ['topology/container-published-ports', 'binary/image-pinned', 'container/hardening'];

interface Report {
  summary: { exitCode: number; byStatus: Record<string, number> };
  discovered: { signer?: { source: string; configPath?: string; unit?: { name: string } }; notes: string[] };
  results: { id: string; status: string; severity: string; message: string }[];
}

function auditJson(args: string[]): { code: number | null; report: Report; stderr: string } {
  const run = runCli(['audit', '--format', 'json', ...args]);
  return { code: run.code, report: JSON.parse(run.stdout) as Report, stderr: run.stderr };
}

const validate = new Ajv2020.default({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(`${REPO_ROOT}schema/report.schema.json`, 'utf8')),
);

describe('signer-opsec audit', () => {
  test('the published-guide host fails critical controls: exit 1, valid report, every control once', () => {
    const { code, report } = auditJson(['--root', PUBLISHED]);
    assert.equal(code, 1);
    assert.ok(validate(report), JSON.stringify(validate.errors));
    assert.deepEqual(
      report.results.map((result) => result.id),
      allChecks.map((check) => check.id),
    );
    const failed = new Set(report.results.filter((result) => result.status === 'fail').map((result) => result.id));
    for (const id of [
      'topology/signer-endpoint-exposure',
      'topology/metrics-endpoint-local',
      'topology/node-rpc-exposure',
      'topology/inbound-firewall',
      'keys/signer-config-permissions',
      'keys/auth-token-strength',
      'identity/signer-user-unprivileged',
      'service/unit-consistency',
      'service/exposure-score',
      'ssh/password-authentication',
    ]) {
      assert.ok(failed.has(id), `${id} fails on the published-guide host`);
    }
    const exposure = report.results.find((result) => result.id === 'service/exposure-score') as
      | { data?: { score?: number; label?: string } }
      | undefined;
    assert.deepEqual([exposure?.data?.score, exposure?.data?.label], [7.9, 'EXPOSED']);
    const status = (id: string) => report.results.find((result) => result.id === id)?.status;
    assert.equal(status('binary/release-pinned'), 'warn', 'no pin on the published-guide host');
    assert.equal(status('binary/supported-version'), 'not_evaluable', 'offline and no pin: the version is unknown');
    assert.equal(status('binary/running-matches-disk'), 'not_evaluable');
    assert.equal(report.discovered.signer?.unit?.name, 'stacks-signer.service');
    assert.ok(report.discovered.notes.some((note) => note.includes('/home/etc/stacks/signer/signer-config.toml')));
  });

  test('the hardened host passes every automated control: exit 0', () => {
    const { code, report } = auditJson(['--root', HARDENED]);
    const notPassing = report.results.filter(
      (result) =>
        !['pass', 'manual', 'not_evaluable'].includes(result.status) &&
        !result.id.startsWith('practice/') &&
        !(result.status === 'not_applicable' && CONTAINER_CONTROLS.includes(result.id)),
    );
    assert.deepEqual(notPassing, []);
    for (const id of ['binary/not-writable-by-service', 'binary/release-pinned', 'binary/supported-version']) {
      assert.equal(report.results.find((result) => result.id === id)?.status, 'pass', `${id} passes on hardened`);
    }
    assert.equal(code, 0);
    assert.ok(validate(report), JSON.stringify(validate.errors));
  });

  test('the docker-guide host fails the container controls: published ports, tags, root, no confinement', () => {
    const { code, report } = auditJson(['--root', DOCKER_GUIDE]);
    assert.equal(code, 1);
    assert.ok(validate(report), JSON.stringify(validate.errors));
    const status = (id: string) => report.results.find((result) => result.id === id)?.status;
    for (const id of [
      'topology/container-published-ports',
      'binary/image-pinned',
      'container/hardening',
      'identity/signer-not-root',
      'keys/signer-config-permissions',
      'keys/secrets-in-environment',
    ]) {
      assert.equal(status(id), 'fail', `${id} fails on the docker-guide host`);
    }
    assert.equal(status('topology/signer-endpoint-exposure'), 'warn');
    assert.equal(status('topology/listening-sockets'), 'not_evaluable');
    const published = report.results.find((result) => result.id === 'topology/container-published-ports');
    assert.match(published?.message ?? '', /signer endpoint \(container port 30000\) on all interfaces/);
    assert.match(published?.message ?? '', /node RPC \(container port 20443\)/);
    assert.equal(report.discovered.signer?.source, 'compose');
  });

  test('a materialised directory and the tar of the same host give the same results', async () => {
    const root = await materialiseExample('published-guide');
    try {
      const fromDir = auditJson(['--root', root]).report.results.map(({ id, status, message }) => ({
        id,
        status,
        message,
      }));
      const fromTar = auditJson(['--root', PUBLISHED]).report.results.map(({ id, status, message }) => ({
        id,
        status,
        message,
      }));
      assert.deepEqual(fromDir, fromTar);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('--fail-on decides the exit code', () => {
    assert.equal(runCli(['audit', '--root', PUBLISHED, '--fail-on', 'none']).code, 0);
    assert.equal(runCli(['audit', '--root', PUBLISHED, '--fail-on', 'critical']).code, 1);
    assert.equal(
      runCli(['audit', '--root', PUBLISHED, '--only', 'ssh/non-standard-port', '--fail-on', 'medium']).code,
      0,
    );
    assert.equal(runCli(['audit', '--root', PUBLISHED, '--only', 'ssh/non-standard-port', '--fail-on', 'low']).code, 1);
  });

  test('--only and --skip select by id or family', () => {
    const only = auditJson(['--root', PUBLISHED, '--only', 'ssh', '--only', 'keys/key-format']).report;
    assert.deepEqual(
      only.results.map((result) => result.id).sort(),
      ['keys/key-format', ...allChecks.filter((check) => check.family === 'ssh').map((check) => check.id)].sort(),
    );
    const skipped = auditJson(['--root', PUBLISHED, '--skip', 'practice,ssh']).report;
    assert.ok(skipped.results.every((result) => !result.id.startsWith('practice/') && !result.id.startsWith('ssh/')));
  });

  test('usage errors: one clear line on stderr, exit 2', () => {
    for (const args of [
      ['audit', '--only', 'nope/nothing'],
      ['audit', '--format', 'xml'],
      ['audit', '--fail-on', 'severe'],
      ['audit', '--bogus'],
      ['audit', '--root', '/nonexistent/dir'],
      ['frobnicate'],
    ]) {
      const run = runCli(args);
      assert.equal(run.code, 2, `${args.join(' ')} → ${run.stderr}`);
      assert.equal(run.stdout, '');
      assert.match(
        run.stderr,
        /^signer-opsec: .+\n$/,
        `${args.join(' ')}: one line, got ${JSON.stringify(run.stderr)}`,
      );
    }
  });

  test('--output writes the file atomically and prints nothing', () => {
    const output = `/tmp/so-report-${process.pid}.txt`;
    try {
      const run = runCli(['audit', '--root', HARDENED, '--output', output]);
      assert.equal(run.code, 0);
      assert.equal(run.stdout, '');
      assert.match(readFileSync(output, 'utf8'), /signer-opsec/);
    } finally {
      rmSync(output, { force: true });
    }
  });

  test('text output has colour only when asked', () => {
    assert.doesNotMatch(runCli(['audit', '--root', PUBLISHED]).stdout, /\u001b\[/);
    assert.match(runCli(['audit', '--root', PUBLISHED, '--color']).stdout, /\u001b\[/);
    assert.doesNotMatch(runCli(['audit', '--root', PUBLISHED, '--color', '--no-color']).stdout, /\u001b\[/);
  });

  test('checks lists the catalogue', () => {
    const run = runCli(['checks', '--format', 'json']);
    assert.equal(run.code, 0);
    const ids = (JSON.parse(run.stdout) as { id: string }[]).map((entry) => entry.id);
    assert.deepEqual(
      ids,
      allChecks.map((check) => check.id),
    );
  });
});
