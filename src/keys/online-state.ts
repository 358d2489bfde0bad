// Is this machine online? Read from the kernel's own tables (no packet is ever sent): a key should be generated on a
// machine with no default route and no interface up but loopback.

export interface InterfaceAddress {
  address: string;
  internal: boolean;
}

/** /proc/net/route: an up (RTF_UP) IPv4 route with destination and mask 0.0.0.0. */
export function ipv4DefaultRoutes(procNetRoute: string): string[] {
  return procNetRoute
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(([iface, destination, , flags, , , , mask]) => {
      if (!iface || destination !== '00000000' || mask !== '00000000') return false;
      return (Number.parseInt(flags ?? '0', 16) & 0x1) !== 0;
    })
    .map(([iface]) => iface as string);
}

const RTF_UP = 0x1;
const RTF_REJECT = 0x200;

/**
 * /proc/net/ipv6_route (dest, dest_len, src, src_len, nexthop, metric, refcnt, use, flags, iface): an up route to ::/0
 * that is not a reject route (the kernel keeps an "unreachable ::/0" entry on lo in every namespace).
 */
export function ipv6DefaultRoutes(procNetIpv6Route: string): string[] {
  return procNetIpv6Route
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([destination, length, , , , , , , flags, iface]) => {
      if (!iface || !/^0{32}$/.test(destination ?? '') || length !== '00') return false;
      const bits = Number.parseInt(flags ?? '0', 16);
      return (bits & RTF_UP) !== 0 && (bits & RTF_REJECT) === 0;
    })
    .map((fields) => fields[9] as string);
}

/** Interfaces (as os.networkInterfaces() lists them: up and running) that are not loopback. */
export function externalInterfaces(interfaces: Record<string, InterfaceAddress[] | undefined>): string[] {
  return Object.entries(interfaces)
    .filter(([, addresses]) => (addresses ?? []).some((address) => !address.internal))
    .map(([name]) => name)
    .sort();
}

export interface OnlineState {
  defaultRoutes: string[];
  interfaces: string[];
}

/** One line for a warning, or undefined when the machine looks offline. */
export function describeOnlineState(state: OnlineState): string | undefined {
  const parts: string[] = [];
  if (state.defaultRoutes.length > 0)
    parts.push(`a default route (via ${[...new Set(state.defaultRoutes)].join(', ')})`);
  if (state.interfaces.length > 0)
    parts.push(`network interfaces up besides loopback (${state.interfaces.join(', ')})`);
  return parts.length > 0 ? `this machine has ${parts.join(' and ')}` : undefined;
}
