// Reads, through the target, who could log in with a key: every passwd user, the authorized_keys files the
// resulting sshd config names for that user, and whether sshd would honour them (StrictModes). Only key lines that
// can give a shell are counted; no key is kept or printed.

import type { AuditContext } from '../../engine/context.js';
import type { Target } from '../../target/types.js';
import { type AccessRules, excludedBy, expandKeysFile, keyAuthBlockedBy } from './access-rules.js';
import { type LoginCandidate, shellProblem } from './lockout.js';

const KEY_TYPE = /^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+)(@openssh\.com)?$/;
const KEY_BLOB = /^AAAA[A-Za-z0-9+/]+={0,3}$/;

/** The options field of an authorized_keys line (up to the first unquoted blank), split at unquoted commas. */
function splitOptions(text: string): { options: string[]; rest: string } {
  const options: string[] = [];
  let current = '';
  let quoted = false;
  let index = 0;
  for (; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char === '\\' && text[index + 1] === '"') {
        current += '\\"';
        index++;
        continue;
      }
      if (char === '"') quoted = false;
      current += char;
    } else if (char === '"') {
      quoted = true;
      current += char;
    } else if (char === ',') {
      options.push(current);
      current = '';
    } else if (/\s/.test(char)) break;
    else current += char;
  }
  options.push(current);
  return { options: options.filter(Boolean), rest: text.slice(index).trim() };
}

/**
 * Whether a key line's options still give a shell: `command=` forces one program, and `restrict` turns off the pty
 * unless `pty` turns it back on (sshd(8) AUTHORIZED_KEYS FILE FORMAT). Such keys (backups, rrsync) are no way in.
 */
function optionsAllowShell(options: readonly string[]): boolean {
  const names = options.map((option) => option.split('=')[0]!.toLowerCase());
  if (names.includes('command')) return false;
  return !names.includes('restrict') || names.includes('pty');
}

/** Is this line a key, and may it log in to a shell? */
function keyLine(line: string): { key: boolean; shell: boolean } {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return { key: false, shell: false };
  const isKeyAt = (words: string[]) => KEY_TYPE.test(words[0] ?? '') && KEY_BLOB.test(words[1] ?? '');
  if (isKeyAt(trimmed.split(/\s+/))) return { key: true, shell: true };
  const { options, rest } = splitOptions(trimmed);
  if (!isKeyAt(rest.split(/\s+/))) return { key: false, shell: false };
  return { key: true, shell: optionsAllowShell(options) };
}

/** Lines of an authorized_keys file that hold a key (options may come first): sshd(8) AUTHORIZED_KEYS FILE FORMAT. */
export function countKeyLines(text: string): number {
  return text.split('\n').filter((line) => keyLine(line).key).length;
}

/** Key lines that can open a shell: no `command=`, and no `restrict` without `pty`. */
export function countShellKeyLines(text: string): number {
  return text.split('\n').filter((line) => keyLine(line).shell).length;
}

