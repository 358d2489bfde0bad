import { parseAddressRange } from './address-range.js';
import type { AddressRange, PortRange } from './model.js';

// Turns the values readers find (`22`, `1000-2000`, iptables' `1000:2000`, `ssh`, `10.0.0.0/8`) into model ranges.
// Undefined means "not understood": the caller makes the match unknown instead of guessing.

/** The service names /etc/services gives the ports a signer host cares about. */
const SERVICES: Record<string, number> = { ssh: 22, http: 80, https: 443, domain: 53, smtp: 25, ftp: 21, telnet: 23 };

export function parsePort(text: string): number | undefined {
  const value = /^\d{1,5}$/.test(text) ? Number(text) : SERVICES[text];
  return value !== undefined && value <= 65535 ? value : undefined;
}

export function parsePortValues(values: readonly string[]): PortRange[] | undefined {
  const ranges: PortRange[] = [];
  for (const value of values) {
    const range = /^([^:-]+)[-:]([^:-]*)$/.exec(value);
    if (range) {
      const from = range[1] === '' ? 0 : parsePort(range[1]!);
      const to = range[2] === '' ? 65535 : parsePort(range[2]!);
      if (from === undefined || to === undefined || from > to) return undefined;
      ranges.push({ from, to });
      continue;
    }
    const port = parsePort(value);
    if (port === undefined) return undefined;
    ranges.push({ from: port, to: port });
  }
  return ranges.length ? ranges : undefined;
}

/** `< 1024` and friends, as a range. */
export function comparisonRange(op: string, port: number): PortRange | undefined {
  if (op === '<' || op === 'lt') return port > 0 ? { from: 0, to: port - 1 } : undefined;
  if (op === '<=' || op === 'le') return { from: 0, to: port };
  if (op === '>' || op === 'gt') return port < 65535 ? { from: port + 1, to: 65535 } : undefined;
  if (op === '>=' || op === 'ge') return { from: port, to: 65535 };
  return undefined;
}

export function parseAddressValues(values: readonly string[]): AddressRange[] | undefined {
  const ranges: AddressRange[] = [];
  for (const value of values) {
    const range = parseAddressRange(value);
    if (!range) return undefined;
    ranges.push(range);
  }
  return ranges.length ? ranges : undefined;
}

const PROTOCOL_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'ipv6-icmp' };

export function normaliseProtocol(name: string): string {
  const lower = name.toLowerCase();
  return PROTOCOL_NUMBERS[lower] ?? (lower === 'icmpv6' ? 'ipv6-icmp' : lower);
}
