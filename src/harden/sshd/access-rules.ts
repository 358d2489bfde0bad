// Who may log in over SSH at all, from the parsed configuration (pure): AuthorizedKeysFile (first value wins) and
// AllowUsers/DenyUsers/AllowGroups/DenyGroups (every line adds), outside Match blocks as the startup pass sees them.

import type { SshdConfig, SshdConfigFile } from '../../parsers/sshd-config.js';

export interface AccessRules {
  /** AuthorizedKeysFile entries as written (`%h/.ssh/authorized_keys`, relative to the home when not absolute). */
  authorizedKeysFiles: string[];
  allowUsers: string[];
  denyUsers: string[];
  allowGroups: string[];
  denyGroups: string[];
}

/** OpenSSH's default AuthorizedKeysFile. */
export const DEFAULT_AUTHORIZED_KEYS = ['.ssh/authorized_keys', '.ssh/authorized_keys2'];

export function accessRules(config: SshdConfig | undefined): AccessRules {
  const rules: AccessRules = {
    authorizedKeysFiles: [],
    allowUsers: [],
    denyUsers: [],
    allowGroups: [],
    denyGroups: [],
  };
  let keysFilesSet = false;
  const walk = (file: SshdConfigFile) => {
    let inMatch = false;
    for (const node of file.nodes) {
      if (node.kind === 'match') inMatch = !/^all$/i.test(node.text.trim());
      else if (node.kind === 'include') {
        if (!inMatch) for (const target of node.targets) for (const included of target.files) walk(included);
      } else if (!inMatch) {
        const { keyword, args } = node.directive;
        if (keyword === 'authorizedkeysfile' && !keysFilesSet) {
          keysFilesSet = true;
          rules.authorizedKeysFiles = args.filter((arg) => arg.toLowerCase() !== 'none');
        } else if (keyword === 'allowusers') rules.allowUsers.push(...args);
        else if (keyword === 'denyusers') rules.denyUsers.push(...args);
        else if (keyword === 'allowgroups') rules.allowGroups.push(...args);
        else if (keyword === 'denygroups') rules.denyGroups.push(...args);
      }
    }
  };
  if (config?.main) walk(config.main);
  if (!keysFilesSet) rules.authorizedKeysFiles = [...DEFAULT_AUTHORIZED_KEYS];
  return rules;
}

/** `%h`, `%u`, `%U`, `%%` expanded; a relative path is taken from the home directory (sshd_config(5) TOKENS). */
export function expandKeysFile(pattern: string, user: { name: string; uid: number; home: string }): string {
  const expanded = pattern.replace(/%([%hHuU])/g, (_all, token: string) => {
    if (token === '%') return '%';
    if (token === 'h') return user.home;
    if (token === 'u') return user.name;
    if (token === 'U') return String(user.uid);
    return `%${token}`;
  });
  return expanded.startsWith('/') ? expanded : `${user.home.replace(/\/+$/, '')}/${expanded}`;
}

/** sshd's match_pattern: `*` and `?` wildcards, case-sensitive. */
function matchPattern(pattern: string, text: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(text);
}

/** The user part of a `user@host` pattern matches; a host part limits it to some clients (taken to match). */
function matchUserPattern(pattern: string, user: string): boolean {
  const at = pattern.indexOf('@');
  return matchPattern(at === -1 ? pattern : pattern.slice(0, at), user);
}

/** Why the Allow/Deny lists keep this user out, or undefined when they let it in. */
export function excludedBy(rules: AccessRules, user: string, groups: readonly string[]): string | undefined {
  const deniedBy = rules.denyUsers.find((pattern) => matchUserPattern(pattern, user));
  if (deniedBy) return `DenyUsers ${deniedBy}`;
  if (rules.allowUsers.length > 0 && !rules.allowUsers.some((pattern) => matchUserPattern(pattern, user))) {
    return `not in AllowUsers (${rules.allowUsers.join(' ')})`;
  }
  const deniedGroup = rules.denyGroups.find((pattern) => groups.some((group) => matchPattern(pattern, group)));
  if (deniedGroup) return `DenyGroups ${deniedGroup}`;
  if (
    rules.allowGroups.length > 0 &&
    !rules.allowGroups.some((pattern) => groups.some((group) => matchPattern(pattern, group)))
  ) {
    return `in none of AllowGroups (${rules.allowGroups.join(' ')})`;
  }
  return undefined;
}
