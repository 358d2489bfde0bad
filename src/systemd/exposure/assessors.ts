// security_assessor_table[] of systemd 252 (src/analyze/analyze-security.c): ids, weights, ranges and texts as
// `SYSTEMD_ANALYZE_DEBUG=1 systemd-analyze security` of v252 prints them, one small assess function each.
import { type CapabilityName, capabilityMask } from './capabilities.js';
import type { BooleanSetting, Namespace, SecurityInfo } from './security-info.js';
import { offendingSyscall } from './syscall-filter.js';

/** An assessor's verdict: badness 0 (good) … range (bad), or undefined when it does not apply. */
export interface Verdict {
  badness: number | undefined;
  /** Replaces the good/bad text when the assessor says something more specific. */
  description?: string;
}

export interface Assessor {
  id: string;
  weight: number;
  range: number;
  good?: string;
  bad?: string;
  notApplicable?: string;
  /** The directive (in the unit's [Service] section unless it says otherwise) that brings badness to 0. */
  fix: string;
  /** The unit settings that decide the verdict, for pointing at the line. */
  settings: readonly string[];
  /** Settings that only apply to units with default dependencies (not early-boot units). */
  defaultDependenciesOnly?: boolean;
  assess(info: SecurityInfo): Verdict;
}

const RUNS_AS_ROOT_NA = 'Service runs as root, option does not matter';

/** security_info_runs_privileged(): root by name or uid, or no User= without DynamicUser=. */
function runsPrivileged(info: SecurityInfo): boolean {
  if (info.user === '0' || info.user === 'root') return true;
  if (info.dynamicUser) return false;
  return info.user === undefined || info.user === '';
}

