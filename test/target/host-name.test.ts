import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isValidHostName, targetHostName } from '../../src/facts/host/host-name.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';

describe('the target host name (/etc/hostname)', () => {
  test('a name is RFC 1123: labels of letters, digits and inner hyphens, 63 each, 253 in all', () => {
    for (const name of ['signer-1', 'signer-1.example.org', 'a', '0x1'])
      assert.equal(isValidHostName(name), true, name);
    for (const name of ['', '-x', 'x-', 'a..b', 'PASSWORD=x', 'a_b', 'x'.repeat(64), `${'x.'.repeat(127)}x`])
      assert.equal(isValidHostName(name), false, name);
  });

  test('pasted text in /etc/hostname is no name and never reaches the report (fuzz seed 20261207 case 9150)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'host-name-'));
    try {
      mkdirSync(join(root, 'etc'));
      const target = new DirectoryTarget(root, { live: false });
      const key = `${'c0ffee5eedfacade'.repeat(4)}01`;
      for (const text of [`\nPASSWORD=${key}\n`, `${key}\n`, 'stacks_private_key = "x"\n']) {
        writeFileSync(join(root, 'etc/hostname'), text);
        assert.equal(await targetHostName(target), undefined, JSON.stringify(text.slice(0, 12)));
      }
      writeFileSync(join(root, 'etc/hostname'), 'signer-1\n');
      assert.equal(await targetHostName(target), 'signer-1');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
