// The model against the kernel: a ruleset loaded into a network namespace this test creates, read back with
// `nft -j list ruleset`, and real TCP connections from a second namespace over a veth pair. Needs root, `ip`, `nft`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { evaluateInbound } from '../../../src/net/firewall/evaluate.js';
import type { Family } from '../../../src/parsers/firewall/model.js';
import { parseNftJson } from '../../../src/parsers/nftables-json.js';
import { createNetnsPair, type NetnsPair, run } from '../../support/netns-pair.js';

const ADDRESSES = {
  ipv4: { server: '10.99.0.1', client: '10.99.0.2' },
  ipv6: { server: 'fd99::1', client: 'fd99::2' },
};
const PORTS = [20444, 30000, 30001, 40000];

// IPv4: default drop, P2P to all, 30000 only from the client, 30001 only from someone else. IPv6: an `ip` table
// filters nothing there, so every port is open.
const RULESET = `flush ruleset
table ip filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		tcp dport 20444 accept
		ip saddr ${ADDRESSES.ipv4.client} tcp dport 30000 accept
		ip saddr 10.99.0.3 tcp dport 30001 accept
	}
}
`;

describe('firewall model against a live ruleset in a network namespace', () => {
  let pair: NetnsPair | undefined;
  let scratch: string | undefined;

  before(async () => {
    pair = createNetnsPair('sofw', { ipv4: ADDRESSES.ipv4.server, ipv6: ADDRESSES.ipv6.server }, [
      { ipv4: ADDRESSES.ipv4.client, ipv6: ADDRESSES.ipv6.client },
    ]);
    scratch = mkdtempSync(join(tmpdir(), 'signer-opsec-nft-'));
    const file = join(scratch, 'ruleset.nft');
    writeFileSync(file, RULESET);
    run('ip', ['netns', 'exec', pair.serverNs, 'nft', '-f', file]);
    await pair.listen(PORTS);
  });

  after(() => {
    pair?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('the model predicts every connection the kernel lets through', () => {
    const ruleset = parseNftJson(run('ip', ['netns', 'exec', pair!.serverNs, 'nft', '-j', 'list', 'ruleset']));
    const cases: { family: Family; port: number }[] = (['ipv4', 'ipv6'] as const).flatMap((family) =>
      PORTS.map((port) => ({ family, port })),
    );
    const targets = cases.map(({ family, port }) => [ADDRESSES[family].server, port] as const);
    const connected = pair!.connect(targets);
    const predicted = cases.map(
      ({ family, port }) =>
        evaluateInbound(ruleset, { family, port, source: ADDRESSES[family].client }).reach === 'open',
    );
    assert.deepEqual(predicted, connected);
    // The namespace really filtered something: IPv4 30001 and 40000 closed, IPv6 all open.
    assert.deepEqual(connected, [true, true, false, false, true, true, true, true]);
  });
});
