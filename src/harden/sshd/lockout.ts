// The SSH lock-out guard (pure, over facts): turning passwords or root login off must leave someone who can still
// log in with a key — a non-root user with a login shell, a key in an authorized_keys file sshd reads, and not
// shut out by AllowUsers/DenyUsers/AllowGroups/DenyGroups. Otherwise the plan is refused unless the operator has
// a console (--i-have-console-access).

import type { Refusal } from '../types.js';

export const CONSOLE_OVERRIDE = '--i-have-console-access';

export interface LoginCandidate {
  name: string;
  uid: number;
  shell: string;
  /** Each authorized_keys file sshd would read for this user, with how many key lines it holds. */
  keyFiles: { path: string; keys: number; problem?: string }[];
  /**
   * Why the resulting config keeps this user from a key-only login (AllowUsers/DenyUsers/AllowGroups/DenyGroups,
   * PubkeyAuthentication no, AuthenticationMethods needing more than a key); undefined when nothing does.
   */
  excludedBy?: string;
  /** Why the account's shell gives no login (not in /etc/shells, git-shell, …); undefined when it does. */
  shellProblem?: string;
}

export interface LockoutFacts {
  candidates: LoginCandidate[];
  /** The change turns off PasswordAuthentication or KbdInteractiveAuthentication (one of them is on today). */
  disablesPasswords: boolean;
  /** The change turns PermitRootLogin to no (it is something else today). */
  disablesRootLogin: boolean;
  consoleAccess: boolean;
}

/** Shells that run no interactive session: refusers, restricted copy/git shells, and the sync/halt/shutdown accounts. */
const NO_LOGIN_SHELL = /(^|\/)(nologin|false|git-shell|rssh|scponly|sync|halt|shutdown)$/;

/**
 * Why this shell gives no login, or undefined when it does. `listed` is the target's /etc/shells when it exists: a
 * shell missing from it is refused by PAM's pam_shells and by most FTP/sshd setups that check it.
 */
export function shellProblem(shell: string, listed?: ReadonlySet<string>): string | undefined {
  // An empty shell field means /bin/sh to login(1) and sshd.
  const effective = shell.trim() === '' ? '/bin/sh' : shell.trim();
  if (NO_LOGIN_SHELL.test(effective)) return `shell ${effective} allows no login`;
  if (listed && !listed.has(effective)) return `shell ${effective} is not listed in /etc/shells`;
  return undefined;
}

export function hasLoginShell(shell: string, listed?: ReadonlySet<string>): boolean {
  return shellProblem(shell, listed) === undefined;
}

function candidateShellProblem(candidate: LoginCandidate): string | undefined {
  return candidate.shellProblem ?? shellProblem(candidate.shell);
}

/** Why this user cannot log in with a key, or undefined when it can. */
export function whyNotKeyLogin(candidate: LoginCandidate): string | undefined {
  const noShell = candidateShellProblem(candidate);
  if (noShell) return noShell;
  if (candidate.excludedBy) return candidate.excludedBy;
  if (candidate.keyFiles.some((file) => file.keys > 0)) return undefined;
  const files = candidate.keyFiles.map((file) => `${file.path} ${file.problem ?? 'has no key line'}`);
  return files.length > 0 ? files.join(', ') : 'sshd reads no authorized_keys file (AuthorizedKeysFile none)';
}

export interface LockoutVerdict {
  refusal?: Refusal;
  /** Who can still log in with a key. */
  keyHolders: string[];
  notes: string[];
}

export function judgeLockout(facts: LockoutFacts): LockoutVerdict {
  const nonRoot = facts.candidates.filter((candidate) => candidate.uid !== 0);
  const root = facts.candidates.find((candidate) => candidate.uid === 0);
  const keyHolders = nonRoot.filter((candidate) => whyNotKeyLogin(candidate) === undefined).map((c) => c.name);
  const rootHoldsKey = root !== undefined && whyNotKeyLogin(root) === undefined;
  const cutsSomeoneOff = facts.disablesPasswords || (facts.disablesRootLogin && rootHoldsKey);
  if (keyHolders.length > 0 || !cutsSomeoneOff) return { keyHolders, notes: [] };

  const considered = nonRoot
    .filter((candidate) => candidateShellProblem(candidate) === undefined)
    .map((candidate) => `${candidate.name}: ${whyNotKeyLogin(candidate)}`);
  const noShell = nonRoot.length - considered.length;
  const what = [facts.disablesPasswords ? 'password login' : '', facts.disablesRootLogin ? 'root login' : '']
    .filter(Boolean)
    .join(' and ');
  const message = [
    `turning off ${what} would leave no way in over SSH:`,
    rootHoldsKey ? 'root is the only account with a key, and root login is being turned off;' : '',
    considered.length > 0
      ? `no non-root user with a login shell can log in with a key (${considered.join('; ')})`
      : 'no non-root user has a login shell',
    noShell > 0 ? `(${noShell} other accounts have no login shell).` : '.',
    `Add your public key to a non-root login user's authorized_keys and plan again, or pass ${CONSOLE_OVERRIDE}.`,
  ]
    .filter(Boolean)
    .join(' ')
    .replace(' .', '.');
  if (facts.consoleAccess) {
    return { keyHolders, notes: [`${CONSOLE_OVERRIDE}: going ahead although ${message}`] };
  }
  return { keyHolders, notes: [], refusal: { code: 'no-key-login', message, override: CONSOLE_OVERRIDE } };
}