const emptyOrRoot = (path: string | undefined) => path === undefined || /^\/*$/.test(path);

function bool(key: BooleanSetting, weight: number, good: string, bad: string, extra: Partial<Assessor> = {}): Assessor {
  return {
    id: `${key}=`,
    weight,
    range: 1,
    good,
    bad,
    fix: `${key}=yes`,
    settings: [key],
    assess: (info) => ({ badness: info.booleans[key] ? 0 : 1 }),
    ...extra,
  };
}

function capability(id: string, caps: CapabilityName[], weight: number, good: string, bad: string): Assessor {
  const mask = capabilityMask(...caps); // spread-ok: a fixed list of a few capability names
  return {
    id: `CapabilityBoundingSet=~${id}`,
    weight,
    range: 1,
    good,
    bad,
    fix: `CapabilityBoundingSet=~${caps.join(' ')}`,
    settings: ['CapabilityBoundingSet'],
    assess: (info) => ({ badness: (info.capabilityBoundingSet & mask) !== 0n ? 1 : 0 }),
  };
}

function namespace(name: Namespace, weight: number, what: string): Assessor {
  return {
    id: `RestrictNamespaces=~${name}`,
    weight,
    range: 1,
    good: `Service cannot create ${what} namespaces`,
    bad: `Service may create ${what} namespaces`,
    fix: 'RestrictNamespaces=yes',
    settings: ['RestrictNamespaces'],
    assess: (info) => ({ badness: info.allowedNamespaces.has(name) ? 1 : 0 }),
  };
}

function addressFamily(
  id: string,
  bucket: keyof SecurityInfo['addressFamilies'],
  weight: number,
  what: string,
  fix: string,
): Assessor {
  return {
    id: `RestrictAddressFamilies=~${id}`,
    weight,
    range: 1,
    good: `Service cannot allocate ${what} sockets`,
    bad: `Service may allocate ${what} sockets`,
    fix,
    settings: ['RestrictAddressFamilies'],
    assess: (info) => ({ badness: info.addressFamilies[bucket] ? 1 : 0 }),
  };
}

function syscallGroup(group: string, weight: number): Assessor {
  return {
    id: `SystemCallFilter=~${group}`,
    weight,
    range: 10,
    fix: `SystemCallFilter=~${group}`,
    settings: ['SystemCallFilter'],
    assess: ({ systemCallFilter: filter }) => {
      if (!filter || (!filter.allowList && filter.names.size === 0)) {
        return { badness: 10, description: 'Service does not filter system calls' };
      }
      const offender = offendingSyscall(filter, group);
      if (filter.allowList) {
        return offender
          ? {
              badness: 9,
              description: `System call allow list defined for service, and ${group} is included (e.g. ${offender} is allowed)`,
            }
          : { badness: 0, description: `System call allow list defined for service, and ${group} is not included` };
      }
      return offender
        ? {
            badness: 10,
            description: `System call deny list defined for service, and ${group} is not included (e.g. ${offender} is allowed)`,
          }
        : { badness: 0, description: `System call deny list defined for service, and ${group} is included` };
    },
  };
}

function graded(
  id: string,
  weight: number,
  range: number,
  fix: string,
  settings: string[],
  assess: Assessor['assess'],
  extra: Partial<Assessor> = {},
): Assessor {
  return { id, weight, range, fix, settings, assess, ...extra };
}

export const ASSESSORS: readonly Assessor[] = [
  graded(
    'User=/DynamicUser=',
    2000,
    10,
    'DynamicUser=yes, or User= an unprivileged account of its own',
    ['User', 'DynamicUser'],
    (info) => {
      if (info.user === 'nobody') {
        return {
          badness: 9,
          description: "Service runs under as 'nobody' user, which should not be used for services",
        };
      }
      if (info.dynamicUser && info.user !== '0' && info.user !== 'root') {
        return { badness: 0, description: 'Service runs under a transient non-root user identity' };
      }
      if (info.user !== undefined && !['0', 'root', ''].includes(info.user)) {
        return { badness: 0, description: 'Service runs under a static non-root user identity' };
      }
      return { badness: 10 };
    },
    { bad: 'Service runs as root user' },
  ),
  graded(
    'SupplementaryGroups=',
    200,
    1,
    'no SupplementaryGroups=',
    ['SupplementaryGroups'],
    (info) => ({
      badness: runsPrivileged(info) ? undefined : info.supplementaryGroups.length > 0 ? 1 : 0,
    }),
    {
      good: 'Service has no supplementary groups',
      bad: 'Service runs with supplementary groups',
      notApplicable: RUNS_AS_ROOT_NA,
    },
  ),
  bool(
    'PrivateDevices',
    1000,
    'Service has no access to hardware devices',
    'Service potentially has access to hardware devices',
  ),
  bool('PrivateMounts', 1000, 'Service cannot install system mounts', 'Service may install system mounts'),
  bool(
    'PrivateNetwork',
    2500,
    "Service has no access to the host's network",
    "Service has access to the host's network",
    {
      fix: 'PrivateNetwork=yes, only for a service that needs no network (a signer must reach its node: it keeps this one and limits the network with IPAddressDeny=any, IPAddressAllow=localhost)',
    },
  ),
  bool(
    'PrivateTmp',
    1000,
    "Service has no access to other software's temporary files",
    "Service has access to other software's temporary files",
    { defaultDependenciesOnly: true },
  ),
  bool('PrivateUsers', 1000, 'Service does not have access to other users', 'Service has access to other users'),
  bool(
    'ProtectControlGroups',
    1000,
    'Service cannot modify the control group file system',
    'Service may modify the control group file system',
  ),
  bool(
    'ProtectKernelModules',
    1000,
    'Service cannot load or read kernel modules',
    'Service may load or read kernel modules',
  ),
  bool(
    'ProtectKernelTunables',
    1000,
    'Service cannot alter kernel tunables (/proc/sys, …)',
    'Service may alter kernel tunables',
  ),
  bool(
    'ProtectKernelLogs',
    1000,
    'Service cannot read from or write to the kernel log ring buffer',
    'Service may read from or write to the kernel log ring buffer',
  ),
  bool(
    'ProtectClock',
    1000,
    'Service cannot write to the hardware clock or system clock',
    'Service may write to the hardware clock or system clock',
  ),
  graded(
    'ProtectHome=',
    1000,
    10,
    'ProtectHome=yes',
    ['ProtectHome', 'DynamicUser'],
    (info) => {
      if (info.protectHome === 'yes') return { badness: 0, description: 'Service has no access to home directories' };
      if (info.protectHome === 'read-only')
        return { badness: 5, description: 'Service has read-only access to home directories' };
      if (info.protectHome === 'tmpfs')
        return { badness: 1, description: 'Service has access to fake empty home directories' };
      return { badness: 10, description: 'Service has full access to home directories' };
    },
    { defaultDependenciesOnly: true },
  ),
  bool(
    'ProtectHostname',
    50,
    'Service cannot change system host/domainname',
    'Service may change system host/domainname',
  ),
  graded(
    'ProtectSystem=',
    1000,
    10,
    'ProtectSystem=strict',
    ['ProtectSystem', 'DynamicUser'],
    (info) => {
      if (info.protectSystem === 'strict')
        return { badness: 0, description: 'Service has strict read-only access to the OS file hierarchy' };
      if (info.protectSystem === 'full')
        return { badness: 3, description: 'Service has very limited write access to the OS file hierarchy' };
      if (info.protectSystem === 'yes')
        return { badness: 5, description: 'Service has limited write access to the OS file hierarchy' };
      return { badness: 10, description: 'Service has full access to the OS file hierarchy' };
    },
    { defaultDependenciesOnly: true },
  ),
  graded(
    'RootDirectory=/RootImage=',
    200,
    1,
    'RootDirectory= or RootImage= (a root of its own)',
    ['RootDirectory', 'RootImage'],
    (info) => ({
      badness: emptyOrRoot(info.rootDirectory) && emptyOrRoot(info.rootImage) ? 1 : 0,
    }),
    {
      good: 'Service has its own root directory/image',
      bad: "Service runs within the host's root directory",
      defaultDependenciesOnly: true,
    },
  ),
  bool('LockPersonality', 100, 'Service cannot change ABI personality', 'Service may change ABI personality'),
  bool(
    'MemoryDenyWriteExecute',
    100,
    'Service cannot create writable executable memory mappings',
    'Service may create writable executable memory mappings',
  ),
  bool(
    'NoNewPrivileges',
    1000,
    'Service processes cannot acquire new privileges',
    'Service processes may acquire new privileges',
  ),
  capability(
    'CAP_SYS_ADMIN',
    ['CAP_SYS_ADMIN'],
    1500,
    'Service has no administrator privileges',
    'Service has administrator privileges',
  ),
  capability(
    'CAP_SET(UID|GID|PCAP)',
    ['CAP_SETUID', 'CAP_SETGID', 'CAP_SETPCAP'],
    1500,
    'Service cannot change UID/GID identities/capabilities',
    'Service may change UID/GID identities/capabilities',
  ),
  capability(
    'CAP_SYS_PTRACE',
    ['CAP_SYS_PTRACE'],
    1500,
    'Service has no ptrace() debugging abilities',
    'Service has ptrace() debugging abilities',
  ),
  capability(
    'CAP_SYS_TIME',
    ['CAP_SYS_TIME'],
    1000,
    'Service processes cannot change the system clock',
    'Service processes may change the system clock',
  ),
  capability(
    'CAP_NET_ADMIN',
    ['CAP_NET_ADMIN'],
    1000,
    'Service has no network configuration privileges',
    'Service has network configuration privileges',
  ),
  capability('CAP_SYS_RAWIO', ['CAP_SYS_RAWIO'], 1000, 'Service has no raw I/O access', 'Service has raw I/O access'),
  capability(
    'CAP_SYS_MODULE',
    ['CAP_SYS_MODULE'],
    1000,
    'Service cannot load kernel modules',
    'Service may load kernel modules',
  ),
  capability(
    'CAP_AUDIT_*',
    ['CAP_AUDIT_CONTROL', 'CAP_AUDIT_READ', 'CAP_AUDIT_WRITE'],
    500,
    'Service has no audit subsystem access',
    'Service has audit subsystem access',
  ),
  capability(
    'CAP_SYSLOG',
    ['CAP_SYSLOG'],
    500,
    'Service has no access to kernel logging',
    'Service has access to kernel logging',
  ),
  capability(
    'CAP_SYS_(NICE|RESOURCE)',
    ['CAP_SYS_NICE', 'CAP_SYS_RESOURCE'],
    500,
    'Service has no privileges to change resource use parameters',
    'Service has privileges to change resource use parameters',
  ),
  capability('CAP_MKNOD', ['CAP_MKNOD'], 500, 'Service cannot create device nodes', 'Service may create device nodes'),
  capability(
    'CAP_(CHOWN|FSETID|SETFCAP)',
    ['CAP_CHOWN', 'CAP_FSETID', 'CAP_SETFCAP'],
    1000,
    'Service cannot change file ownership/access mode/capabilities',
    'Service may change file ownership/access mode/capabilities unrestricted',
  ),
  capability(
    'CAP_(DAC_*|FOWNER|IPC_OWNER)',
    ['CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_IPC_OWNER'],
    1000,
    'Service cannot override UNIX file/IPC permission checks',
    'Service may override UNIX file/IPC permission checks',
  ),
  capability(
    'CAP_KILL',
    ['CAP_KILL'],
    500,
    'Service cannot send UNIX signals to arbitrary processes',
    'Service may send UNIX signals to arbitrary processes',
  ),
  capability(
    'CAP_NET_(BIND_SERVICE|BROADCAST|RAW)',
    ['CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_RAW'],
    500,
    'Service has no elevated networking privileges',
    'Service has elevated networking privileges',
  ),
  capability('CAP_SYS_BOOT', ['CAP_SYS_BOOT'], 100, 'Service cannot issue reboot()', 'Service may issue reboot()'),
  capability(
    'CAP_MAC_*',
    ['CAP_MAC_ADMIN', 'CAP_MAC_OVERRIDE'],
    100,
    'Service cannot adjust SMACK MAC',
    'Service may adjust SMACK MAC',
  ),
  capability(
    'CAP_LINUX_IMMUTABLE',
    ['CAP_LINUX_IMMUTABLE'],
    75,
    'Service cannot mark files immutable',
    'Service may mark files immutable',
  ),
  capability(
    'CAP_IPC_LOCK',
    ['CAP_IPC_LOCK'],
    50,
    'Service cannot lock memory into RAM',
    'Service may lock memory into RAM',
  ),
  capability('CAP_SYS_CHROOT', ['CAP_SYS_CHROOT'], 50, 'Service cannot issue chroot()', 'Service may issue chroot()'),
  capability(
    'CAP_BLOCK_SUSPEND',
    ['CAP_BLOCK_SUSPEND'],
    25,
    'Service cannot establish wake locks',
    'Service may establish wake locks',
  ),
  capability(
    'CAP_WAKE_ALARM',
    ['CAP_WAKE_ALARM'],
    25,
    'Service cannot program timers that wake up the system',
    'Service may program timers that wake up the system',
  ),
  capability('CAP_LEASE', ['CAP_LEASE'], 25, 'Service cannot create file leases', 'Service may create file leases'),
  capability(
    'CAP_SYS_TTY_CONFIG',
    ['CAP_SYS_TTY_CONFIG'],
    25,
    'Service cannot issue vhangup()',
    'Service may issue vhangup()',
  ),
  capability('CAP_SYS_PACCT', ['CAP_SYS_PACCT'], 25, 'Service cannot use acct()', 'Service may use acct()'),
  capability('CAP_BPF', ['CAP_BPF'], 25, 'Service cannot load BPF programs', 'Service may load BPF programs'),
  graded('UMask=', 100, 10, 'UMask=0077', ['UMask'], ({ umask }) => {
    if ((umask & 0o002) === 0)
      return { badness: 10, description: 'Files created by service are world-writable by default' };
    if ((umask & 0o004) === 0)
      return { badness: 5, description: 'Files created by service are world-readable by default' };
    if ((umask & 0o020) === 0)
      return { badness: 2, description: 'Files created by service are group-writable by default' };
    if ((umask & 0o040) === 0)
      return { badness: 1, description: 'Files created by service are group-readable by default' };
    return { badness: 0, description: "Files created by service are accessible only by service's own user by default" };
  }),
  graded(
    'KeyringMode=',
    1000,
    1,
    'KeyringMode=private',
    ['KeyringMode'],
    (info) => ({ badness: info.keyringMode === 'private' ? 0 : 1 }),
    {
      good: "Service doesn't share key material with other services",
      bad: 'Service shares key material with other service',
    },
  ),
  graded(
    'ProtectProc=',
    1000,
    3,
    'ProtectProc=invisible',
    ['ProtectProc'],
    ({ protectProc }) => ({
      badness: protectProc === 'noaccess' ? 1 : protectProc === 'invisible' || protectProc === 'ptraceable' ? 0 : 3,
    }),
    {
      good: 'Service has restricted access to process tree (/proc hidepid=)',
      bad: 'Service has full access to process tree (/proc hidepid=)',
    },
  ),
  graded(
    'ProcSubset=',
    10,
    1,
    'ProcSubset=pid',
    ['ProcSubset'],
    (info) => ({ badness: info.procSubset === 'pid' ? 0 : 1 }),
    {
      good: 'Service has no access to non-process /proc files (/proc subset=)',
      bad: 'Service has full access to non-process /proc files (/proc subset=)',
    },
  ),
  graded(
    'NotifyAccess=',
    1000,
    1,
    'NotifyAccess=main (or none)',
    ['NotifyAccess'],
    (info) => ({ badness: info.notifyAccess === 'all' ? 1 : 0 }),
    {
      good: 'Service child processes cannot alter service state',
      bad: 'Service child processes may alter service state',
    },
  ),
  graded(
    'RemoveIPC=',
    100,
    1,
    'RemoveIPC=yes',
    ['RemoveIPC'],
    (info) => ({
      badness: runsPrivileged(info) ? undefined : info.booleans.RemoveIPC ? 0 : 1,
    }),
    {
      good: 'Service user cannot leave SysV IPC objects around',
      bad: 'Service user may leave SysV IPC objects around',
      notApplicable: 'Service runs as root, option does not apply',
    },
  ),
  graded('Delegate=', 100, 1, 'Delegate=no', ['Delegate'], (info) => ({ badness: info.delegate ? 1 : 0 }), {
    good: 'Service does not maintain its own delegated control group subtree',
    bad: 'Service maintains its own delegated control group subtree',
  }),
  bool(
    'RestrictRealtime',
    500,
    'Service realtime scheduling access is restricted',
    'Service may acquire realtime scheduling',
  ),
  bool(
    'RestrictSUIDSGID',
    1000,
    'SUID/SGID file creation by service is restricted',
    'Service may create SUID/SGID files',
  ),
  namespace('user', 1500, 'user'),
  namespace('mnt', 500, 'file system'),
  namespace('ipc', 500, 'IPC'),
  namespace('pid', 500, 'process'),
  namespace('cgroup', 500, 'cgroup'),
  namespace('net', 500, 'network'),
  namespace('uts', 100, 'hostname'),
  addressFamily(
    'AF_(INET|INET6)',
    'inet',
    1500,
    'Internet',
    'RestrictAddressFamilies=~AF_INET AF_INET6, only for a service that needs no IP network (a signer does)',
  ),
  addressFamily('AF_UNIX', 'unix', 25, 'local', 'RestrictAddressFamilies=~AF_UNIX'),
  addressFamily('AF_NETLINK', 'netlink', 200, 'netlink', 'RestrictAddressFamilies= an allow list without AF_NETLINK'),
  addressFamily('AF_PACKET', 'packet', 1000, 'packet', 'RestrictAddressFamilies= an allow list without AF_PACKET'),
  addressFamily('…', 'other', 1250, 'exotic', 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'),
  graded(
    'SystemCallArchitectures=',
    1000,
    10,
    'SystemCallArchitectures=native',
    ['SystemCallArchitectures'],
    ({ systemCallArchitectures: archs }) => {
      if (archs.size === 0) return { badness: 10, description: 'Service may execute system calls with all ABIs' };
      // --offline=true of v252 counts only a list of exactly "native" as native (verified against the binary).
      if (archs.size === 1 && archs.has('native'))
        return { badness: 0, description: 'Service may execute system calls only with native ABI' };
      return { badness: 8, description: 'Service may execute system calls with multiple ABIs' };
    },
  ),
  syscallGroup('@swap', 1000),
  syscallGroup('@obsolete', 250),
  syscallGroup('@clock', 1000),
  syscallGroup('@cpu-emulation', 250),
  syscallGroup('@debug', 1000),
  syscallGroup('@mount', 1000),
  syscallGroup('@module', 1000),
  syscallGroup('@raw-io', 1000),
  syscallGroup('@reboot', 1000),
  syscallGroup('@privileged', 700),
  syscallGroup('@resources', 700),
  graded(
    'IPAddressDeny=',
    1000,
    10,
    'IPAddressDeny=any (then IPAddressAllow= only what the service must reach)',
    ['IPAddressDeny', 'IPAddressAllow'],
    ({ ipAccess }) => {
      if (!ipAccess.denyAll) return { badness: 10, description: 'Service does not define an IP address allow list' };
      if (ipAccess.allowOther)
        return { badness: 5, description: 'Service defines IP address allow list with non-localhost entries' };
      if (ipAccess.allowLocalhost)
        return { badness: 2, description: 'Service defines IP address allow list with only localhost entries' };
      return { badness: 0, description: 'Service blocks all IP address ranges' };
    },
  ),
  graded(
    'DeviceAllow=',
    1000,
    10,
    'DevicePolicy=closed (or PrivateDevices=yes) without DeviceAllow=',
    ['DevicePolicy', 'DeviceAllow', 'PrivateDevices', 'ProtectClock'],
    (info) => {
      if (info.devicePolicy === 'auto') return { badness: 10, description: 'Service has no device ACL' };
      if (info.deviceAllow.length === 0) return { badness: 0, description: 'Service has a minimal device ACL' };
      return {
        badness: 5,
        description: `Service has a device ACL with some special devices: ${info.deviceAllow.join(', ')}`,
      };
    },
  ),
  graded(
    'AmbientCapabilities=',
    500,
    1,
    'no AmbientCapabilities=',
    ['AmbientCapabilities'],
    (info) => ({ badness: info.ambientCapabilities !== 0n ? 1 : 0 }),
    {
      good: 'Service process does not receive ambient capabilities',
      bad: 'Service process receives ambient capabilities',
    },
  ),
];
