import { posix } from 'node:path';
import { expandPrincipals, parseSudoers, type SudoersRule } from '../parsers/sudoers.js';
import { TargetError } from '../target/errors.js';
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

/**
 * Why a target read failed, without the path: a TargetError's reason, unless its detail (a tool's stderr, a
 * symlink's destination) holds a path, which gives way to the kind of failure.
 */
function readFailure(error: unknown): string {
  const reason = error instanceof TargetError ? error.reason : '';
  if (reason !== '' && !reason.includes('/')) return reason;
  const message = error instanceof Error ? error.message : String(error);
  if (/no such file/i.test(message)) return 'no such file';
  if (/symbolic link|symlink/i.test(message)) return 'a symbolic link that cannot be followed inside the target';
  return 'unreadable';
}

export async function loadSudoers(target: Target, mainPath = '/etc/sudoers'): Promise<SudoersFacts> {
  const grants: SudoersGrant[] = [];
  const problems: string[] = [];
  const aliases = new Map<string, string[]>();
  const pending: { file: string; rules: SudoersRule[] }[] = [];
  const seen = new Set<string>();

  /**
   * `from`: the include line that named `path`. Its path is text of that line (anything a hostile host wrote there),
   * so a problem names the including file and line, never the path: the long hosts fuzz (seed 20261212, case 2696)
   * put a signer key in an `@include` and the error printed it.
   */
  const visit = async (path: string, depth: number, from?: { file: string; line: number }): Promise<void> => {
    if (depth > MAX_INCLUDE_DEPTH || seen.has(path)) return;
    seen.add(path);
    let text: string;
    try {
      text = await target.readText(path);
    } catch (error) {
      if (depth === 0 && !(await target.stat(path).catch(() => undefined))) return; // no sudo installed
      problems.push(
        from
          ? `${from.file}:${from.line}: the file it includes could not be read (${readFailure(error)})`
          : error instanceof Error
            ? error.message
            : String(error),
      );
      return;
    }
    const parsed = parseSudoers(text);
    for (const [name, members] of parsed.userAliases) aliases.set(name, members);
    pending.push({ file: path, rules: parsed.rules });
    for (const include of parsed.includes) {
      const resolved = posix.resolve(posix.dirname(path), include.path.replace(/%h/g, ''));
      const from = { file: path, line: include.line };
      if (!include.directory) {
        await visit(resolved, depth + 1, from);
        continue;
      }
      const names = await target.readDir(resolved).catch(() => []);
      for (const name of names.filter(includedByDirectory)) await visit(`${resolved}/${name}`, depth + 1, from);
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
