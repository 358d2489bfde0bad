import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { BASE_USERS, signerToml } from '../support/hosts.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

// Bad input gets a clear error and loses nothing: the checks that need the broken file report `error` with
// where and why, every other control still runs, the exit code says so, and nothing is read outside the root.

const CONFIG = 'etc/stacks/signer/signer-config.toml';

interface Result {
  id: string;
  status: string;
  message: string;
}

async function audit(files: FileSpec, options: { uid?: number } = {}) {
  const fixture = await materialiseFiles(files);
  try {
    const run = runCli(['audit', '--root', fixture.root, '--format', 'json'], options);
    assert.equal(run.stderr, '', 'no crash, no stack trace');
    const report = JSON.parse(run.stdout) as {
      results: Result[];
      discovered: { signer?: { configStatus: string; notes: string[] } };
    };
    return { code: run.code, report, byId: new Map(report.results.map((result) => [result.id, result])) };
  } finally {
    fixture.cleanup();
  }
}

function assertErrorMentions(byId: Map<string, Result>, id: string, pattern: RegExp): void {
  const result = byId.get(id);
  assert.equal(result?.status, 'error', `${id}: ${result?.message}`);
  assert.match(result!.message, pattern);
}

describe('bad input', () => {
  test('malformed TOML: error with file, line and column; the run goes on; exit 2', async () => {
    const { code, byId } = await audit({ ...BASE_USERS, [CONFIG]: 'node_host = "127.0.0.1:20443"\nendpoint = [\n' });
    assert.equal(code, 2);
    assertErrorMentions(byId, 'topology/signer-endpoint-exposure', /signer-config\.toml:3(:\d+)?: invalid TOML/);
    assert.equal(byId.get('ssh/non-standard-port')?.status !== 'error', true, 'unrelated controls still run');
    assert.ok(
      ['pass', 'fail', 'warn'].includes(byId.get('keys/signer-config-permissions')!.status),
      'permissions are judged on a config that does not parse',
    );
  });

  test('binary garbage instead of a config', async () => {
    const garbage = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0xff, 0xfe, 0x00, 0x00, 0x3d, 0x22]);
    const { code, byId } = await audit({ ...BASE_USERS, [CONFIG]: garbage });
    assert.equal(code, 2);
    assertErrorMentions(byId, 'keys/key-format', /binary data|invalid TOML/);
  });

  test('a symlink loop: error naming the loop', async () => {
    const { code, byId } = await audit({
      ...BASE_USERS,
      [CONFIG]: { symlink: '/etc/stacks/signer/b.toml' },
      'etc/stacks/signer/b.toml': { symlink: '/etc/stacks/signer/signer-config.toml' },
    });
    assert.equal(code, 2);
    assertErrorMentions(byId, 'keys/key-format', /symbolic links|loop/);
  });

  test('an absolute symlink out of the root resolves inside it, never on the auditing host', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'so-outside-'));
    const marker = '198.51.100.77:30000';
    writeFileSync(join(outside, 'signer-config.toml'), signerToml({ endpoint: marker }));
    try {
      const { report, byId } = await audit({
        ...BASE_USERS,
        [CONFIG]: { symlink: join(outside, 'signer-config.toml') },
      });
      assert.ok(!JSON.stringify(report).includes(marker), 'the host file was not read');
      assert.equal(report.discovered.signer?.configStatus, 'missing');
      assert.notEqual(byId.get('topology/signer-endpoint-exposure')?.status, 'pass');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('relative ../ escapes are clamped at the root', async () => {
    const { report } = await audit({
      ...BASE_USERS,
      [CONFIG]: { symlink: '../../../../../../../../etc/stacks/real.toml' },
      'etc/stacks/real.toml': { content: signerToml({ endpoint: '10.1.2.3:30000' }), mode: 0o600, uid: 990, gid: 990 },
    });
    const exposure = report.results.find((result) => result.id === 'topology/signer-endpoint-exposure');
    assert.equal(exposure?.status, 'pass', exposure?.message);
  });

  test('an unreadable config (audit run as an unprivileged user): error with "permission denied"', async () => {
    const { code, byId } = await audit(
      {
        ...BASE_USERS,
        [CONFIG]: { content: signerToml(), mode: 0o600, uid: 0, gid: 0 },
      },
      { uid: 65534 },
    );
    assert.equal(code, 2);
    assertErrorMentions(byId, 'keys/key-format', /permission denied/);
    assert.notEqual(byId.get('keys/signer-config-permissions')?.status, 'error', 'stat still works');
  });
});
