// Who may log in over SSH with a key, judged from the RESULTING configuration for that very user: the real
// `sshd -T -C user=<name>,…` output (Match blocks applied by sshd itself), not our reading of the global section.
// https://man.openbsd.org/sshd_config (AuthorizedKeysFile, AuthenticationMethods, AllowUsers…, StrictModes).

export interface AccessRules {
  /** AuthorizedKeysFile entries as written (`%h/.ssh/authorized_keys`, relative to the home when not absolute). */
  authorizedKeysFiles: string[];
  allowUsers: string[];
  denyUsers: string[];
  allowGroups: string[];
  denyGroups: string[];
  pubkeyAuthentication: boolean;
  /** AuthenticationMethods lists (each a comma-separated chain); `['any']` when unset. */
  authenticationMethods: string[];
  /** StrictModes (global only: sshd refuses it in a Match block). */
  strictModes: boolean;
}

/** The rules from one `sshd -T -C user=…` dump (keyword → every value line, as parseSshdT returns it). */
export function accessRulesFromSshdT(dump: Readonly<Record<string, readonly string[]>>): AccessRules {
  const words = (keyword: string) => (dump[keyword] ?? []).flatMap((line) => line.split(/\s+/)).filter(Boolean);
  const keysFiles = words('authorizedkeysfile');
  return {
    authorizedKeysFiles: keysFiles.filter((file) => file.toLowerCase() !== 'none'),
    allowUsers: words('allowusers'),
    denyUsers: words('denyusers'),
    allowGroups: words('allowgroups'),
    denyGroups: words('denygroups'),
    pubkeyAuthentication: (dump['pubkeyauthentication']?.[0] ?? 'yes').toLowerCase() !== 'no',
    authenticationMethods: words('authenticationmethods').length > 0 ? words('authenticationmethods') : ['any'],
    strictModes: (dump['strictmodes']?.[0] ?? 'yes').toLowerCase() !== 'no',
  };
}

/**
 * Why the resulting config gives this user no key-only login, or undefined when it does: PubkeyAuthentication off,
 * or no AuthenticationMethods list that publickey alone completes (`publickey,keyboard-interactive` asks for a
 * second factor harden is about to turn off).
 */
export function keyAuthBlockedBy(rules: AccessRules): string | undefined {
  if (!rules.pubkeyAuthentication) return 'PubkeyAuthentication no';
  const lists = rules.authenticationMethods;
  const keyOnly = lists.some(
    (list) => list.toLowerCase() === 'any' || list.split(',').every((method) => method === 'publickey'),
  );
  return keyOnly ? undefined : `AuthenticationMethods ${lists.join(' ')} needs more than a key`;
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
