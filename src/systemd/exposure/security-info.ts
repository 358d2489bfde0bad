// What `systemd-analyze security --offline=true` (v252) knows about a service: the SecurityInfo that
// get_security_info() in src/analyze/analyze-security.c fills from the loaded unit, i.e. after systemd's own
// parsing (src/core/load-fragment.c) and unit_patch_contexts() (src/core/unit.c) ran. Pure: the effective unit in,
// settings out.
import {
  type EffectiveUnit,
  filterUnit,
  parseSystemdBoolean,
  type UnitAssignment,
} from '../../parsers/systemd-unit.js';
import { ALL_CAPABILITIES, applyCapabilityAssignment, capabilityMask } from './capabilities.js';
import { applyAddressAccess, type IpAccess } from './ip-access.js';
import { applySyscallFilterAssignment, type SyscallFilter } from './syscall-filter.js';

export type Namespace = 'cgroup' | 'ipc' | 'net' | 'mnt' | 'pid' | 'user' | 'uts' | 'time';
const NAMESPACES: readonly Namespace[] = ['cgroup', 'ipc', 'net', 'mnt', 'pid', 'user', 'uts', 'time'];

/** Which socket families the service may allocate, in the five buckets systemd assesses. */
export interface AddressFamilies {
  inet: boolean;
  unix: boolean;
  netlink: boolean;
  packet: boolean;
  other: boolean;
}

export interface SecurityInfo {
  defaultDependencies: boolean;
  user: string | undefined;
  dynamicUser: boolean;
  supplementaryGroups: string[];
  ambientCapabilities: bigint;
  capabilityBoundingSet: bigint;
  booleans: Record<BooleanSetting, boolean>;
  protectHome: 'no' | 'yes' | 'read-only' | 'tmpfs';
  protectSystem: 'no' | 'yes' | 'full' | 'strict';
  protectProc: 'default' | 'noaccess' | 'invisible' | 'ptraceable';
  procSubset: 'all' | 'pid';
  keyringMode: 'inherit' | 'private' | 'shared';
  notifyAccess: 'none' | 'main' | 'exec' | 'all';
  umask: number;
  delegate: boolean;
  rootDirectory: string | undefined;
  rootImage: string | undefined;
  devicePolicy: 'auto' | 'closed' | 'strict';
  deviceAllow: string[];
  /** Namespace types the service may create. */
  allowedNamespaces: Set<Namespace>;
  /** Socket families the service may allocate. */
  addressFamilies: AddressFamilies;
  systemCallArchitectures: Set<string>;
  systemCallFilter: SyscallFilter | undefined;
  ipAccess: IpAccess;
}

export const BOOLEAN_SETTINGS = [
  'PrivateDevices',
  'PrivateMounts',
  'PrivateNetwork',
  'PrivateTmp',
  'PrivateUsers',
  'ProtectControlGroups',
  'ProtectKernelModules',
  'ProtectKernelTunables',
  'ProtectKernelLogs',
  'ProtectClock',
  'ProtectHostname',
  'LockPersonality',
  'MemoryDenyWriteExecute',
  'NoNewPrivileges',
  'RemoveIPC',
  'RestrictRealtime',
  'RestrictSUIDSGID',
] as const;
export type BooleanSetting = (typeof BOOLEAN_SETTINGS)[number];

/** DynamicUser=yes turns these on whatever the unit says (unit_patch_contexts()). */
const FORCED_BY_DYNAMIC_USER: readonly BooleanSetting[] = [
  'PrivateTmp',
  'RemoveIPC',
  'NoNewPrivileges',
  'RestrictSUIDSGID',
];

/** seccomp_arch_from_string() of libseccomp 2.5 as systemd 252 accepts it; other names are ignored. */
const ARCHITECTURES = new Set([
  'native',
  'x86',
  'x86-64',
  'x32',
  'arm',
  'arm64',
  'mips',
  'mips64',
  'mips64-n32',
  'mips-le',
  'mips64-le',
  'mips64-le-n32',
  'parisc',
  'parisc64',
  'ppc',
  'ppc64',
  'ppc64-le',
  'riscv64',
  's390',
  's390x',
]);

/** systemd refuses to load the unit, so there is nothing to rate (it would not start either). */
export class UnitNotLoadable extends Error {
  constructor(
    message: string,
    readonly assignment: UnitAssignment,
  ) {
    super(message);
  }
}

