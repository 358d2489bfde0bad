// Firewall fixtures: real rulesets (each one checked with `nft -c -f` in test/parsers/nftables.test.ts) and the
// files that make a host load them at boot.

import { nodeConfigFile, signerHost } from './hosts.js';
import type { FileSpec } from './materialise.js';

/** The node's address as the signer's node_host names it. */
export const NODE_ADDRESS = '10.0.0.5';

const HEAD = [
  'flush ruleset',
  '',
  'table inet filter {',
  '\tchain input {',
  '\t\ttype filter hook input priority filter; policy drop;',
  '\t\tct state established,related accept',
  '\t\tct state invalid drop',
  '\t\tiif "lo" accept',
  '\t\ttcp dport { 2222, 20444 } accept',
];
const TAIL = ['\t}', '}', ''];

function inetDrop(...extra: string[]): string {
  return [...HEAD, ...extra.map((line) => `\t\t${line}`), ...TAIL].join('\n');
}

export const NFT_RULESETS = {
  defaultAccept:
    'table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t}\n}\n',
  dropSshP2p: inetDrop(),
  signerToWorld: inetDrop('tcp dport 30000 accept'),
  signerToNode: inetDrop(`ip saddr ${NODE_ADDRESS} tcp dport 30000 accept`),
  signerToLan: inetDrop('ip saddr 10.0.0.0/8 tcp dport 30000 accept'),
  /** The node's /24: the node and 253 other hosts. */
  signerToSubnet: inetDrop('ip saddr 10.0.0.0/24 tcp dport 30000 accept'),
  /** Valid nft the model does not read (`fib`, `ether`, `limit rate`): possibly open, never a load failure. */
  unmodelledButValid: inetDrop(
    'fib daddr type broadcast drop',
    'ether saddr 00:11:22:33:44:55 limit rate 10/second accept',
  ),
  /** IPv4 closed by an `ip` table; nothing filters IPv6. */
  ipv6Open: [
    'table ip filter {',
    '\tchain input {',
    '\t\ttype filter hook input priority 0; policy drop;',
    '\t\tct state established,related accept',
    '\t\ttcp dport { 2222, 20444 } accept',
    '\t}',
    '}',
    '',
  ].join('\n'),
  /** The node's address may reach 30000 and 20443 on any interface, and anyone may on eth0 (IPv4). */
  openOnOneInterface: inetDrop(
    `ip saddr ${NODE_ADDRESS} tcp dport 30000 accept`,
    `ip saddr ${NODE_ADDRESS} tcp dport 20443 accept`,
    'meta nfproto ipv4 iifname "eth0" tcp dport { 20443, 30000 } accept',
  ),
  /** `0.0.0.0/0` is everyone; `10.0.0.0/1` is half the IPv4 space, mostly public. */
  wideSourceRanges: inetDrop('ip saddr 0.0.0.0/0 tcp dport 8080 accept', 'ip saddr 10.0.0.0/1 tcp dport 20443 accept'),
  /** The nftables wiki's "Simple ruleset for a server": verdict maps on ct state and meta protocol. */
  wikiServer: [
    'flush ruleset',
    '',
    'table inet firewall {',
    '\tchain inbound_ipv4 {',
    '\t\ticmp type echo-request limit rate 5/second accept',
    '\t}',
    '\tchain inbound_ipv6 {',
    '\t\ticmpv6 type { nd-neighbor-solicit, nd-router-advert, nd-neighbor-advert } accept',
    '\t\ticmpv6 type echo-request limit rate 5/second accept',
    '\t}',
    '\tchain inbound {',
    '\t\ttype filter hook input priority 0; policy drop;',
    '\t\tct state vmap { established : accept, related : accept, invalid : drop }',
    '\t\tmeta protocol vmap { ip : jump inbound_ipv4, ip6 : jump inbound_ipv6 }',
    '\t\ttcp dport { 2222, 20444 } accept',
    '\t\tiifname lo accept',
    '\t}',
    '}',
    '',
  ].join('\n'),
  /** Verdict maps on every key the model reads. */
  verdictMaps: [
    'flush ruleset',
    '',
    'table inet filter {',
    '\tchain services {',
    '\t\ttcp dport vmap { 2222 : accept, 20444 : accept, 9000-9010 : drop }',
    '\t}',
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    '\t\tct state vmap { established : accept, related : accept, invalid : drop }',
    '\t\tth dport vmap { 9005 : accept }',
    '\t\tiifname vmap { "lo" : accept, "wg0" : accept }',
    '\t\tmeta l4proto vmap { udp : drop, tcp : jump services }',
    `\t\tip saddr vmap { ${NODE_ADDRESS} : accept, 192.0.2.0/24 : drop }`,
    '\t\tmeta nfproto vmap { ipv6 : drop }',
    '\t}',
    '}',
    '',
  ].join('\n'),
  /** A verdict map on a key the model does not read: it may take its verdict, or miss and the chain go on. */
  unknownMapKey: inetDrop('ip saddr . tcp dport vmap { 198.51.100.7 . 9000 : accept }', 'tcp dport 30000 accept'),
  /** `limit` is not modelled: the port it guards is only possibly open. */
  notUnderstood: inetDrop('tcp dport 9000 limit rate 10/second accept'),
  /** A second base chain at a later priority drops what the first accepted. */
  twoChains: [
    inetDrop('tcp dport 30000 accept').trimEnd(),
    'table inet late {',
    '\tchain input {',
    '\t\ttype filter hook input priority filter + 10; policy accept;',
    '\t\ttcp dport 30000 drop',
    '\t}',
    '}',
    '',
  ].join('\n'),
};

