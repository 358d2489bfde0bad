import { posix } from 'node:path';
import { expandPrincipals, parseSudoers, type SudoersRule } from '../parsers/sudoers.js';
import type { Target } from '../target/types.js';

export interface SudoersGrant {
  /** A user name, `%group`, `#uid`, `%#gid` or `ALL`. */
  principal: string;
  file: string;
  line: number;
  noPassword: boolean;
}

export interface SudoersFacts {
  grants: SudoersGrant[];
  problems: string[];
}

const MAX_INCLUDE_DEPTH = 8;

/** sudo skips files in an includedir whose names end in `~` or contain a `.` (sudoers(5)). */
function includedByDirectory(name: string): boolean {
  return !name.endsWith('~') && !name.includes('.');
}

export async function loadSudoers(target: Target, mainPath = '/etc/sudoers'): Promise<SudoersFacts> {
  const grants: SudoersGrant[] = [];
  const problems: string[] = [];
  const aliases = new Map<string, string[]>();
  const pending: { file: string; rules: SudoersRule[] }[] = [];
  const seen = new Set<string>();

  const visit = async (path: string, depth: number): Promise<void> => {
    if (depth > MAX_INCLUDE_DEPTH || seen.has(path)) return;
    seen.add(path);
    let text: string;
    try {
      text = await target.readText(path);
    } catch (error) {
      if (depth === 0 && !(await target.stat(path).catch(() => undefined))) return; // no sudo installed
      problems.push(error instanceof Error ? error.message : String(error));
      return;
    }
    const parsed = parseSudoers(text);
    for (const [name, members] of parsed.userAliases) aliases.set(name, members);
    pending.push({ file: path, rules: parsed.rules });
    for (const include of parsed.includes) {
      const resolved = posix.resolve(posix.dirname(path), include.path.replace(/%h/g, ''));
      if (!include.directory) {
        await visit(resolved, depth + 1);
        continue;
      }
      const names = await target.readDir(resolved).catch(() => []);
      for (const name of names.filter(includedByDirectory)) await visit(`${resolved}/${name}`, depth + 1);
    }
  };
  await visit(mainPath, 0);

  // Aliases may be defined after their use, so expand once everything is read.
  for (const { file, rules } of pending) {
    for (const rule of rules) {
      for (const principal of expandPrincipals(rule.principals, aliases)) {
        if (principal.startsWith('!')) continue;
        grants.push({ principal, file, line: rule.line, noPassword: rule.noPassword });
      }
    }
  }
  return { grants, problems };
}