/**
 * DynamicUser= is the one boolean whose parse error is fatal (its ltype is true in load-fragment-gperf): in the
 * unit file systemd refuses the unit; in a drop-in it stops reading that drop-in there and goes on with the next
 * (verified against the v252 binary). Returns the unit as systemd read it.
 */
function applyFatalDynamicUser(unit: EffectiveUnit): EffectiveUnit {
  const fatal = unit.assignments.filter(
    (assignment) =>
      assignment.section === 'Service' &&
      assignment.key === 'DynamicUser' &&
      parseSystemdBoolean(assignment.value) === undefined,
  );
  const inUnitFile = fatal.find((assignment) => assignment.file === unit.files[0]);
  if (inUnitFile) {
    throw new UnitNotLoadable(
      `DynamicUser=${inUnitFile.value} at ${inUnitFile.file}:${inUnitFile.line} is not a boolean; systemd refuses to load ${unit.name} (bad-setting)`,
      inUnitFile,
    );
  }
  if (fatal.length === 0) return unit;
  const stopAt = new Map<string, number>();
  for (const { file, line } of fatal) stopAt.set(file, Math.min(line, stopAt.get(file) ?? line));
  return filterUnit(unit, ({ file, line }) => line < (stopAt.get(file) ?? Number.POSITIVE_INFINITY));
}

export function readSecurityInfo(effective: EffectiveUnit): SecurityInfo {
  const unit = applyFatalDynamicUser(effective);
  const service = (key: string) => assignments(unit, 'Service', key);
  const dynamicUser = unit.bool('Service', 'DynamicUser') ?? false;
  const booleans = Object.fromEntries(
    BOOLEAN_SETTINGS.map((key) => [
      key,
      (dynamicUser && FORCED_BY_DYNAMIC_USER.includes(key)) || (unit.bool('Service', key) ?? false),
    ]),
  ) as Record<BooleanSetting, boolean>;

  let capabilityBoundingSet = ALL_CAPABILITIES;
  for (const { value } of service('CapabilityBoundingSet')) {
    capabilityBoundingSet = applyCapabilityAssignment(capabilityBoundingSet, ALL_CAPABILITIES, value);
  }
  let ambientCapabilities = 0n;
  for (const { value } of service('AmbientCapabilities')) {
    ambientCapabilities = applyCapabilityAssignment(ambientCapabilities, 0n, value);
  }
  // unit_patch_contexts(): these settings also drop the capabilities they make useless.
  if (booleans.PrivateDevices) capabilityBoundingSet &= ~capabilityMask('CAP_MKNOD', 'CAP_SYS_RAWIO');
  if (booleans.ProtectKernelModules) capabilityBoundingSet &= ~capabilityMask('CAP_SYS_MODULE');
  if (booleans.ProtectKernelLogs) capabilityBoundingSet &= ~capabilityMask('CAP_SYSLOG');
  if (booleans.ProtectClock) capabilityBoundingSet &= ~capabilityMask('CAP_SYS_TIME', 'CAP_WAKE_ALARM');

  // An empty User= resets it; DynamicUser=yes without User= makes one up from the unit name (never root).
  let user = unit.get('Service', 'User')?.value;
  if (dynamicUser && user === undefined) user = unit.name.replace(/\.service$/, '');

  let protectSystem = lastLevel(unit, 'ProtectSystem', ['full', 'strict'] as const);
  let protectHome = lastLevel(unit, 'ProtectHome', ['read-only', 'tmpfs'] as const);
  if (dynamicUser) {
    protectSystem = 'strict';
    if (protectHome === 'no') protectHome = 'read-only';
  }

  const rootImage = pathSetting(unit, 'RootImage');
  let devicePolicy = lastEnum(unit, 'DevicePolicy', ['auto', 'closed', 'strict'] as const, 'auto');
  const deviceAllow = unit.list('Service', 'DeviceAllow').flatMap(({ value }) => deviceAllowEntry(value));
  if (booleans.PrivateDevices && devicePolicy === 'auto') devicePolicy = 'closed';
  // RootImage= needs loop and device-mapper nodes, which systemd adds to a device list that is in force.
  if (rootImage && (devicePolicy !== 'auto' || deviceAllow.length > 0)) {
    deviceAllow.push('/dev/loop-control', 'block-loop', 'block-blkext', 'block-device-mapper');
  }
  if (booleans.ProtectClock) deviceAllow.push('char-rtc');

  return {
    defaultDependencies: unit.bool('Unit', 'DefaultDependencies') ?? true,
    user,
    dynamicUser,
    supplementaryGroups: unit.list('Service', 'SupplementaryGroups').flatMap(({ value }) => splitList(value)),
    ambientCapabilities,
    capabilityBoundingSet,
    booleans,
    protectHome,
    protectSystem,
    protectProc: lastEnum(unit, 'ProtectProc', ['default', 'noaccess', 'invisible', 'ptraceable'] as const, 'default'),
    procSubset: lastEnum(unit, 'ProcSubset', ['all', 'pid'] as const, 'all'),
    // The system manager's default keyring mode is "private".
    keyringMode: lastEnum(unit, 'KeyringMode', ['inherit', 'private', 'shared'] as const, 'private'),
    notifyAccess: notifyAccess(unit),
    umask: umask(unit),
    delegate: delegate(unit),
    rootDirectory: pathSetting(unit, 'RootDirectory'),
    rootImage,
    devicePolicy,
    deviceAllow,
    allowedNamespaces: allowedNamespaces(service('RestrictNamespaces')),
    addressFamilies: addressFamilies(service('RestrictAddressFamilies')),
    systemCallArchitectures: new Set(
      unit
        .list('Service', 'SystemCallArchitectures')
        .flatMap(({ value }) => splitList(value).filter((arch) => ARCHITECTURES.has(arch))),
    ),
    systemCallFilter: service('SystemCallFilter').reduce<SyscallFilter | undefined>(
      (filter, { value }) => applySyscallFilterAssignment(filter, value),
      undefined,
    ),
    ipAccess: applyAddressAccess(unit.list('Service', 'IPAddressAllow'), unit.list('Service', 'IPAddressDeny')),
  };
}

