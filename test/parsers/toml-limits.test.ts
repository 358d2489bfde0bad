// Issue 18 item 6: TOML (signer and node configs) is parsed within limits. Before, a 4.9 MB config of 300k keys
// took 4 s, 200k tables 6.8 s, and a dotted key 200k deep parsed into an object every recursive reader overflows on.
// Each is now an error naming why; the audit names the file (see the audit test below).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseSignerConfig } from '../../src/parsers/signer-config.js';
import { parseTomlDocument, TOML_LIMITS } from '../../src/parsers/toml-document.js';
import { BIN } from '../support/cli.js';
import { materialiseExample } from '../support/materialise.js';

function reason(text: string): string | undefined {
  const document = parseTomlDocument(text);
  return document.ok ? undefined : document.error.message;
}

describe('TOML limits', { timeout: 120_000 }, () => {
  test('size, nesting (arrays, inline tables, dotted keys and table headers) and key count', () => {
    assert.match(reason(`a = "${'x'.repeat(TOML_LIMITS.maxBytes)}"\n`) ?? '', /larger than 1048576 bytes; not read/);
    assert.match(reason(`a = ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`) ?? '', /excessively nested/);
    assert.match(reason(`a = ${'{b='.repeat(20_000)}1${'}'.repeat(20_000)}\n`) ?? '', /excessively nested/);
    assert.match(reason(`a${'.a'.repeat(20_000)} = 1\n`) ?? '', /nested deeper than 64 levels/);
    assert.match(reason(`[a${'.a'.repeat(100)}]\nx = 1\n`) ?? '', /nested deeper than 64 levels/);
    const keys = Array.from({ length: 60_000 }, (_, i) => `k${i}=1`).join('\n');
    assert.ok(keys.length < TOML_LIMITS.maxBytes);
    assert.match(reason(keys) ?? '', /more than 50000 keys and items/);
    // At the limits, a config still parses.
    assert.equal(reason(`a${'.a'.repeat(63)} = 1\n`), undefined);
    assert.equal(parseSignerConfig('stacks_private_key = "x"\n').ok, true);
  });

  test('a signer config over a limit: controls that need it are errors naming the file, exit 2', async () => {
    const root = await materialiseExample('hardened');
    try {
      appendFileSync(join(root, 'etc/stacks/signer/signer-config.toml'), `\nzz${'.a'.repeat(100)} = 1\n`);
      const run = spawnSync(process.execPath, [BIN, 'audit', '--root', root, '--format', 'json'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
        timeout: 100_000,
      });
      assert.equal(run.status, 2, run.stderr);
      const report = JSON.parse(run.stdout) as { results: { status: string; message: string }[] };
      const errors = report.results.filter((result) => result.status === 'error');
      assert.ok(errors.length > 0);
      assert.ok(
        errors.some((result) =>
          result.message.includes('/etc/stacks/signer/signer-config.toml: invalid TOML: nested deeper than 64 levels'),
        ),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
