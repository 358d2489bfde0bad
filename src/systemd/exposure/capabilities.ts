// Capability sets as systemd 252 parses them: capability_set_from_string() and config_parse_capability_set() in
// src/shared/cap-list.c and src/core/load-fragment.c, with the names of linux/capability.h as of Linux 5.9.

/** Capability names in kernel order: the index is the bit. */
export const CAPABILITY_NAMES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

export type CapabilityName = (typeof CAPABILITY_NAMES)[number];

export const ALL_CAPABILITIES = (1n << 64n) - 1n;

const BY_NAME = new Map<string, number>(CAPABILITY_NAMES.map((name, bit) => [name.toLowerCase(), bit]));

/** The mask of the named capabilities. */
export function capabilityMask(...names: CapabilityName[]): bigint {
  return names.reduce((mask, name) => mask | (1n << BigInt(BY_NAME.get(name.toLowerCase()) ?? 0)), 0n);
}

/** capability_from_name(): a name in any case, or a number below 64. Undefined when unknown. */
export function capabilityFromName(word: string): number | undefined {
  if (/^\d+$/.test(word)) {
    const bit = Number(word);
    return bit < 64 ? bit : undefined;
  }
  return BY_NAME.get(word.toLowerCase());
}

/**
 * One CapabilityBoundingSet=/AmbientCapabilities= assignment applied to the current set. Unknown names are
 * skipped; when nothing known is named (an empty assignment, "~", or only unknown names) the set is replaced,
 * otherwise the first assignment replaces the initial value and later ones are merged (added, or removed
 * with "~").
 */
export function applyCapabilityAssignment(current: bigint, initial: bigint, value: string): bigint {
  const invert = value.startsWith('~');
  const words = (invert ? value.slice(1) : value).split(/\s+/).filter((word) => word !== '');
  let named = 0n;
  for (const word of words) {
    const bit = capabilityFromName(word);
    if (bit !== undefined) named |= 1n << BigInt(bit);
  }
  if (named === 0n || current === initial) return invert ? ALL_CAPABILITIES & ~named : named;
  return invert ? current & ~named : current | named;
}
