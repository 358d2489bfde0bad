// The generated ruleset in a kernel: loaded into a network namespace this test creates, with real TCP connections
// from a second namespace over a veth pair, IPv4 and IPv6, from the node's address and from another one. Then the
// same table reloaded with the block alone on stdin (`nft -f -`, as apply does) and removed (as rollback does).
// Needs root, `ip` and `nft`; fails when they are missing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type FirewallFacts,
  mergeIntoNftablesConf,
  REMOVE_TABLE,
  renderFirewallBlock,
} from '../../../src/harden/firewall/render.js';
import { createNetnsPair, type NetnsPair, run } from '../../support/netns-pair.js';

const ADDRESSES = {
  ipv4: { server: '10.98.0.1', node: '10.98.0.2', other: '10.98.0.3' },
  ipv6: { server: 'fd98::1', node: 'fd98::2', other: 'fd98::3' },
};
const SSH_PORT = 2222;
const P2P_PORT = 20444;
const SIGNER_PORT = 30000;
const OTHER_PORT = 40000;
const PORTS = [SSH_PORT, P2P_PORT, SIGNER_PORT, OTHER_PORT];

const REMOTE_NODE: FirewallFacts = {
  sshPorts: [SSH_PORT],
  p2pPort: P2P_PORT,
  signerPort: SIGNER_PORT,
  nodeAddresses: [ADDRESSES.ipv4.node, ADDRESSES.ipv6.node],
};
const LOCAL_NODE: FirewallFacts = { sshPorts: [SSH_PORT], p2pPort: P2P_PORT, nodeAddresses: [] };

/** Which "family from port" connections succeed, as a sorted list of labels. */
function reachable(pair: NetnsPair): string[] {
  const cases = (['ipv4', 'ipv6'] as const).flatMap((family) =>
    (['node', 'other'] as const).flatMap((from) => PORTS.map((port) => ({ family, from, port }))),
  );
  const connected = pair.connect(
    cases.map(({ family, from, port }) => [ADDRESSES[family].server, port, ADDRESSES[family][from]] as const),
  );
  return cases.filter((_, index) => connected[index]).map(({ family, from, port }) => `${family} ${from} ${port}`);
}

describe('the generated firewall in a network namespace', () => {
  let pair: NetnsPair | undefined;
  let scratch: string | undefined;
  const at = (role: 'server' | 'node' | 'other') => ({ ipv4: ADDRESSES.ipv4[role], ipv6: ADDRESSES.ipv6[role] });

  before(async () => {
    pair = createNetnsPair('sohf', at('server'), [at('node'), at('other')]);
    scratch = mkdtempSync(join(tmpdir(), 'signer-opsec-harden-nft-'));
    await pair.listen(PORTS);
  });

  after(() => {
    pair?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('remote node: SSH 2222 and P2P open to all, 30000 only from the node, the rest closed (IPv4 and IPv6)', () => {
    const file = join(scratch!, 'nftables.conf');
    writeFileSync(file, mergeIntoNftablesConf(undefined, renderFirewallBlock(REMOTE_NODE)) as string);
    run('nft', ['-c', '-f', file]);
    run('ip', ['netns', 'exec', pair!.serverNs, 'nft', '-f', file]);
    const open = reachable(pair!);
    assert.deepEqual(open, [
      `ipv4 node ${SSH_PORT}`,
      `ipv4 node ${P2P_PORT}`,
      `ipv4 node ${SIGNER_PORT}`,
      `ipv4 other ${SSH_PORT}`,
      `ipv4 other ${P2P_PORT}`,
      `ipv6 node ${SSH_PORT}`,
      `ipv6 node ${P2P_PORT}`,
      `ipv6 node ${SIGNER_PORT}`,
      `ipv6 other ${SSH_PORT}`,
      `ipv6 other ${P2P_PORT}`,
    ]);
  });

  test('reloaded with the block alone on stdin (a local node): 30000 closed to everyone, table replaced not doubled', () => {
    run('ip', ['netns', 'exec', pair!.serverNs, 'nft', '-f', '-'], renderFirewallBlock(LOCAL_NODE));
    const listed = run('ip', ['netns', 'exec', pair!.serverNs, 'nft', 'list', 'tables']);
    assert.equal(listed.trim(), 'table inet signer_opsec');
    assert.ok(!reachable(pair!).some((label) => label.endsWith(` ${SIGNER_PORT}`)));
    assert.deepEqual(
      reachable(pair!).filter((label) => label.includes(' other ')),
      [`ipv4 other ${SSH_PORT}`, `ipv4 other ${P2P_PORT}`, `ipv6 other ${SSH_PORT}`, `ipv6 other ${P2P_PORT}`],
    );
  });

  test('removed the way rollback does: everything reachable again, and removing twice is harmless', () => {
    run('ip', ['netns', 'exec', pair!.serverNs, 'nft', '-f', '-'], REMOVE_TABLE);
    run('ip', ['netns', 'exec', pair!.serverNs, 'nft', '-f', '-'], REMOVE_TABLE);
    assert.equal(reachable(pair!).length, 16);
  });
});
