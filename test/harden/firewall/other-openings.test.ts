// Our table's drop wins over the operator's accepts in other tables and ufw: WireGuard's ListenPort is kept open,
// a node over the tunnel is named, and every other opening the table closes is listed with file:line.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuditContext } from '../../../src/engine/context.js';
import { planFirewall } from '../../../src/harden/firewall/plan.js';
import type { HardenLayout, PlanPart, WriteFileChange } from '../../../src/harden/types.js';
import { DirectoryTarget } from '../../../src/target/directory-target.js';
import { ufwFiles } from '../../support/firewall-hosts.js';
import { type FileSpec, materialiseFiles } from '../../support/materialise.js';

const NFT_UNIT =
  '[Unit]\nDescription=nftables\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/usr/sbin/nft -f /etc/nftables.conf\n[Install]\nWantedBy=sysinit.target\n';
/** A WireGuard private key in the test's own conf: it must never reach the plan. */
const WG_PRIVATE_KEY = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
/** The signer on 10.8.0.2, its node across the tunnel at 10.8.0.1. */
const REMOTE_NODE: HardenLayout = {
  colocated: false,
  notes: [],
  signer: { endpoint: { host: '10.8.0.2', port: 30000 }, nodeAddresses: ['10.8.0.1'] },
};

function host(files: FileSpec): FileSpec {
  return {
    'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nadmin:x:1000:1000::/home/admin:/bin/bash\n',
    'etc/group': 'root:x:0:\nadmin:x:1000:\n',
    'usr/sbin/sshd': { content: '#!/bin/sh\n', mode: 0o755 },
    'etc/ssh/sshd_config': 'Port 2222\n',
    'lib/systemd/system/nftables.service': NFT_UNIT,
    ...files,
  };
}

async function plan(files: FileSpec, layout = REMOTE_NODE): Promise<PlanPart> {
  const tree = await materialiseFiles(files);
  try {
    const ctx = new AuditContext(new DirectoryTarget(tree.root, { live: false }));
    const part = await planFirewall({ ctx, layout, options: { consoleAccess: false } });
    assert.ok(part);
    return part;
  } finally {
    tree.cleanup();
  }
}

const conf = (part: PlanPart) =>
  part.changes.find(
    (change): change is WriteFileChange => change.kind === 'write' && change.path === '/etc/nftables.conf',
  )?.content ?? '';

const WG0 = {
  content: `[Interface]\nAddress = 10.8.0.2/24\nPrivateKey = ${WG_PRIVATE_KEY}\nListenPort = 51820\n\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nEndpoint = 192.0.2.9:51821\nAllowedIPs = 10.8.0.1/32\n`,
  mode: 0o600,
};

describe('WireGuard keeps working behind our table', () => {
  test('ListenPort of every /etc/wireguard/*.conf is opened (UDP), the node over the tunnel is named', async () => {
    const part = await plan(
      host({
        'etc/wireguard/wg0.conf': WG0,
        // Dials out only (no ListenPort): nothing to open.
        'etc/wireguard/wg1.conf': { content: `[Interface]\nPrivateKey = ${WG_PRIVATE_KEY}\n`, mode: 0o600 },
      }),
    );
    assert.deepEqual(part.errors, []);
    assert.match(conf(part), /\n\t\tudp dport 51820 accept comment "wireguard wg0"\n/);
    assert.doesNotMatch(conf(part), /wg1/);
    // nft -c accepted the whole file with the UDP rule in it.
    assert.ok(
      part.validations.every((validation) => validation.ok),
      JSON.stringify(part.validations),
    );
    assert.ok(part.notes.some((note) => /WireGuard ListenPort kept open: udp\/51820 \(wg0\)/.test(note)));
    assert.ok(
      part.notes.some((note) =>
        /the node \(10\.8\.0\.1\) is reached over WireGuard wg0 \(\/etc\/wireguard\/wg0\.conf\)/.test(note),
      ),
      part.notes.join('\n'),
    );
    assert.ok(!JSON.stringify(part).includes(WG_PRIVATE_KEY), 'the WireGuard private key reached the plan');
  });
});

