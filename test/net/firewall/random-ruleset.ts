// Random firewall models for differential tests: every match kind and action the model has, drawn from small pools
// of ports and addresses so boundaries collide, ranges nest and rules shadow one another.
import { parseAddressRange } from '../../../src/parsers/firewall/address-range.js';
import type {
  Action,
  AddressRange,
  FirewallChain,
  FirewallRule,
  FirewallRuleset,
  FirewallTable,
  Match,
  Origin,
  PortRange,
  TableFamily,
} from '../../../src/parsers/firewall/model.js';

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PORTS = [1, 22, 80, 443, 1000, 2000, 2222, 20443, 20444, 30000, 30001, 65535];
const V4 = [
  '0.0.0.0/0',
  '10.0.0.0/8',
  '10.1.0.0/16',
  '10.1.2.0/24',
  '10.1.2.3',
  '10.1.2.4',
  '10.1.2.3-10.1.2.9',
  '192.168.0.0/16',
  '192.168.1.7',
  '203.0.113.5',
  '203.0.113.0/24',
];
const V6 = ['::/0', '2001:db8::/32', '2001:db8:1::/48', '2001:db8:1::5', 'fd00::/8', 'fd00::1-fd00::ff', '::1'];
const INTERFACES = ['lo', 'eth0', 'wg0', 'docker0', 'br-*', 'eth*', '*'];
const STATES = [['new'], ['established', 'related'], ['invalid'], ['new', 'established']];

type Random = () => number;

function pick<T>(random: Random, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

function some<T>(random: Random, values: readonly T[], most: number): T[] {
  const count = 1 + Math.floor(random() * most);
  return Array.from({ length: count }, () => pick(random, values));
}

function portRange(random: Random): PortRange {
  const a = pick(random, PORTS);
  if (random() < 0.6) return { from: a, to: a };
  const b = pick(random, PORTS);
  return { from: Math.min(a, b), to: Math.max(a, b) };
}

function addressRanges(random: Random, pool: string[]): AddressRange[] {
  return some(random, pool, 3).map((text) => parseAddressRange(text)!);
}

function randomMatch(random: Random): Match {
  const negate = random() < 0.2;
  const roll = random();
  if (roll < 0.08) return { kind: 'family', family: random() < 0.5 ? 'ipv4' : 'ipv6' };
  if (roll < 0.16) return { kind: 'protocol', negate, protocols: some(random, ['tcp', 'udp', 'icmp'], 2) };
  if (roll < 0.42) {
    return {
      kind: 'dport',
      negate,
      protocols: random() < 0.8 ? ['tcp'] : [pick(random, ['udp', 'th'])],
      ports: Array.from({ length: 1 + Math.floor(random() * 3) }, () => portRange(random)),
    };
  }
  if (roll < 0.7) {
    const v6 = random() < 0.35;
    return {
      kind: 'address',
      field: random() < 0.9 ? 'saddr' : 'daddr',
      family: v6 ? 'ipv6' : 'ipv4',
      negate,
      ranges: addressRanges(random, v6 ? V6 : V4),
    };
  }
  if (roll < 0.82) {
    return { kind: 'interface', direction: random() < 0.85 ? 'in' : 'out', negate, names: some(random, INTERFACES, 2) };
  }
  if (roll < 0.93) return { kind: 'ctState', negate, states: pick(random, STATES) };
  return { kind: 'unknown', text: pick(random, ['limit rate 10/second', 'tcp flags syn', 'meta mark 0x1']) };
}

function randomAction(random: Random, chains: string[]): Action {
  const roll = random();
  if (roll < 0.3) return { kind: 'accept' };
  if (roll < 0.48) return { kind: pick(random, ['drop', 'reject'] as const) };
  if (roll < 0.55) return { kind: 'return' };
  if (roll < 0.6) return { kind: 'continue' };
  if (roll < 0.82 && chains.length > 0) {
    // Now and then a jump to a chain that does not exist.
    const chain = random() < 0.9 ? pick(random, chains) : 'missing';
    return { kind: random() < 0.75 ? 'jump' : 'goto', chain };
  }
  if (roll < 0.88) return { kind: 'nat' };
  if (roll < 0.92) return { kind: 'dnat', address: '172.17.0.2', port: 8080 };
  return { kind: 'unknown', text: 'queue num 1' };
}

function randomRules(random: Random, chains: string[], label: string, sharedOrigin: Origin): FirewallRule[] {
  const count = Math.floor(random() * 9);
  return Array.from({ length: count }, (_, index) => ({
    matches: Array.from({ length: Math.floor(random() * 4) }, () => randomMatch(random)),
    action: randomAction(random, chains),
    // Some rules share an origin, as ufw's standard rules do, to exercise de-duplication.
    origin:
      random() < 0.1 ? sharedOrigin : { file: '/etc/nftables.conf', line: index + 1, text: `${label} rule ${index}` },
  }));
}

function randomTable(random: Random, index: number, sharedOrigin: Origin): FirewallTable {
  const family = pick(random, ['inet', 'inet', 'ip', 'ip6', 'bridge'] as const satisfies readonly TableFamily[]);
  const regular = Array.from({ length: Math.floor(random() * 4) }, (_, n) => `chain${n}`);
  const chains: FirewallChain[] = [];
  const bases = 1 + Math.floor(random() * 2);
  for (let n = 0; n < bases; n++) {
    const hook = random() < 0.85 ? 'input' : pick(random, ['forward', 'prerouting']);
    chains.push({
      name: `base${n}`,
      hook,
      type: random() < 0.9 ? 'filter' : 'nat',
      priority: pick(random, [-10, 0, 0, 10]),
      policy: random() < 0.6 ? 'drop' : 'accept',
      rules: randomRules(random, regular, `t${index} base${n}`, sharedOrigin),
      ...(random() < 0.8 ? { origin: { file: '/etc/nftables.conf', text: `t${index} base${n} policy` } } : {}),
    });
  }
  for (const name of regular) {
    chains.push({
      name,
      type: 'filter',
      priority: 0,
      policy: 'accept',
      rules: randomRules(random, regular, `t${index} ${name}`, sharedOrigin),
    });
  }
  return { backend: 'nftables', family, name: `t${index}`, chains };
}

export function randomRuleset(seed: number): FirewallRuleset {
  const random = seededRandom(seed);
  const sharedOrigin: Origin = { text: 'shared standard rule' };
  const tables = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, index) =>
    randomTable(random, index, sharedOrigin),
  );
  return { tables, problems: [] };
}