function assignments(unit: EffectiveUnit, section: string, key: string): UnitAssignment[] {
  return unit.assignments.filter((assignment) => assignment.section === section && assignment.key === key);
}

function splitList(value: string): string[] {
  return value.split(/\s+/).filter((word) => word !== '');
}

/** An enum setting: the last assignment systemd can parse wins; empty or unknown values are ignored. */
function lastEnum<V extends string>(unit: EffectiveUnit, key: string, values: readonly V[], fallback: V): V {
  return lastParsed(
    unit,
    key,
    (value) => ((values as readonly string[]).includes(value) ? (value as V) : undefined),
    fallback,
  );
}

/** ProtectSystem=/ProtectHome=: parse_boolean() spellings as "yes"/"no", or one of the named levels. */
function lastLevel<V extends string>(unit: EffectiveUnit, key: string, levels: readonly V[]): V | 'yes' | 'no' {
  return lastParsed<V | 'yes' | 'no'>(
    unit,
    key,
    (value) => {
      const asBoolean = parseSystemdBoolean(value);
      if (asBoolean !== undefined) return asBoolean ? 'yes' : 'no';
      return (levels as readonly string[]).includes(value) ? (value as V) : undefined;
    },
    'no',
  );
}

function lastParsed<V>(unit: EffectiveUnit, key: string, parse: (value: string) => V | undefined, fallback: V): V {
  let result = fallback;
  for (const { value } of assignments(unit, 'Service', key)) result = parse(value) ?? result;
  return result;
}

/** NotifyAccess=; Type=notify raises "none" to "main", which assesses the same, so only "all" matters here. */
function notifyAccess(unit: EffectiveUnit): SecurityInfo['notifyAccess'] {
  return lastEnum(unit, 'NotifyAccess', ['none', 'main', 'exec', 'all'] as const, 'none');
}

/** UMask=: an octal mode up to 07777 (parse_mode()); anything else is ignored. Default 0022. */
function umask(unit: EffectiveUnit): number {
  let mask = 0o022;
  for (const { value } of assignments(unit, 'Service', 'UMask')) {
    if (/^[0-7]{1,4}$/.test(value)) mask = Number.parseInt(value, 8);
  }
  return mask;
}

/**
 * Delegate= (config_parse_delegate()): a boolean, or a list of controllers — which, like an empty assignment,
 * turns delegation on.
 */
