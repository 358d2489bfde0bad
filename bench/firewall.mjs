// Firewall model cost on large, realistic rulesets: parse and inboundExposure medians, against the cost of starting
// node at all (`node -e 0`), measured in the same run. Usage: npm run bench:firewall [-- --runs N] [--reference]
// --reference also times the straightforward implementation the differential test keeps (one walk per port piece
// per source piece), so before and after come from the same run.
import { spawnSync } from 'node:child_process';
import { inboundExposure } from '../dist/src/net/firewall/exposure.js';
import { parseIptablesSave } from '../dist/src/parsers/iptables-save.js';
import { parseNftablesConf } from '../dist/src/parsers/nftables.js';
import { ufwRuleset } from '../dist/src/parsers/ufw.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 15;
const reference = process.argv.includes('--reference')
  ? (await import('../dist/test/net/firewall/reference/exposure.js')).inboundExposure
  : undefined;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median wall time of `work` in ms, after two warm-up calls (JIT, caches). */
function time(work) {
  const samples = [];
  for (let index = 0; index < runs + 2; index += 1) {
    const started = process.hrtime.bigint();
    work();
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (index >= 2) samples.push(elapsed);
  }
  return median(samples);
}

function anchorTime() {
  return time(() => {
    const result = spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`node -e 0 exited ${result.status}`);
  });
}

/** Distinct public-looking addresses, as fail2ban bans them (documentation and CGNAT blocks, spread). */
const bannedV4 = (index) => `100.${64 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;
const bannedV6 = (index) => `2001:db8:${(index >> 8).toString(16)}::${(index & 255).toString(16)}`;

const NFT_HEAD = [
  'table inet filter {',
  '\tchain input {',
  '\t\ttype filter hook input priority filter; policy drop;',
  '\t\tct state established,related accept',
  '\t\tct state invalid drop',
  '\t\tiif "lo" accept',
  '\t\ttcp dport { 2222, 20444 } accept',
  '\t\ttcp dport 30000 ip saddr 10.0.0.0/8 accept',
];

/** nft: fail2ban-style bans, one rule per address, in a chain that runs before the filter. */
function nftFail2ban(count) {
  const bans = [];
  for (let index = 0; index < count; index++) {
    bans.push(index % 5 === 4 ? `\t\tip6 saddr ${bannedV6(index)} drop` : `\t\tip saddr ${bannedV4(index)} drop`);
  }
  return [
    ...NFT_HEAD,
    '\t}',
    '}',
    'table inet f2b-table {',
    '\tchain f2b-chain {',
    '\t\ttype filter hook input priority filter - 1; policy accept;',
    ...bans,
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** nft: the synthetic worst case, one port per source range. */
function nftPortPerSource(count) {
  const rules = [];
  for (let index = 0; index < count; index++) {
    rules.push(`\t\tip saddr 10.${index >> 8}.${index & 255}.0/24 tcp dport ${10000 + index} accept`);
  }
  return [...NFT_HEAD, ...rules, '\t}', '}', ''].join('\n');
}

/** nft: a named blocklist set dropped first, then ports restricted to one /24 each (the review's big case). */
function nftBlocklistSet(count) {
  const elements = Array.from({ length: count }, (_, index) => bannedV4(index)).join(', ');
  const restricted = Array.from(
    { length: 10 },
    (_, index) => `\t\ttcp dport ${9000 + index} ip saddr 10.0.${index * 23}.0/24 accept`,
  );
  return [
    'table inet filter {',
    '\tset blocklist {',
    '\t\ttype ipv4_addr',
    `\t\telements = { ${elements} }`,
    '\t}',
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    '\t\tct state established,related accept',
    '\t\tiif "lo" accept',
    '\t\tip saddr @blocklist drop',
    ...restricted,
    '\t\ttcp dport { 2222, 20444 } accept',
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** iptables-save as fail2ban's iptables-multiport action leaves it: a jump for the port, one REJECT per ban. */
function iptablesFail2ban(count) {
  const bans = [];
  for (let index = 0; index < count; index++) {
    bans.push(`-A f2b-sshd -s ${bannedV4(index)}/32 -j REJECT --reject-with icmp-port-unreachable`);
  }
  return [
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':f2b-sshd - [0:0]',
    '-A INPUT -p tcp -m multiport --dports 2222 -j f2b-sshd',
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A INPUT -p tcp -m tcp --dport 2222 -j ACCEPT',
    '-A INPUT -p tcp -m tcp --dport 20444 -j ACCEPT',
    ...bans,
    '-A f2b-sshd -j RETURN',
    'COMMIT',
    '',
  ].join('\n');
}

/**
 * ufw's user.rules: allows by port, by port and source, and (unless `sourceOnly` is false) by source alone. Every
 * port sees the allows by source alone: a thousand of each kind cost their product (see EXPOSURE_WORK_BASE).
 */
function ufwUserRules(count, sourceOnly = true) {
  const lines = ['*filter', ':ufw-user-input - [0:0]', ':ufw-user-output - [0:0]', '### RULES ###'];
  for (let index = 0; index < count; index++) {
    const port = 8000 + index;
    if (index % 3 === 0) {
      lines.push(`### tuple ### allow tcp ${port} 0.0.0.0/0 any 0.0.0.0/0 in`);
      lines.push(`-A ufw-user-input -p tcp --dport ${port} -j ACCEPT`);
    } else if (index % 3 === 1) {
      const source = `192.168.${index & 255}.0/24`;
      lines.push(`### tuple ### allow tcp ${port} 0.0.0.0/0 any ${source} in`);
      lines.push(`-A ufw-user-input -p tcp --dport ${port} -s ${source} -j ACCEPT`);
    } else if (!sourceOnly) {
      lines.push(`### tuple ### allow tcp ${port} 0.0.0.0/0 any 0.0.0.0/0 in`);
      lines.push(`-A ufw-user-input -p tcp --dport ${port} -j ACCEPT`);
    } else {
      const source = `172.16.${index & 255}.${index >> 8}`;
      lines.push(`### tuple ### allow any any 0.0.0.0/0 any ${source} in`);
      lines.push(`-A ufw-user-input -s ${source} -j ACCEPT`);
    }
  }
  lines.push('### END RULES ###', 'COMMIT', '');
  return lines.join('\n');
}