/** The target's /etc/shells, when it has one. */
export async function listedShells(target: Target): Promise<Set<string> | undefined> {
  const text = await target.readText('/etc/shells').catch(() => undefined);
  if (text === undefined) return undefined;
  return new Set(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
}

export interface UserFacts {
  name: string;
  uid: number;
  home: string;
  shell: string;
  groups: string[];
  shellProblem?: string;
}

/** Every passwd user with its groups and whether its shell gives a login; the ones worth asking sshd about. */
export async function passwdUsers(ctx: AuditContext): Promise<UserFacts[]> {
  const users = await ctx.users();
  const shells = await listedShells(ctx.target);
  return users.users.map((user) => {
    const problem = shellProblem(user.shell, shells);
    return {
      name: user.name,
      uid: user.uid,
      home: user.home,
      shell: user.shell,
      groups: users.groupsOf(user.name).map((group) => group.name),
      ...(problem ? { shellProblem: problem } : {}),
    };
  });
}

/** `rulesFor(name)` is the resulting config for that user (undefined: sshd was not asked, the user has no shell). */
export async function loginCandidates(
  ctx: AuditContext,
  users: readonly UserFacts[],
  rulesFor: (name: string) => AccessRules | undefined,
): Promise<LoginCandidate[]> {
  const candidates: LoginCandidate[] = [];
  // passwd may repeat a line thousands of times (a fuzzed host had 6,899 copies): each key file is judged once per
  // (path, uid, home, StrictModes), not once per line, each a few stats and, for a missing file, a TargetError.
  const judged = new Map<string, Promise<LoginCandidate['keyFiles'][number]>>();
  for (const user of users) {
    const candidate: LoginCandidate = { name: user.name, uid: user.uid, shell: user.shell, keyFiles: [] };
    if (user.shellProblem) candidate.shellProblem = user.shellProblem;
    const rules = rulesFor(user.name);
    const excluded = rules
      ? (excludedBy(rules, user.name, user.groups) ?? keyAuthBlockedBy(rules))
      : user.shellProblem
        ? undefined
        : 'sshd -T gave no configuration for this user';
    if (excluded) candidate.excludedBy = excluded;
    // Keys of accounts that cannot log in anyway are not worth reading.
    if (rules && !user.shellProblem && !excluded) {
      for (const pattern of rules.authorizedKeysFiles) {
        const path = expandKeysFile(pattern, user);
        const key = JSON.stringify([path, user.uid, user.home, rules.strictModes]);
        let verdict = judged.get(key);
        if (!verdict) {
          verdict = keyFile(ctx.target, path, user, rules.strictModes);
          judged.set(key, verdict);
        }
        candidate.keyFiles.push({ ...(await verdict) });
      }
    }
    candidates.push(candidate);
  }
  return candidates;
}

const unsafe = (stat: { uid: number; mode: number }, uid: number) =>
  stat.uid !== 0 && stat.uid !== uid
    ? `is owned by uid ${stat.uid}, neither the user nor root`
    : stat.mode & 0o022
      ? 'is writable by group or others'
      : undefined;

/**
 * What StrictModes (the default) would object to, as OpenSSH's safe_path does: the file and every directory above
 * it up to the home directory (or / when the file lies outside it) must belong to the user or root and be
 * writable by neither group nor others; otherwise sshd ignores the file.
 */
async function strictModesProblem(
  target: Target,
  path: string,
  user: { uid: number; home: string },
): Promise<string | undefined> {
  const real = await target.realpath(path);
  const file = await target.stat(real);
  const fileProblem = file ? unsafe(file, user.uid) : undefined;
  if (fileProblem) return `${fileProblem} (StrictModes ignores it)`;
  const home = await target.realpath(user.home).catch(() => user.home);
  let dir = real.slice(0, real.lastIndexOf('/')) || '/';
  for (;;) {
    const stat = await target.stat(dir);
    const problem = stat ? unsafe(stat, user.uid) : undefined;
    if (problem) return `lies under ${dir}, which ${problem} (StrictModes ignores it)`;
    if (dir === home || dir === '/') return undefined;
    dir = dir.slice(0, dir.lastIndexOf('/')) || '/';
  }
}

async function keyFile(
  target: Target,
  path: string,
  user: { uid: number; home: string },
  strictModes: boolean,
): Promise<LoginCandidate['keyFiles'][number]> {
  try {
    const found = await target.stat(path);
    if (!found) return { path, keys: 0, problem: 'does not exist' };
    if (found.type !== 'file') return { path, keys: 0, problem: 'is not a file' };
    if (strictModes) {
      const problem = await strictModesProblem(target, path, user);
      if (problem) return { path, keys: 0, problem };
    }
    const text = await target.readText(path, { maxBytes: 1024 * 1024 });
    const keys = countShellKeyLines(text);
    if (keys > 0) return { path, keys };
    const restricted = countKeyLines(text);
    return restricted > 0
      ? { path, keys: 0, problem: `has only keys limited by command= or restrict (${restricted}), which give no shell` }
      : { path, keys: 0, problem: 'has no key line' };
  } catch (error) {
    return { path, keys: 0, problem: `cannot be read (${(error as Error).message})` };
  }
}
