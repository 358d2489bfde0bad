import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateNftablesConf } from '../../src/harden/firewall/validate.js';
import { runTool } from '../../src/harden/tool-run.js';

test('a missing tool is a failure with a reason, never a silent pass', async () => {
  const result = await runTool('signer-opsec-no-such-tool', ['-t']);
  assert.equal(result.ok, false);
  assert.equal(result.firstLine, 'signer-opsec-no-such-tool is not installed on this machine');
});

test('nft -c rejects a broken file with its first error line, naming the target path not the temp copy', async () => {
  const verdict = await validateNftablesConf(
    '/etc/nftables.conf',
    new Map([['/etc/nftables.conf', 'table inet t {\n\tchain input {\n\t\tacept\n\t}\n}\n']]),
  );
  assert.equal(verdict.ok, false);
  assert.match(verdict.detail, /^\/etc\/nftables\.conf:3:\d+-\d+: Error:/);
});
