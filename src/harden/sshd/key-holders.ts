// Reads, through the target, who could log in with a key: every passwd user, and the authorized_keys files sshd
// would read for it. Only key lines are counted; no key is kept or printed.

import type { AuditContext } from '../../engine/context.js';
import { type AccessRules, excludedBy, expandKeysFile } from './access-rules.js';
import { hasLoginShell, type LoginCandidate } from './lockout.js';

const KEY_TYPE = /^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+)(@openssh\.com)?$/;
const KEY_BLOB = /^AAAA[A-Za-z0-9+/]+={0,3}$/;

/** Lines of an authorized_keys file that hold a key (options may come first): sshd(8) AUTHORIZED_KEYS FILE FORMAT. */
export function countKeyLines(text: string): number {
  let count = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const words = trimmed.split(/\s+/);
    if (words.some((word, index) => KEY_TYPE.test(word) && KEY_BLOB.test(words[index + 1] ?? ''))) count++;
  }
  return count;
}

export async function loginCandidates(ctx: AuditContext, rules: AccessRules): Promise<LoginCandidate[]> {
  const users = await ctx.users();
  const candidates: LoginCandidate[] = [];
  for (const user of users.users) {
    const groups = users.groupsOf(user.name).map((group) => group.name);
    const candidate: LoginCandidate = { name: user.name, uid: user.uid, shell: user.shell, keyFiles: [] };
    const excluded = excludedBy(rules, user.name, groups);
    if (excluded) candidate.excludedBy = excluded;
    // Keys of accounts that cannot log in anyway are not worth reading.
    if (hasLoginShell(user.shell) && !excluded) {
      for (const pattern of rules.authorizedKeysFiles) {
        const path = expandKeysFile(pattern, { name: user.name, uid: user.uid, home: user.home });
        candidate.keyFiles.push(await keyFile(ctx, path));
      }
    }
    candidates.push(candidate);
  }
  return candidates;
}

async function keyFile(ctx: AuditContext, path: string): Promise<LoginCandidate['keyFiles'][number]> {
  try {
    const found = await ctx.target.stat(path);
    if (!found) return { path, keys: 0, problem: 'does not exist' };
    if (found.type !== 'file') return { path, keys: 0, problem: 'is not a file' };
    // StrictModes (the default) makes sshd ignore a key file others could have written to.
    if (found.mode & 0o022)
      return { path, keys: 0, problem: 'is writable by group or others (StrictModes ignores it)' };
    const keys = countKeyLines(await ctx.target.readText(path, { maxBytes: 1024 * 1024 }));
    return keys > 0 ? { path, keys } : { path, keys, problem: 'has no key line' };
  } catch (error) {
    return { path, keys: 0, problem: `cannot be read (${(error as Error).message})` };
  }
}
