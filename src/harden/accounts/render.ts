// The lines `useradd --system` adds for a service account, put into the account files' text (passwd(5), group(5),
// shadow(5), gshadow(5)). Pure: text in, text out; every existing byte is kept, the new line goes at the end.

/** A new system account as the files will record it. */
export interface NewAccount {
  name: string;
  uid: number;
  group: string;
  gid: number;
  /** The GECOS field ("Stacks signer"): no colon, no newline. */
  gecos: string;
  /** The target's nologin (/usr/sbin/nologin, /sbin/nologin) or /bin/false. */
  shell: string;
}

/** No home: the service needs none, and a home is where SSH keys and shell histories gather. */
export const NO_HOME = '/nonexistent';

const FIELD = /^[^:\n\r]*$/;

function checkField(value: string, what: string): void {
  if (!FIELD.test(value)) throw new RangeError(`${what} must not contain ':' or a line break`);
}

/** Appends one line, first ending the last line when the file lacks a final newline. */
export function appendLine(text: string, line: string): string {
  if (text === '') return `${line}\n`;
  return `${text}${text.endsWith('\n') ? '' : '\n'}${line}\n`;
}

export function passwdLine(account: NewAccount): string {
  for (const [value, what] of [
    [account.name, 'name'],
    [account.gecos, 'gecos'],
    [account.shell, 'shell'],
  ] as const)
    checkField(value, what);
  return `${account.name}:x:${account.uid}:${account.gid}:${account.gecos}:${NO_HOME}:${account.shell}`;
}

export function groupLine(account: Pick<NewAccount, 'group' | 'gid'>): string {
  checkField(account.group, 'group');
  return `${account.group}:x:${account.gid}:`;
}

/**
 * `!` locks the password; the last-change field is left empty (useradd writes today's date) so the plan is the same
 * on every run: an empty field only means password ageing is off, which a locked account never uses.
 */
export function shadowLine(account: Pick<NewAccount, 'name'>): string {
  checkField(account.name, 'name');
  return `${account.name}:!:::::::`;
}

export function gshadowLine(account: Pick<NewAccount, 'group'>): string {
  checkField(account.group, 'group');
  return `${account.group}:!::`;
}

export const renderPasswd = (text: string, account: NewAccount): string => appendLine(text, passwdLine(account));
export const renderGroup = (text: string, account: Pick<NewAccount, 'group' | 'gid'>): string =>
  appendLine(text, groupLine(account));
export const renderShadow = (text: string, account: Pick<NewAccount, 'name'>): string =>
  appendLine(text, shadowLine(account));
export const renderGshadow = (text: string, account: Pick<NewAccount, 'group'>): string =>
  appendLine(text, gshadowLine(account));
