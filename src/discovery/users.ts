import { appendAll } from '../parsers/lists.js';
import { parseGroup, parsePasswd, UserDatabase } from '../parsers/passwd.js';
import type { Target } from '../target/types.js';

/** The target's own users and groups; a missing or unreadable file yields an empty table and a problem. */
export async function loadUserDatabase(target: Target): Promise<UserDatabase> {
  const problems: string[] = [];
  const read = async (path: string): Promise<string> => {
    try {
      return await target.readText(path);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : `${path}: ${String(error)}`);
      return '';
    }
  };
  const passwd = parsePasswd(await read('/etc/passwd'));
  const group = parseGroup(await read('/etc/group'));
  appendAll(
    problems,
    passwd.problems.map((problem) => `/etc/passwd:${problem.line}: ${problem.message}`),
  );
  appendAll(
    problems,
    group.problems.map((problem) => `/etc/group:${problem.line}: ${problem.message}`),
  );
  return new UserDatabase(passwd.entries, group.entries, problems);
}