function delegate(unit: EffectiveUnit): boolean {
  let on = false;
  for (const { value } of assignments(unit, 'Service', 'Delegate')) on = parseSystemdBoolean(value) ?? true;
  return on;
}

/** RootDirectory=/RootImage=: a path; an empty assignment resets it. */
function pathSetting(unit: EffectiveUnit, key: string): string | undefined {
  return unit.get('Service', key)?.value;
}

/** A DeviceAllow= entry: a /dev path or a char-/block- group, then optional access letters. */
function deviceAllowEntry(value: string): string[] {
  const [path] = splitList(value);
  return path && (path.startsWith('/dev/') || /^(char|block)-./.test(path)) ? [path] : [];
}

/**
 * RestrictNamespaces= (config_parse_restrict_namespaces()): a boolean replaces the set; a list (a bad name
 * voids the whole assignment) replaces the initial value and is merged into a set someone already chose;
 * "~" inverts; an empty assignment resets to the initial "anything".
 */
function allowedNamespaces(list: UnitAssignment[]): Set<Namespace> {
  let allowed = new Set<Namespace>(NAMESPACES);
  let initial = true;
  for (const { value } of list) {
    if (value === '') {
      allowed = new Set(NAMESPACES);
      initial = true;
      continue;
    }
    const asBoolean = parseSystemdBoolean(value);
    if (asBoolean !== undefined) {
      allowed = asBoolean ? new Set() : new Set(NAMESPACES);
      initial = false;
      continue;
    }
    const invert = value.startsWith('~');
    const names = splitList(invert ? value.slice(1) : value);
    if (!names.every((name): name is Namespace => (NAMESPACES as readonly string[]).includes(name))) continue;
    if (initial) allowed = new Set(invert ? NAMESPACES.filter((name) => !names.includes(name)) : names);
    else for (const name of names) invert ? allowed.delete(name) : allowed.add(name);
    initial = false;
  }
  return allowed;
}

/** af_from_name() aliases: the same family number under another name. */
const FAMILY_ALIASES: Record<string, string> = { af_local: 'af_unix', af_file: 'af_unix', af_route: 'af_netlink' };
const KNOWN_FAMILIES = new Set(
  'unix inet inet6 netlink packet ax25 ipx appletalk netrom bridge atmpvc x25 rose decnet netbeui security key ash econet atmsvc rds sna irda pppox wanpipe llc ib mpls can tipc bluetooth iucv rxrpc isdn phonet ieee802154 caif alg nfc vsock kcm qipcrtr smc xdp mctp'
    .split(' ')
    .map((name) => `af_${name}`),
);

function familyBucket(family: string): keyof AddressFamilies {
  if (family === 'af_inet' || family === 'af_inet6') return 'inet';
  if (family === 'af_unix') return 'unix';
  if (family === 'af_netlink') return 'netlink';
  if (family === 'af_packet') return 'packet';
  return 'other';
}

/**
 * RestrictAddressFamilies= (config_parse_address_families()): an empty assignment resets; "none" allows
 * nothing; the first list after either picks an allow list or ("~") a deny list; later ones add to it or, with
 * the other sense, take away. Unknown names are skipped. A bucket is allowed when an allow list names one of
 * its families, or a deny list names none of them.
 */
function addressFamilies(list: UnitAssignment[]): AddressFamilies {
  let allowList = false;
  let families: Set<string> | undefined;
  for (const { value } of list) {
    if (value === '' || value === 'none') {
      families = undefined;
      allowList = value === 'none';
      continue;
    }
    const invert = value.startsWith('~');
    if (!families) {
      families = new Set();
      allowList = !invert;
    }
    for (const word of splitList(invert ? value.slice(1) : value)) {
      const lower = word.toLowerCase();
      const family = FAMILY_ALIASES[lower] ?? lower;
      if (!KNOWN_FAMILIES.has(family)) continue;
      if (invert !== allowList) families.add(family);
      else families.delete(family);
    }
  }
  const named = new Set([...(families ?? [])].map(familyBucket));
  const allowed = (bucket: keyof AddressFamilies) => (allowList ? named.has(bucket) : !named.has(bucket));
  return {
    inet: allowed('inet'),
    unix: allowed('unix'),
    netlink: allowed('netlink'),
    packet: allowed('packet'),
    other: allowed('other'),
  };
}
