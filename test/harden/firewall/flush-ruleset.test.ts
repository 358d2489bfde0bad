// `flush ruleset` in /etc/nftables.conf beside Docker or an enabled ufw: enabling nftables.service would wipe their
// tables at every reload, so the firewall part is an error before anything is written; already enabled, a note.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flushRulesetStatements } from '../../../src/harden/firewall/flush-ruleset.js';
import { renderFirewallBlock } from '../../../src/harden/firewall/render.js';
import { runCli } from '../../support/cli.js';
import { ufwFiles } from '../../support/firewall-hosts.js';
import { rootServicesHost } from '../../support/harden-hosts.js';
import { type FileSpec, materialiseFiles } from '../../support/materialise.js';
import { snapshotTree } from '../../support/snapshot-tree.js';

const FLUSHING = {
  content:
    '#!/usr/sbin/nft -f\n\nflush ruleset\n\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n',
  mode: 0o755,
};
const DOCKER: FileSpec = { 'usr/bin/dockerd': { content: '#!/bin/sh\n', mode: 0o755 } };
const ENABLED: FileSpec = {
  'etc/systemd/system/sysinit.target.wants/nftables.service': { symlink: '/lib/systemd/system/nftables.service' },
};

async function applyOn(files: FileSpec): Promise<{ code: number | null; output: string; unchanged: boolean }> {
  const tree = await materialiseFiles({ ...rootServicesHost(), ...files });
  try {
    const before = snapshotTree(tree.root);
    const run = runCli(['harden', 'apply', '--yes', '--root', tree.root]);
    return {
      code: run.code,
      output: `${run.stdout}\n${run.stderr}`,
      unchanged: deepEqual(snapshotTree(tree.root), before),
    };
  } finally {
    tree.cleanup();
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

describe('flush ruleset beside other firewall owners', () => {
  for (const [name, others, owner] of [
    ['a container engine', DOCKER, /the container engine \(\/usr\/bin\/dockerd\)/],
    ['an enabled ufw', ufwFiles(true), /ufw \(\/etc\/ufw\/ufw\.conf:2 ENABLED=yes\)/],
  ] as const) {
    test(`${name}, nftables.service not enabled: an error naming file:line, and nothing is written`, async () => {
      const run = await applyOn({ 'etc/nftables.conf': FLUSHING, ...others });
      assert.equal(run.code, 2, run.output);
      assert.match(run.output, /`flush ruleset` at \/etc\/nftables\.conf:3: enabling nftables\.service would wipe/);
      assert.match(run.output, owner);
      assert.match(run.output, /`table inet filter \{\}` \+ `delete table inet filter`/);
      assert.ok(run.unchanged, 'apply wrote something');
    });
  }

  test("no other owner of tables: flush ruleset is the operator's business, the firewall is planned", async () => {
    const run = await applyOn({ 'etc/nftables.conf': FLUSHING });
    assert.equal(run.code, 0, run.output);
    assert.doesNotMatch(run.output, /`flush ruleset` at /);
  });

  test("already enabled at boot: not harden's doing, a note, and the firewall is planned", async () => {
    const tree = await materialiseFiles({
      ...rootServicesHost(),
      'etc/nftables.conf': FLUSHING,
      ...DOCKER,
      ...ENABLED,
    });
    try {
      const plan = runCli(['harden', 'plan', '--root', tree.root]);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(
        plan.stdout,
        /note: `flush ruleset` at \/etc\/nftables\.conf:3: nftables\.service \(already enabled at boot\) wipes/,
      );
    } finally {
      tree.cleanup();
    }
  });

  test('statements: outside our block only, `;`-joined and commented ones told apart', () => {
    const text = `#!/usr/sbin/nft -f\n# flush ruleset\nflush  ruleset ; table inet x {}\n${renderFirewallBlock({ sshPorts: [22], nodeAddresses: [] })}`;
    assert.deepEqual(flushRulesetStatements(new Map([['/etc/nftables.conf', text]])), [
      { file: '/etc/nftables.conf', line: 3 },
    ]);
  });
});