/** nftables.conf with a define, a named set and an include of a directory of files (relative: searched in /etc). */
export const NFT_WITH_INCLUDE: FileSpec = {
  'etc/nftables.conf': [
    'flush ruleset',
    'define public_ports = { 2222, 20444 }',
    'include "nftables.d/*.nft"',
    '',
  ].join('\n'),
  'etc/nftables.d/10-filter.nft': [
    'table inet filter {',
    '\tset node {',
    '\t\ttype ipv4_addr',
    `\t\telements = { ${NODE_ADDRESS} }`,
    '\t}',
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    '\t\tiifname "lo" accept',
    '\t\ttcp dport $public_ports counter accept comment "ssh and p2p"',
    '\t\tjump signer',
    '\t}',
    '\tchain signer {',
    '\t\tmeta nfproto != ipv4 return',
    '\t\tip saddr != @node return',
    '\t\ttcp dport 30000 accept',
    '\t}',
    '}',
    '',
  ].join('\n'),
};

const INCLUDE_DIR = 'include "nftables.d/*.nft"';
/** Would let only the node reach 30000 — if it loaded. */
const NODE_ONLY = inetDrop(`ip saddr ${NODE_ADDRESS} tcp dport 30000 accept`);

/**
 * Rulesets `nft -c -f` refuses (asserted in test/parsers/nftables-rejects.test.ts, with `-I <root>/etc`). `nft -f` is
 * atomic, so a host enabling one of these boots with no nftables ruleset at all. Each names the file and line at fault.
 */
export const NFT_REJECTED: Record<string, { files: FileSpec; file: string; line: number }> = {
  typoInInclude: {
    files: {
      'etc/nftables.conf': `${NODE_ONLY}${INCLUDE_DIR}\n`,
      'etc/nftables.d/30-signer.nft': 'add rule inet filter input tcp dport 30000 acept\n',
    },
    file: '/etc/nftables.d/30-signer.nft',
    line: 1,
  },
  unclosedInclude: {
    files: {
      'etc/nftables.conf': `${NODE_ONLY}${INCLUDE_DIR}\n`,
      'etc/nftables.d/10-extra.nft':
        'table inet extra {\n\tchain input {\n\t\ttype filter hook input priority 10; policy accept;\n',
    },
    file: '/etc/nftables.d/10-extra.nft',
    line: 1,
  },
  undefinedJump: {
    files: { 'etc/nftables.conf': inetDrop(`ip saddr ${NODE_ADDRESS} jump allowme`) },
    file: '/etc/nftables.conf',
    line: 10,
  },
  garbage: {
    files: { 'etc/nftables.conf': 'flush ruleset\nthis is not an nftables file\n' },
    file: '/etc/nftables.conf',
    line: 2,
  },
  loopingIncludeMatch: {
    files: {
      'etc/nftables.conf': `${NODE_ONLY}${INCLUDE_DIR}\n`,
      'etc/nftables.d/20-loop.nft': { symlink: '20-loop.nft' },
    },
    file: '/etc/nftables.conf',
    line: 13,
  },
};

export const NFTABLES_ENABLED: FileSpec = {
  'etc/systemd/system/sysinit.target.wants/nftables.service': { symlink: '/lib/systemd/system/nftables.service' },
};
export const NETFILTER_PERSISTENT_ENABLED: FileSpec = {
  'etc/systemd/system/multi-user.target.wants/netfilter-persistent.service': {
    symlink: '/lib/systemd/system/netfilter-persistent.service',
  },
};

const IPTABLES_FILTER = [
  '*filter',
  ':INPUT DROP [0:0]',
  ':FORWARD DROP [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  '-A INPUT -i lo -j ACCEPT',
  '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A INPUT -p tcp -m tcp --dport 2222 -j ACCEPT',
  '-A INPUT -p tcp -m multiport --dports 20444 -m comment --comment "stacks p2p" -j ACCEPT',
];

