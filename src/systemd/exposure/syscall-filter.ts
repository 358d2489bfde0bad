// SystemCallFilter= as systemd 252 builds it (config_parse_syscall_filter() in src/core/load-fragment.c,
// seccomp_parse_syscall_filter() in src/shared/seccomp-util.c) and the check analyze-security.c makes of it.
import { NOT_ON_X86_64, SYSCALL_GROUPS } from './syscall-groups.js';

export interface SyscallFilter {
  /** True: only the listed calls are allowed; false: the listed calls are denied. */
  allowList: boolean;
  /** The system calls in the filter (names; groups expanded). */
  names: Set<string>;
}

const ERRNO = /^(E[A-Z0-9]+|\d+)$/;

/**
 * Applies one assignment. An empty one resets the filter. The first assignment after a reset decides the mode:
 * "~" starts a deny list, anything else an allow list that starts with @default. After that, a word with the
 * list's own sense adds its calls, the opposite sense removes them (v252 does so for "~call:ERRNO" in an allow
 * list too: verified against the binary).
 */
export function applySyscallFilterAssignment(
  current: SyscallFilter | undefined,
  value: string,
): SyscallFilter | undefined {
  if (value === '') return undefined;
  const invert = value.startsWith('~');
  const filter = current ?? { allowList: !invert, names: new Set<string>() };
  if (!current && filter.allowList) for (const name of expandGroup('@default')) filter.names.add(name);

  for (const word of (invert ? value.slice(1) : value).split(/\s+/)) {
    if (word === '') continue;
    const colon = word.indexOf(':');
    const name = colon < 0 ? word : word.slice(0, colon);
    // parse_syscall_and_errno() refuses the whole word when the errno part is not an errno.
    if (colon >= 0 && !ERRNO.test(word.slice(colon + 1))) continue;
    const keep = !invert === filter.allowList;
    for (const call of name.startsWith('@') ? expandGroup(name) : [name]) {
      if (keep) filter.names.add(call);
      else filter.names.delete(call);
    }
  }
  return filter;
}

/** The calls of a group, nested groups expanded, in systemd's order; an unknown group has none. */
export function expandGroup(group: string): string[] {
  const members = SYSCALL_GROUPS[group];
  if (!members) return [];
  return members.flatMap((member) => (member.startsWith('@') ? expandGroup(member) : [member]));
}

/**
 * syscall_names_in_filter(): the first call of the group that gets through the filter — listed in an allow
 * list, or missing from a deny list. Calls that don't exist on x86-64 are skipped, as systemd skips calls
 * libseccomp can't resolve.
 */
export function offendingSyscall(filter: SyscallFilter, group: string): string | undefined {
  return expandGroup(group).find((call) => !NOT_ON_X86_64.has(call) && filter.names.has(call) === filter.allowList);
}