/** Docker's iptables-save with `containers` published containers spread over a few user-defined networks. */
function dockerIptables(containers) {
  const networks = ['docker0', 'br-1a2b3c4d5e6f', 'br-2b3c4d5e6f7a', 'br-3c4d5e6f7a8b', 'br-4d5e6f7a8b9c'];
  const subnet = (net) => `172.${17 + net}.0`;
  const nat = [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
    '-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER',
  ];
  const filter = [
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    ':DOCKER-ISOLATION-STAGE-1 - [0:0]',
    ':DOCKER-ISOLATION-STAGE-2 - [0:0]',
    ':DOCKER-USER - [0:0]',
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A INPUT -p tcp -m tcp --dport 2222 -j ACCEPT',
    '-A INPUT -p tcp -m tcp --dport 20444 -j ACCEPT',
    '-A FORWARD -j DOCKER-USER',
    '-A FORWARD -j DOCKER-ISOLATION-STAGE-1',
  ];
  networks.forEach((bridge, net) => {
    nat.push(`-A POSTROUTING -s ${subnet(net)}.0/16 ! -o ${bridge} -j MASQUERADE`);
    nat.push(`-A DOCKER -i ${bridge} -j RETURN`);
    filter.push(`-A FORWARD -o ${bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
    filter.push(`-A FORWARD -o ${bridge} -j DOCKER`);
    filter.push(`-A FORWARD -i ${bridge} ! -o ${bridge} -j ACCEPT`);
    filter.push(`-A FORWARD -i ${bridge} -o ${bridge} -j ACCEPT`);
    filter.push(`-A DOCKER-ISOLATION-STAGE-1 -i ${bridge} ! -o ${bridge} -j DOCKER-ISOLATION-STAGE-2`);
    filter.push(`-A DOCKER-ISOLATION-STAGE-2 -o ${bridge} -j DROP`);
  });
  for (let index = 0; index < containers; index++) {
    const net = index % networks.length;
    const bridge = networks[net];
    const address = `${subnet(net)}.${2 + Math.floor(index / networks.length)}`;
    const port = 30000 + index;
    nat.push(`-A DOCKER ! -i ${bridge} -p tcp -m tcp --dport ${port} -j DNAT --to-destination ${address}:${port}`);
    filter.push(`-A DOCKER -d ${address}/32 ! -i ${bridge} -o ${bridge} -p tcp -m tcp --dport ${port} -j ACCEPT`);
  }
  filter.push(
    '-A DOCKER-ISOLATION-STAGE-1 -j RETURN',
    '-A DOCKER-ISOLATION-STAGE-2 -j RETURN',
    '-A DOCKER-USER -j RETURN',
  );
  return [...nat, 'COMMIT', ...filter, 'COMMIT', ''].join('\n');
}

/** iptables-save: `count` rules in a chain jumped from INPUT, each accepting its own port (issue 18). */
function iptablesPorts(count) {
  const rules = Array.from({ length: count }, (_, index) => `-A ports -p tcp --dport ${1000 + index} -j ACCEPT`);
  return ['*filter', ':INPUT DROP [0:0]', ':ports - [0:0]', '-A INPUT -j ports', ...rules, 'COMMIT', ''].join('\n');
}

/** iptables-save: `count` rules each naming a /24 and a port, to a chain that may accept (a limit) then logs. */
function iptablesPortSourceLimit(count) {
  const rules = Array.from(
    { length: count },
    (_, index) => `-A INPUT -s 10.${(index >> 8) & 255}.${index & 255}.0/24 -p tcp --dport ${1000 + index} -j LIM`,
  );
  return [
    '*filter',
    ':INPUT DROP [0:0]',
    ':LIM - [0:0]',
    '-A LIM -m limit --limit 5/min -j ACCEPT',
    '-A LIM -j LOG',
    ...rules,
    '-A INPUT -p tcp --dport 22 -j ACCEPT',
    'COMMIT',
    '',
  ].join('\n');
}

/** iptables-save: `count` rules each accepting its own port on its own interface (a tunnel a service). */
function iptablesInterfacePorts(count) {
  const rules = Array.from(
    { length: count },
    (_, index) => `-A INPUT -i wg${index} -p tcp --dport ${1000 + index} -j ACCEPT`,
  );
  return ['*filter', ':INPUT DROP [0:0]', '-A INPUT -i lo -j ACCEPT', ...rules, 'COMMIT', ''].join('\n');
}

/** nft: `count` rules each accepting its own port. */
function nftPorts(count) {
  const rules = Array.from({ length: count }, (_, index) => `\t\ttcp dport ${1000 + index} accept`);
  return [...NFT_HEAD, ...rules, '\t}', '}', ''].join('\n');
}

const nft = (text) => () => parseNftablesConf('/etc/nftables.conf', { read: () => text, resolve: () => [] });
const iptables = (text) => () => parseIptablesSave(text, { family: 'ipv4', file: '/etc/iptables/rules.v4' });
const ufw = (text) => () =>
  ufwRuleset('ipv4', { text, file: '/etc/ufw/user.rules' }, { inputPolicy: 'drop', ipv6: true });

const cases = [
  ['nft, 500 fail2ban bans', nft(nftFail2ban(500))],
  ['nft, 200 port-per-source rules', nft(nftPortPerSource(200))],
  ['nft, 5000-address blocklist set', nft(nftBlocklistSet(5000))],
  ['iptables, 500 fail2ban bans', iptables(iptablesFail2ban(500))],
  ['ufw user.rules, 200 allows', ufw(ufwUserRules(200))],
  ['docker iptables, 50 containers', iptables(dockerIptables(50))],
  ['iptables, 8000 ports', iptables(iptablesPorts(8000))],
  ['iptables, 20000 ports', iptables(iptablesPorts(20000))],
  ['iptables, 8000 port+source to limit', iptables(iptablesPortSourceLimit(8000))],
  ['iptables, 20000 port+source to limit', iptables(iptablesPortSourceLimit(20000))],
  ['iptables, 8000 interface+port rules', iptables(iptablesInterfacePorts(8000))],
  ['nft, 8000 ports', nft(nftPorts(8000))],
  ['nft, 20000 ports', nft(nftPorts(20000))],
  ['nft, 8000 port-per-source rules', nft(nftPortPerSource(8000))],
  ['ufw user.rules, 8000 port allows', ufw(ufwUserRules(8000, false))],
  ['ufw user.rules, 1000 allows', ufw(ufwUserRules(1000))],
  ['ufw user.rules, 3000 allows', ufw(ufwUserRules(3000))],
];
// Only the cases this many: `--only 20000` runs the ones whose name holds it (the old model takes minutes on them).
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

const anchor = anchorTime();
console.log(`runs per case: ${runs} (median), machine: ${process.arch}, node ${process.version}`);
console.log(`${'node -e 0 (anchor)'.padEnd(34)} ${anchor.toFixed(1).padStart(8)} ms`);
const referenceHeader = reference ? ` ${'reference'.padStart(12)}` : '';
console.log(
  `${'ruleset'.padEnd(34)} ${'rules'.padStart(6)} ${'parse'.padStart(10)} ${'exposure'.padStart(12)}${referenceHeader}  vs anchor`,
);
for (const [name, parse] of cases.filter(([name]) => only === undefined || name.includes(only))) {
  const ruleset = parse();
  const rules = ruleset.tables.reduce((sum, table) => sum + table.chains.reduce((n, c) => n + c.rules.length, 0), 0);
  const parseMs = time(parse);
  // Past the work bound the exposure is an error (the bound's figure: how long it took to refuse).
  let refused = '';
  const exposureMs = time(() => {
    try {
      inboundExposure(ruleset);
    } catch (error) {
      if (!/^firewall too complex to evaluate/.test(error.message)) throw error;
      refused = '  (refused: too complex)';
    }
  });
  const referenceMs = reference
    ? ` ${time(() => reference(ruleset))
        .toFixed(2)
        .padStart(9)} ms`
    : '';
  console.log(
    `${name.padEnd(34)} ${String(rules).padStart(6)} ${parseMs.toFixed(2).padStart(7)} ms ${exposureMs.toFixed(2).padStart(9)} ms${referenceMs}  ${((parseMs + exposureMs) / anchor).toFixed(2)}×${refused}`,
  );
}
