// sudoers(5), enough to see who may escalate: user specifications, User_Alias definitions and includes.
// Commands, host lists and Defaults are not interpreted: any rule naming a principal lets it run something as someone.
import { maxOf } from './lists.js';

export interface SudoersRule {
  /** Principals as written: `name`, `%group`, `#uid`, `%#gid`, `ALL`, or an alias name. Negations keep their `!`. */
  principals: string[];
  /** The rule grants NOPASSWD somewhere in its command list. */
  noPassword: boolean;
  line: number;
}

export interface SudoersFile {
  rules: SudoersRule[];
  userAliases: Map<string, string[]>;
  /** `@include`/`#include` files and `@includedir`/`#includedir` directories, in order. */
  includes: { path: string; directory: boolean; line: number }[];
}

// A user list is items joined by commas (spaces allowed around them and after `!`); the first space not next to a
// comma ends it, so "alice, bob ALL=ALL" names both users and "alice host1, host2 = ALL" only alice.
const USER_ITEM = String.raw`(?:!\s*)*(?:\\.|"[^"]*"|[^\s,=\\"!])+`;
// The host list runs to the first `=` and the commands after it lose their leading blanks outside the regex:
// `([^=]*?)\s*=\s*(.+)$` retried the blank run at each step of the lazy host list, quadratic (a 350 kB line of
// blanks took 48 s; issue #18).
const USER_SPEC = new RegExp(String.raw`^(${USER_ITEM}(?:\s*,\s*${USER_ITEM})*)\s+([^\s=][^=]*)=([^]*)$`);

const ALIAS_KINDS = /^(User_Alias|Runas_Alias|Host_Alias|Cmnd_Alias|Cmd_Alias)\s+/;

/** Joins backslash-continued lines, keeping the number of the first. */
function logicalLines(text: string): { text: string; line: number }[] {
  const lines: { text: string; line: number }[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const piece = raw.replace(/\r$/, '');
    if (pending) pending.text += ` ${piece}`;
    else pending = { text: piece, line: index + 1 };
    if (pending.text.endsWith('\\')) {
      pending.text = pending.text.slice(0, -1);
      return;
    }
    lines.push(pending);
    pending = undefined;
  });
  if (pending) lines.push(pending);
  return lines;
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

const LINE_TERMINATORS = ['\n', '\r', '\u2028', '\u2029'];

/**
 * The line up to its comment: `#` after a blank or at the start, not `#123` (a uid). As `/(^|\s)#(?!\d).*$/` read
 * it, a comment runs to the end and so starts after the line's last terminator (`.` stops at one); the search starts
 * there, where that regex scanned to the terminator from every `#`, quadratic (issue #18).
 */
function withoutComment(raw: string): string {
  const last = maxOf(LINE_TERMINATORS.map((terminator) => raw.lastIndexOf(terminator)));
  const comment = /(^|\s)#(?!\d)/g;
  comment.lastIndex = Math.max(last, 0);
  const match = comment.exec(raw);
  return match ? raw.slice(0, match.index) : raw;
}

export function parseSudoers(text: string): SudoersFile {
  const file: SudoersFile = { rules: [], userAliases: new Map(), includes: [] };
  for (const { text: raw, line } of logicalLines(text)) {
    const include = /^\s*[@#](include|includedir)\s+(.+?)\s*$/.exec(raw);
    if (include) {
      file.includes.push({ path: include[2]!.replace(/^"(.*)"$/, '$1'), directory: include[1] === 'includedir', line });
      continue;
    }
    const content = withoutComment(raw).trim();
    if (content === '' || content.startsWith('Defaults')) continue;
    const alias = ALIAS_KINDS.exec(content);
    if (alias) {
      if (alias[1] !== 'User_Alias') continue;
      // User_Alias NAME = a, b : NAME2 = c
      for (const definition of content.slice(alias[0].length).split(':')) {
        const equals = definition.indexOf('=');
        if (equals === -1) continue;
        file.userAliases.set(definition.slice(0, equals).trim(), splitList(definition.slice(equals + 1)));
      }
      continue;
    }
    // user_list host_list = [(runas)] [tags:] cmnd_list [: host_list = ...]
    const spec = USER_SPEC.exec(content);
    // As `\s*(.+)$` read the commands: after the blanks, at least one character and no line terminator.
    const commands = spec?.[3]?.trimStart();
    if (!spec || !commands || /[\n\r\u2028\u2029]/.test(commands)) continue;
    const principals = splitList(spec[1]!).map((principal) =>
      principal.replace(/^[!\s]+/, (bangs) => bangs.replace(/\s+/g, '')),
    );
    file.rules.push({ principals, noPassword: /\bNOPASSWD\s*:/.test(spec[3]!), line });
  }
  return file;
}

/** Expands User_Alias names (recursively, with a depth guard) to the principals they stand for. */
export function expandPrincipals(
  principals: readonly string[],
  aliases: ReadonlyMap<string, string[]>,
  depth = 0,
): string[] {
  if (depth > 16) return [...principals];
  return principals.flatMap((principal) => {
    const negated = principal.startsWith('!');
    const name = negated ? principal.slice(1) : principal;
    const expansion = aliases.get(name);
    if (!expansion) return [principal];
    return negated ? [] : expandPrincipals(expansion, aliases, depth + 1);
  });
}