describe('what our table closes is listed, with file:line', () => {
  test("the operator's nftables (with include) and ufw openings that our drop cancels; kept ports are not listed", async () => {
    const part = await plan(
      host({
        'etc/wireguard/wg0.conf': WG0,
        'etc/nftables.conf': [
          '#!/usr/sbin/nft -f',
          'table inet filter {',
          '\tchain input {',
          '\t\ttype filter hook input priority filter; policy drop;',
          '\t\tct state established,related accept',
          '\t\ttcp dport 2222 accept',
          '\t\tudp dport 51820 accept comment "wireguard"',
          '\t\tudp dport 5353 accept',
          '\t\tip saddr 192.168.7.0/24 accept',
          // The node's events across the tunnel: without this line the whole file would cut them (an error).
          '\t\tip saddr 10.8.0.1 tcp dport 30000 accept',
          '\t}',
          '}',
          'include "/etc/nftables.d/*.nft"',
          '',
        ].join('\n'),
        'etc/nftables.d/monitoring.nft':
          'table inet monitoring {\n\tchain input {\n\t\ttype filter hook input priority 10;\n\t\ttcp dport 9100 ip saddr 10.8.0.0/24 accept\n\t}\n}\n',
        ...ufwFiles(true),
      }),
    );
    assert.deepEqual(part.errors, []);
    const note = part.notes.find((entry) => /will be CLOSED/.test(entry));
    assert.ok(note, part.notes.join('\n'));
    assert.match(note, /udp\/5353 from anyone \(\/etc\/nftables\.conf:8\)/);
    assert.match(note, /tcp\/9100 from 10\.8\.0\.0\/24 \(\/etc\/nftables\.d\/monitoring\.nft:4\)/);
    assert.match(note, /ipv4 tcp\/1-2221 from 192\.168\.7\.0\/24 \(\/etc\/nftables\.conf:9\)/);
    // ufw's rules (firewall-hosts: 2222 and 20444 from anyone, 30000 from the colocated node 10.0.0.5).
    assert.match(note, /tcp\/20444 from anyone \(\/etc\/ufw\/user\.rules:\d+\)/);
    assert.match(note, /tcp\/30000 from 10\.0\.0\.5 \(\/etc\/ufw\/user\.rules:\d+\)/);
    // Ours keeps SSH, WireGuard and the signer port from the node.
    assert.doesNotMatch(note, /tcp\/2222 |udp\/51820 /);
  });

  test("an operator table that drops the node's events would be switched on at boot: the area stops with an error", async () => {
    const part = await plan(
      host({
        'etc/wireguard/wg0.conf': WG0,
        'etc/nftables.conf':
          '#!/usr/sbin/nft -f\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tct state established,related accept\n\t\ttcp dport 2222 accept\n\t}\n}\n',
      }),
    );
    assert.equal(part.errors.length, 1, part.errors.join('\n'));
    assert.match(
      part.errors[0]!,
      /would cut the services: ipv4: the node at 10\.8\.0\.1 reaching the signer endpoint \(tcp\/30000\) would be closed/,
    );
  });

  test('a default-accept operator table: every other port is named as closed, with the policy line', async () => {
    const part = await plan(
      host({
        'etc/nftables.conf':
          '#!/usr/sbin/nft -f\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n',
      }),
    );
    const note = part.notes.find((entry) => /will be CLOSED/.test(entry)) ?? '';
    assert.match(note, /ipv4: every other port, TCP and UDP \(default accept, \/etc\/nftables\.conf:4\)/);
    assert.match(note, /ipv6: every other port/);
  });

  test('nothing else open: no closing note', async () => {
    const part = await plan(host({}));
    assert.ok(!part.notes.some((entry) => /will be CLOSED/.test(entry)), part.notes.join('\n'));
  });

  test('an operator firewall too complex to tell what our table closes: the area stops with an error', async () => {
    // Issue 18: 2,000 bans every port sees times 2,000 distinct ports is refused by the exposure model; the plan
    // must not close openings it cannot name.
    const rules = [
      ...Array.from({ length: 2000 }, (_, i) => `\t\tip saddr 100.64.${i >> 8}.${i & 255} drop`),
      ...Array.from({ length: 2000 }, (_, i) => `\t\ttcp dport ${40000 + i} accept`),
    ];
    const part = await plan(
      host({
        'etc/wireguard/wg0.conf': WG0,
        'etc/nftables.conf': [
          '#!/usr/sbin/nft -f',
          'table inet filter {',
          '\tchain input {',
          '\t\ttype filter hook input priority filter; policy drop;',
          '\t\ttcp dport 2222 accept',
          '\t\tip saddr 10.8.0.1 tcp dport 30000 accept',
          ...rules,
          '\t}',
          '}',
          '',
        ].join('\n'),
      }),
    );
    assert.ok(
      part.errors.some((error) =>
        /^which openings table inet \S+ would close is not known: firewall too complex to evaluate: .*; the exposure is not known$/.test(
          error,
        ),
      ),
      part.errors.join('\n'),
    );
  });
});
