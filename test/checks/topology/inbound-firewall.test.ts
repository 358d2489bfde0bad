import assert from 'node:assert/strict';
import check from '../../../src/checks/topology/inbound-firewall.js';
import { type CheckCase, runCheckCases } from '../../support/check-tester.js';
import {
  firewallHost,
  IPTABLES_RULES,
  NETFILTER_PERSISTENT_ENABLED,
  NFT_REJECTED,
  NFT_RULESETS,
  NFT_WITH_INCLUDE,
  NFTABLES_ENABLED,
  nftHost,
  UFW_USER6_RULES,
  ufwFiles,
} from '../../support/firewall-hosts.js';
import { socketActivatedSshFiles, sshdOptsPortFiles } from '../../support/harden-hosts.js';
import { BASE_USERS } from '../../support/hosts.js';

const iptablesFiles = { 'etc/iptables/rules.v4': IPTABLES_RULES.v4, 'etc/iptables/rules.v6': IPTABLES_RULES.v6 };

runCheckCases(check, {
  pass: [
    {
      name: 'nftables: default drop, only SSH and P2P open',
      files: nftHost(NFT_RULESETS.dropSshP2p),
      messages: ['restricted'],
      verify: ({ result }) => {
        assert.match(result.message, /ipv4 2222 \(anyone\); ipv4 20444 \(anyone\); ipv6 2222 \(anyone\); ipv6 20444/);
        assert.ok(result.evidence.some((item) => item.file === '/etc/nftables.conf' && item.line === 9));
      },
    },
    { name: 'nftables: signer port open only to the node', files: nftHost(NFT_RULESETS.signerToNode) },
    {
      // sshd_config says the default 22, but the enabled ssh.socket listens on 2222: 2222 is SSH, as harden keeps it.
      name: 'SSH by socket activation (ssh.socket ListenStream=2222)',
      files: firewallHost({
        'etc/nftables.conf': NFT_RULESETS.dropSshP2p,
        ...NFTABLES_ENABLED,
        ...socketActivatedSshFiles(),
        'etc/ssh/sshd_config': 'PermitRootLogin no\n',
      }),
      messages: ['restricted'],
      verify: ({ result }) => assert.match(result.message, /ipv4 2222 \(anyone\)/),
    },
    {
      name: 'SSH on the port sshd -p sets from SSHD_OPTS in /etc/default/ssh',
      files: firewallHost({
        'etc/nftables.conf': NFT_RULESETS.dropSshP2p.replace(
          'tcp dport { 2222, 20444 } accept',
          'tcp dport { 2200, 20444 } accept',
        ),
        ...NFTABLES_ENABLED,
        ...sshdOptsPortFiles(),
      }),
      messages: ['restricted'],
      verify: ({ result }) => assert.match(result.message, /ipv4 2200 \(anyone\)/),
    },
    {
      name: 'a later base chain drops what the first accepts',
      files: nftHost(NFT_RULESETS.twoChains),
      verify: ({ result }) => assert.doesNotMatch(result.message, /30000/),
    },
    {
      name: 'nftables with define, named set, include and jump',
      files: firewallHost({ ...NFT_WITH_INCLUDE, ...NFTABLES_ENABLED }),
      verify: ({ result }) => {
        const families = (result.data?.families ?? []) as {
          family: string;
          open: { ports: string; sources: unknown }[];
        }[];
        const v4 = families.find((family) => family.family === 'ipv4')!;
        assert.deepEqual(
          v4.open.map((entry) => [entry.ports, entry.sources]),
          [
            ['2222', 'any'],
            ['20444', 'any'],
            ['30000', ['10.0.0.5']],
          ],
        );
      },
    },
    {
      name: 'iptables-persistent rules.v4 and rules.v6',
      files: firewallHost({ ...iptablesFiles, ...NETFILTER_PERSISTENT_ENABLED }),
    },
    { name: 'ufw enabled', files: firewallHost(ufwFiles(true)), messages: ['restricted'] },
    {
      name: 'ufw with IPV6=no: ufw drops all IPv6 but loopback',
      files: firewallHost(ufwFiles(true, { ipv6: false })),
      messages: ['restricted'],
      verify: ({ result }) => {
        const families = (result.data?.families ?? []) as { family: string; default: string; open: unknown[] }[];
        assert.deepEqual(
          families.map((family) => [family.family, family.default, family.open.length]),
          [
            ['ipv4', 'closed', 3],
            ['ipv6', 'closed', 0],
          ],
        );
      },
    },
    {
      name: "the nftables wiki's server ruleset (ct state and meta protocol verdict maps)",
      files: nftHost(NFT_RULESETS.wikiServer),
      messages: ['restricted'],
      verify: ({ result }) =>
        assert.match(
          result.message,
          /open: ipv4 2222 \(anyone\); ipv4 20444 \(anyone\); ipv6 2222 \(anyone\); ipv6 20444/,
        ),
    },
  ],
  fail: [
    {
      name: 'signer port open to a private range beyond the node (deliberately a fail since fix2fw, was warn)',
      files: nftHost(NFT_RULESETS.signerToLan),
      messages: ['signerBeyondNode'],
    },
    {
      name: "signer port open to the node's /24, not only the node",
      files: nftHost(NFT_RULESETS.signerToSubnet),
      messages: ['signerBeyondNode'],
      verify: ({ result }) =>
        assert.match(result.message, /port 30000 is open to private addresses beyond the node's \(10\.0\.0\.0\/24\)/),
    },
    { name: 'no firewall at all', files: firewallHost({}), messages: ['none'] },
    { name: 'nftables default accept', files: nftHost(NFT_RULESETS.defaultAccept), messages: ['defaultOpen'] },
    { name: 'signer port open to the world', files: nftHost(NFT_RULESETS.signerToWorld), messages: ['signerOpen'] },
    {
      name: 'IPv6 left open while IPv4 is closed',
      files: nftHost(NFT_RULESETS.ipv6Open),
      messages: ['defaultOpen'],
      verify: ({ items }) => {
        const failing = items.filter((item) => item.status === 'fail');
        assert.deepEqual(
          failing.map((item) => item.message),
          ['ipv6: inbound connections to ports no rule names are accepted (default accept).'],
        );
      },
    },
    {
      name: 'nftables.conf present but nftables.service not enabled',
      files: firewallHost({ 'etc/nftables.conf': NFT_RULESETS.dropSshP2p }),
      messages: ['none'],
      verify: ({ result }) => assert.ok(result.evidence.some((item) => /not enabled/.test(item.detail))),
    },
    { name: 'ufw disabled', files: firewallHost(ufwFiles(false)), messages: ['none'] },
    {
      name: 'ufw: user6.rules (ufw6- chains) opens the signer port to anyone over IPv6',
      files: firewallHost(
        ufwFiles(true, {
          user6: UFW_USER6_RULES.replace(
            '### END RULES ###',
            '### tuple ### allow tcp 30000 ::/0 any ::/0 in\n-A ufw6-user-input -p tcp --dport 30000 -j ACCEPT\n### END RULES ###',
          ),
        }),
      ),
      messages: ['signerOpen'],
      verify: ({ items }) =>
        assert.deepEqual(
          items.filter((item) => item.status === 'fail').map((item) => item.message),
          ["ipv6: the signer endpoint port 30000 is open to anyone, not only to the node's address."],
        ),
    },
    {
      name: 'the signer port open to anyone on one interface, to the node elsewhere',
      files: nftHost(NFT_RULESETS.openOnOneInterface),
      messages: ['signerOpen'],
      verify: ({ items }) =>
        assert.ok(
          items.some(
            (item) =>
              item.messageId === 'signerOpen' &&
              item.message ===
                "ipv4: the signer endpoint port 30000 is open to anyone on eth0, not only to the node's address.",
          ),
        ),
    },
    {
      name: 'ip saddr 0.0.0.0/0 is anyone',
      files: nftHost(NFT_RULESETS.wideSourceRanges),
      messages: ['extraOpen'],
      verify: ({ items }) => {
        assert.ok(
          items.some((item) => item.message === 'ipv4 tcp/8080 is open to anyone; only SSH and P2P should be.'),
        );
        assert.ok(
          items.some((item) => item.message === 'ipv4 tcp/20443 is open to specific public addresses (10.0.0.0/1).'),
        );
      },
    },
    {
      name: 'iptables rules.v4 only: IPv6 unfiltered',
      files: firewallHost({ 'etc/iptables/rules.v4': IPTABLES_RULES.v4, ...NETFILTER_PERSISTENT_ENABLED }),
      messages: ['defaultOpen'],
    },
    {
      name: 'Docker-published port with a closed INPUT chain',
      files: firewallHost({
        'etc/iptables/rules.v4': IPTABLES_RULES.dockerV4,
        'etc/iptables/rules.v6': IPTABLES_RULES.v6,
        ...NETFILTER_PERSISTENT_ENABLED,
      }),
      messages: ['forwarded'],
      verify: ({ items }) =>
        assert.ok(
          items.some((item) => item.messageId === 'forwarded' && /30000 .*172\.17\.0\.2:30000/.test(item.message)),
        ),
    },
  ],
  warn: [
    {
      name: 'a rule the model does not understand',
      files: nftHost(NFT_RULESETS.notUnderstood),
      messages: ['possiblyOpen'],
    },
  ],
  notApplicable: [{ name: 'no signer or node', files: BASE_USERS }],
  error: [
    ...Object.entries(NFT_REJECTED).map(
      ([name, fixture]): CheckCase => ({
        name: `enabled nftables.conf that nft -f rejects: ${name}`,
        files: firewallHost({ ...fixture.files, ...NFTABLES_ENABLED }),
        verify: ({ result }) => {
          assert.ok(result.message.includes(`${fixture.file}:${fixture.line} `), result.message);
          assert.match(result.message, /does not load at boot: .*nft -f would reject this file; nothing loads at boot/);
          assert.equal(result.evidence[0]?.file, fixture.file);
        },
      }),
    ),
    {
      // Issue 18: every port piece sees the 2,000 bans, so 2,000 distinct ports cost their product: the exposure
      // is refused as unknown (fail closed), not guessed.
      name: 'a firewall too complex to evaluate: 2,000 bans every port sees, 2,000 distinct ports',
      files: nftHost(
        NFT_RULESETS.dropSshP2p.replace(
          '\t\ttcp dport { 2222, 20444 } accept\n',
          [
            '\t\ttcp dport { 2222, 20444 } accept',
            ...Array.from({ length: 2000 }, (_, i) => `\t\tip saddr 100.64.${i >> 8}.${i & 255} drop`),
            ...Array.from({ length: 2000 }, (_, i) => `\t\ttcp dport ${40000 + i} accept`),
            '',
          ].join('\n'),
        ),
      ),
      verify: ({ result }) =>
        assert.match(result.message, /^firewall too complex to evaluate: .*; the exposure is not known$/),
    },
  ],
});
