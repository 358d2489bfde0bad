// What makes an account privileged: the groups that hand out root (or read what root guards), and which sudoers
// principals cover an account. Read by identity/signer-user-unprivileged and by harden's account planner.
import type { HeldGroup } from './service-accounts.js';

/** Groups that hand out root, or read what root guards, and why. */
export const PRIVILEGED_GROUPS: Readonly<Record<string, string>> = {
  root: "group access to root's files",
  sudo: 'sudo (Debian/Ubuntu default rule %sudo)',
  wheel: 'sudo/su (RHEL default rule %wheel)',
  admin: 'sudo (older Ubuntu rule %admin)',
  adm: 'reads the system logs in /var/log',
  docker: 'root-equivalent through the Docker socket',
  lxd: 'root-equivalent through LXD',
  disk: 'raw access to block devices, so to every file',
  shadow: 'reads /etc/shadow password hashes',
  'systemd-journal': 'reads the whole system journal',
};

/** Does a sudoers principal (`name`, `#uid`, `%group`, `%#gid`, `ALL`) cover this account? */
export function grantCovers(
  principal: string,
  user: { name?: string; uid?: number },
  groups: readonly HeldGroup[],
): boolean {
  if (principal === 'ALL') return true;
  if (principal.startsWith('%#'))
    return groups.some((group) => group.gid !== undefined && `%#${group.gid}` === principal);
  if (principal.startsWith('%')) return groups.some((group) => `%${group.name}` === principal);
  if (principal.startsWith('#')) return user.uid !== undefined && principal === `#${user.uid}`;
  return user.name !== undefined && principal === user.name;
}