export const IPTABLES_RULES = {
  v4: [...IPTABLES_FILTER, 'COMMIT', ''].join('\n'),
  v6: [...IPTABLES_FILTER, 'COMMIT', ''].join('\n'),
  /** What Docker leaves after `docker run -p 30000:30000`: DNAT in nat, the accept in FORWARD/DOCKER. */
  dockerV4: [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
    '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
    '-A DOCKER -i docker0 -j RETURN',
    '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 30000 -j DNAT --to-destination 172.17.0.2:30000',
    'COMMIT',
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    ':DOCKER-USER - [0:0]',
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A INPUT -p tcp -m tcp --dport 2222 -j ACCEPT',
    '-A INPUT -p tcp -m tcp --dport 20444 -j ACCEPT',
    '-A FORWARD -j DOCKER-USER',
    '-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A FORWARD -o docker0 -j DOCKER',
    '-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 30000 -j ACCEPT',
    '-A DOCKER-USER -j RETURN',
    'COMMIT',
    '',
  ].join('\n'),
};

export const UFW_USER_RULES = [
  '*filter',
  ':ufw-user-input - [0:0]',
  ':ufw-user-output - [0:0]',
  '### RULES ###',
  '### tuple ### allow tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in',
  '-A ufw-user-input -p tcp --dport 2222 -j ACCEPT',
  '### tuple ### allow tcp 20444 0.0.0.0/0 any 0.0.0.0/0 in',
  '-A ufw-user-input -p tcp --dport 20444 -j ACCEPT',
  `-A ufw-user-input -p tcp --dport 30000 -s ${NODE_ADDRESS} -j ACCEPT`,
  'COMMIT',
  '',
].join('\n');

/** user6.rules as ufw writes it: its own `ufw6-` chains; `ufw limit 2222/tcp` jumps to ufw6-user-limit-accept. */
export const UFW_USER6_RULES = [
  '*filter',
  ':ufw6-user-input - [0:0]',
  ':ufw6-user-output - [0:0]',
  ':ufw6-user-forward - [0:0]',
  ':ufw6-user-limit - [0:0]',
  ':ufw6-user-limit-accept - [0:0]',
  '### RULES ###',
  '',
  '### tuple ### limit tcp 2222 ::/0 any ::/0 in',
  '-A ufw6-user-input -p tcp --dport 2222 -m conntrack --ctstate NEW -m recent --set',
  '-A ufw6-user-input -p tcp --dport 2222 -m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 -j ufw6-user-limit',
  '-A ufw6-user-input -p tcp --dport 2222 -j ufw6-user-limit-accept',
  '',
  '### tuple ### allow tcp 20444 ::/0 any ::/0 in',
  '-A ufw6-user-input -p tcp --dport 20444 -j ACCEPT',
  '',
  '### END RULES ###',
  '',
  '### RATE LIMITING ###',
  '-A ufw6-user-limit -m limit --limit 3/minute -j LOG --log-prefix "[UFW LIMIT BLOCK] "',
  '-A ufw6-user-limit -j REJECT',
  '-A ufw6-user-limit-accept -j ACCEPT',
  '### END RATE LIMITING ###',
  'COMMIT',
  '',
].join('\n');

export function ufwFiles(enabled: boolean, options: { ipv6?: boolean; user6?: string } = {}): FileSpec {
  return {
    'etc/ufw/ufw.conf': `# /etc/ufw/ufw.conf\nENABLED=${enabled ? 'yes' : 'no'}\nLOGLEVEL=low\n`,
    'etc/default/ufw': `IPV6=${options.ipv6 === false ? 'no' : 'yes'}\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\n`,
    'etc/ufw/user.rules': UFW_USER_RULES,
    'etc/ufw/user6.rules': options.user6 ?? UFW_USER6_RULES,
  };
}

/**
 * A colocated signer (endpoint on all interfaces, node_host the node's private address) and node, sshd on 2222,
 * with `firewall` files added.
 */
export function firewallHost(firewall: FileSpec, signer: Record<string, string | undefined> = {}): FileSpec {
  return signerHost(
    { endpoint: '0.0.0.0:30000', node_host: `${NODE_ADDRESS}:20443`, ...signer },
    { ...nodeConfigFile(), 'etc/ssh/sshd_config': 'Port 2222\n', ...firewall },
  );
}

export function nftHost(ruleset: string, signer: Record<string, string | undefined> = {}): FileSpec {
  return firewallHost({ 'etc/nftables.conf': ruleset, ...NFTABLES_ENABLED }, signer);
}
