import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, test } from 'node:test';
import { readNftablesTree } from '../../src/harden/firewall/facts.js';
import { validateNftablesConf } from '../../src/harden/firewall/validate.js';
import { runTool, writeTree } from '../../src/harden/tool-run.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { materialiseFiles } from '../support/materialise.js';

const SHADOW_LINE = 'stacks:$6$Zq8Xv2Lk$planted.hash.Hh5Jj6Kk7Ll8Mm9Nn:19700:0:99999:7:::';
const trees: { cleanup(): void }[] = [];
/** Unique per process: other suites run at the same time, and this machine must never have it. */
const ONLY_IN_TARGET = `signer-opsec-only-in-target-${process.pid}.nft`;
after(() => {
  for (const tree of trees) tree.cleanup();
});

/** The nft tree of a directory target built from `files`, as harden reads it. */
async function nftTree(files: Record<string, string>) {
  const tree = await materialiseFiles(files);
  trees.push(tree);
  return readNftablesTree(new DirectoryTarget(tree.root, { live: false }), '/etc/nftables.conf');
}

test('a missing tool is a failure with a reason, never a silent pass', async () => {
  const result = await runTool('signer-opsec-no-such-tool', ['-t']);
  assert.equal(result.ok, false);
  assert.equal(result.firstLine, 'signer-opsec-no-such-tool is not installed on this machine');
});

test('a tool writing more than the output bound is stopped and fails, its output not kept past the bound', async () => {
  // `yes` never stops on its own: only the bound ends it (the timeout is far away).
  const result = await runTool('yes', [], { maxOutputBytes: 64 * 1024, timeoutMs: 120_000 });
  assert.equal(result.ok, false);
  assert.equal(result.firstLine, 'yes wrote more than 65536 bytes of output and was stopped');
  assert.ok(result.stdout.length <= 64 * 1024 + 65536);
});

test('a shadow line in a chain: refused with its place and a category before nft runs, never quoted', async () => {
  // nft itself relays such a line as "syntax error" (test/cli/no-quoted-lines.test.ts covers its relay); the file is
  // not even copied for it now: a statement that starts with no nft word is no nftables configuration.
  const verdict = await validateNftablesConf('/etc/nftables.conf', {
    files: new Map([['/etc/nftables.conf', `table inet t {\n\tchain input {\n\t\t${SHADOW_LINE}\n\t}\n}\n`]]),
    includes: new Map(),
    canonical: new Map(),
  });
  assert.equal(verdict.ok, false);
  assert.equal(
    verdict.detail,
    '/etc/nftables.conf:3: is not nftables configuration (a statement starts with no nft word); not copied for nft -c',
  );
  assert.ok(!verdict.detail.includes('stacks'));
});

test('an include with ../ is resolved inside the target, never on this machine', async () => {
  // The host has no /etc/signer-opsec-only-in-target.nft: the old rewrite (a path join) left ../ to normalise out
  // of the temp copy, so nft looked for it on this machine and failed.
  const copy = await nftTree({
    'etc/nftables.conf': `include "../../../../etc/${ONLY_IN_TARGET}"\n`,
    [`etc/${ONLY_IN_TARGET}`]: 'table inet only_in_target {\n}\n',
  });
  const verdict = await validateNftablesConf('/etc/nftables.conf', copy);
  assert.deepEqual([verdict.ok, verdict.detail], [true, 'ruleset valid']);
  assert.ok(!existsSync(`/etc/${ONLY_IN_TARGET}`), 'nothing written to this machine');
});

test('an include after `;` is rewritten like one at a line start', async () => {
  const copy = await nftTree({
    'etc/nftables.conf': `flush ruleset; include "${ONLY_IN_TARGET}"\n`,
    [`etc/${ONLY_IN_TARGET}`]: 'table inet only_in_target {\n}\n',
  });
  const verdict = await validateNftablesConf('/etc/nftables.conf', copy);
  assert.deepEqual([verdict.ok, verdict.detail], [true, 'ruleset valid']);
});

test('an include of a device on this machine is an error with file and line; nft is not run', async () => {
  const copy = await nftTree({ 'etc/nftables.conf': 'flush ruleset\ninclude "../../../../dev/zero"\n' });
  const verdict = await validateNftablesConf('/etc/nftables.conf', copy);
  assert.equal(verdict.ok, false);
  assert.equal(verdict.detail, '/etc/nftables.conf:2: include names a file the target does not have');
});

test('include "/etc/*" inside a chain, matching its own file, is a cycle error with its chain', async () => {
  const copy = await nftTree({
    'etc/nftables.conf': 'table inet t {\n\tchain input {\n\t\tinclude "/etc/*"\n\t}\n}\n',
    'etc/a.nft': '',
    'etc/b.nft': '',
  });
  const verdict = await validateNftablesConf('/etc/nftables.conf', copy);
  assert.equal(verdict.ok, false);
  assert.equal(verdict.detail, '/etc/nftables.conf:3: include cycle: /etc/nftables.conf:3 -> /etc/nftables.conf');
});

test('the temp copy refuses a path that is not resolved (it would land outside the copy)', async () => {
  await assert.rejects(
    writeTree('/nonexistent-signer-opsec-root', new Map([['/etc/../../x', '']])),
    /not a resolved path inside the target/,
  );
});
