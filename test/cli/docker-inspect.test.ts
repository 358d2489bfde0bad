import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { inspectRecord } from '../support/docker-hosts.js';
import { BASE_USERS, TEST_AUTH_TOKEN, TEST_SIGNER_KEY } from '../support/hosts.js';
import { materialiseFiles } from '../support/materialise.js';

const dir = mkdtempSync(join(tmpdir(), 'so-inspect-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

describe('audit --docker-inspect FILE', () => {
  test('containers in the file are audited; their secret environment never reaches the report', async () => {
    const record = inspectRecord({
      env: [`SIGNER_PRIVATE_KEY=${TEST_SIGNER_KEY}`, `SIGNER_AUTH=${TEST_AUTH_TOKEN}`],
      portBindings: { '30000/tcp': [{ HostIp: '0.0.0.0', HostPort: '30000' }] },
    });
    const file = write('inspect.json', JSON.stringify([record], null, 2));
    const tree = await materialiseFiles(BASE_USERS);
    try {
      const run = runCli(['audit', '--root', tree.root, '--docker-inspect', file, '--format', 'json']);
      const report = JSON.parse(run.stdout) as { results: { id: string; status: string; message: string }[] };
      const status = (id: string) => report.results.find((result) => result.id === id)?.status;
      assert.equal(status('topology/container-published-ports'), 'fail');
      assert.equal(status('binary/image-pinned'), 'fail');
      assert.equal(status('container/hardening'), 'fail');
      assert.equal(status('identity/signer-not-root'), 'fail');
      for (const output of [run.stdout, run.stderr]) {
        assert.ok(!output.includes(TEST_SIGNER_KEY) && !output.includes(TEST_AUTH_TOKEN));
      }
    } finally {
      tree.cleanup();
    }
  });

  test('a missing file, bad JSON or a non-array: one line, exit 2, no file content quoted', () => {
    const secretish = write('broken.json', `[{"Config": {"Env": ["SIGNER_PRIVATE_KEY=${TEST_SIGNER_KEY}"]}}, oops]`);
    const cases: [string, RegExp][] = [
      [join(dir, 'absent.json'), /--docker-inspect .*absent\.json: does not exist/],
      [secretish, /--docker-inspect .*broken\.json: not valid JSON/],
      [write('scalar.json', '42'), /expected the JSON array docker inspect prints/],
      [write('object.json', '{"a":1}'), /object\.json: entry 0 is not a container record \(no "Config" object\)/],
      [write('empty-record.json', '[{}]'), /empty-record\.json: entry 0 is not a container record/],
      [write('null.json', '[null]'), /null\.json: entry 0 is not a container record/],
      [
        write('second.json', `[${JSON.stringify(inspectRecord())}, {"Config": "${TEST_SIGNER_KEY}"}]`),
        /second\.json: entry 1 is not a container record/,
      ],
    ];
    for (const [file, expected] of cases) {
      const run = runCli(['audit', '--root', dir, '--docker-inspect', file]);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /^signer-opsec: .+\n$/);
      assert.match(run.stderr, expected);
      assert.ok(!run.stderr.includes(TEST_SIGNER_KEY));
    }
  });
});
