// Rulesets with many rules naming distinct ports (issue 18): the exposure model judged every port piece against
// every rule and every source piece. Shared by the differential test (small counts) and the work test (large).
import type { FirewallRuleset } from '../../../src/parsers/firewall/model.js';
import { parseIptablesSave } from '../../../src/parsers/iptables-save.js';
import { parseNftablesConf } from '../../../src/parsers/nftables.js';
import { ufwRuleset } from '../../../src/parsers/ufw.js';

const subnet = (index: number) => `10.${(index >> 8) & 255}.${index & 255}.0/24`;

function iptables(rules: string[]): FirewallRuleset {
  const text = [
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':LIM - [0:0]',
    ':f2b - [0:0]',
    '-A LIM -m limit --limit 5/min -j ACCEPT',
    '-A LIM -j LOG',
    '-A INPUT -j f2b',
    ...rules,
    '-A INPUT -p tcp --dport 22 -j ACCEPT',
    'COMMIT',
    '',
  ].join('\n');
  return parseIptablesSave(text, { family: 'ipv4', file: '/etc/iptables/rules.v4' });
}

function nft(rules: string[], declarations: string[] = []): FirewallRuleset {
  const text = [
    'table inet filter {',
    ...declarations,
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    '\t\tct state established,related accept',
    ...rules,
    '\t\ttcp dport 22 accept',
    '\t}',
    '}',
    '',
  ].join('\n');
  return parseNftablesConf('/etc/nftables.conf', { read: () => text, resolve: () => [] });
}

const count = (n: number) => Array.from({ length: n }, (_, index) => index);

/** Each shape at `n` rules (or set elements). */
export const PORT_SHAPES: Record<string, (n: number) => FirewallRuleset> = {
  // A chain jumped from INPUT accepting one port a rule.
  'iptables ports': (n) => iptables(count(n).map((i) => `-A f2b -p tcp --dport ${1000 + i} -j ACCEPT`)),
  // A port and a /24 a rule, through a chain that may accept (a limit) and then logs.
  'iptables port and source to a limit': (n) =>
    iptables(count(n).map((i) => `-A INPUT -s ${subnet(i)} -p tcp --dport ${1000 + i} -j LIM`)),
  // A port a rule, each on its own interface (a WireGuard tunnel a service): judged on the interfaces it names.
  'iptables interface and port': (n) =>
    iptables(count(n).map((i) => `-A INPUT -i wg${i} -p tcp --dport ${1000 + i} -j ACCEPT`)),
  'nft ports': (n) => nft(count(n).map((i) => `\t\ttcp dport ${1000 + i} accept`)),
  'nft port and source': (n) => nft(count(n).map((i) => `\t\tip saddr ${subnet(i)} tcp dport ${1000 + i} accept`)),
  'nft anonymous port set': (n) => nft([`\t\ttcp dport { ${count(n).map((i) => 1000 + 2 * i)} } accept`]),
  'nft named port set and per-source ports': (n) =>
    nft(
      [
        '\t\ttcp dport @ports accept',
        ...count(n).map((i) => `\t\tip saddr ${subnet(i)} tcp dport ${1001 + 2 * i} drop`),
      ],
      ['\tset ports {', '\t\ttype inet_service', `\t\telements = { ${count(n).map((i) => 1000 + 2 * i)} }`, '\t}'],
    ),
  // ufw's user.rules: allows by port, and by port and source.
  'ufw ports': (n) => {
    const lines = ['*filter', ':ufw-user-input - [0:0]', ':ufw-user-output - [0:0]', '### RULES ###'];
    for (const i of count(n)) {
      const port = 1000 + i;
      const source = i % 2 ? '0.0.0.0/0' : subnet(i);
      lines.push(`### tuple ### allow tcp ${port} 0.0.0.0/0 any ${source} in`);
      lines.push(`-A ufw-user-input -p tcp --dport ${port}${i % 2 ? '' : ` -s ${source}`} -j ACCEPT`);
    }
    lines.push('### END RULES ###', 'COMMIT', '');
    return ufwRuleset(
      'ipv4',
      { text: lines.join('\n'), file: '/etc/ufw/user.rules' },
      { inputPolicy: 'drop', ipv6: true },
    );
  },
};

/** The product no sweep shares: `bans` addresses every port sees (fail2ban in INPUT), then `ports` ports. */
export function bansAndPorts(bans: number, ports: number): FirewallRuleset {
  return iptables([
    ...count(bans).map((i) => `-A f2b -s 100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 -j REJECT`),
    ...count(ports).map((i) => `-A INPUT -p tcp --dport ${1000 + i} -j ACCEPT`),
  ]);
}

/** ufw with allows by source alone (every port sees them) between allows by port: `count` of each kind. */
export function ufwMixed(count: number): FirewallRuleset {
  const lines = ['*filter', ':ufw-user-input - [0:0]', ':ufw-user-output - [0:0]', '### RULES ###'];
  for (const i of Array.from({ length: count }, (_, index) => index)) {
    const from = `172.16.${i & 255}.${i >> 8}`;
    lines.push(`### tuple ### allow any any 0.0.0.0/0 any ${from} in`, `-A ufw-user-input -s ${from} -j ACCEPT`);
    lines.push(`### tuple ### allow tcp ${8000 + i} 0.0.0.0/0 any 0.0.0.0/0 in`);
    lines.push(`-A ufw-user-input -p tcp --dport ${8000 + i} -j ACCEPT`);
  }
  lines.push('### END RULES ###', 'COMMIT', '');
  return ufwRuleset(
    'ipv4',
    { text: lines.join('\n'), file: '/etc/ufw/user.rules' },
    { inputPolicy: 'drop', ipv6: true },
  );
}
