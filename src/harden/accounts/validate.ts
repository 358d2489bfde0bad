// Checks the account files harden would write: they still parse with the audit's own passwd/group parser, no line
// that parsed before stops parsing, and each new name and id is held by exactly one entry.
import { parseGroup, parsePasswd } from '../../parsers/passwd.js';
import type { Validation } from '../types.js';
import type { NewAccount } from './render.js';

export interface AccountFileTexts {
  passwd: string;
  group: string;
  shadow?: string;
  gshadow?: string;
}

const TOOL = 'passwd/group parser (src/parsers/passwd.ts)';

/** Names of the entries of a colon file (shadow, gshadow), and lines without the expected number of fields. */
function colonNames(text: string, fields: number): { names: string[]; malformed: number[] } {
  const names: string[] = [];
  const malformed: number[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) return;
    const parts = line.split(':');
    if (parts.length !== fields) malformed.push(index + 1);
    names.push(parts[0] ?? '');
  });
  return { names, malformed };
}

function count<T>(values: readonly T[], wanted: T): number {
  return values.filter((value) => value === wanted).length;
}

function verdict(artefact: string, problems: string[], summary: string): Validation {
  return {
    tool: TOOL,
    artefact,
    ok: problems.length === 0,
    detail: problems.length === 0 ? summary : (problems[0] ?? ''),
  };
}

export function validateAccountFiles(
  before: AccountFileTexts,
  after: AccountFileTexts,
  accounts: readonly NewAccount[],
): Validation[] {
  const validations: Validation[] = [];
  const oldPasswd = parsePasswd(before.passwd);
  const newPasswd = parsePasswd(after.passwd);
  const passwdProblems: string[] = [];
  if (newPasswd.problems.length > oldPasswd.problems.length)
    passwdProblems.push(`line ${newPasswd.problems.at(-1)?.line}: ${newPasswd.problems.at(-1)?.message}`);
  for (const account of accounts) {
    const names = count(
      newPasswd.entries.map((entry) => entry.name),
      account.name,
    );
    const uids = count(
      newPasswd.entries.map((entry) => entry.uid),
      account.uid,
    );
    if (names !== 1) passwdProblems.push(`user ${account.name} appears ${names} times`);
    if (uids !== 1) passwdProblems.push(`uid ${account.uid} is held by ${uids} entries`);
  }
  validations.push(verdict('/etc/passwd', passwdProblems, `parses; ${accounts.length} new unique user(s)`));

  const oldGroup = parseGroup(before.group);
  const newGroup = parseGroup(after.group);
  const groupProblems: string[] = [];
  if (newGroup.problems.length > oldGroup.problems.length)
    groupProblems.push(`line ${newGroup.problems.at(-1)?.line}: ${newGroup.problems.at(-1)?.message}`);
  for (const account of accounts) {
    const names = count(
      newGroup.entries.map((entry) => entry.name),
      account.group,
    );
    const gids = count(
      newGroup.entries.map((entry) => entry.gid),
      account.gid,
    );
    if (names !== 1) groupProblems.push(`group ${account.group} appears ${names} times`);
    if (gids !== 1) groupProblems.push(`gid ${account.gid} is held by ${gids} groups`);
  }
  validations.push(verdict('/etc/group', groupProblems, `parses; ${accounts.length} new unique group(s)`));

  for (const [file, fields, key] of [
    ['shadow', 9, 'name'],
    ['gshadow', 4, 'group'],
  ] as const) {
    const oldText = before[file];
    const newText = after[file];
    if (oldText === undefined || newText === undefined) continue;
    const old = colonNames(oldText, fields);
    const next = colonNames(newText, fields);
    const problems: string[] = [];
    if (next.malformed.length > old.malformed.length)
      problems.push(`line ${next.malformed.at(-1)} does not have ${fields} fields`);
    for (const account of accounts) {
      const n = count(next.names, account[key]);
      if (n !== 1) problems.push(`${account[key]} appears ${n} times`);
    }
    validations.push(verdict(`/etc/${file}`, problems, `${fields} fields a line; new entries unique`));
  }
  return validations;
}
