// ExecStart= and friends as systemd parses them (systemd.service(5) "COMMAND LINES"; config_parse_exec() in
// src/core/load-fragment.c, v252). Specifiers (%i, %%…) are left as written: we read units, we don't run them.

import { extractWordAndWarn } from './systemd-words.js';

/** "@" argv[0] given separately, "-" failure ignored, ":" no $VAR expansion, "+" full privileges, "!"/"!!" credentials. */
export type ExecPrefix = '@' | '-' | ':' | '+' | '!' | '!!';

export interface ExecCommand {
  /** The program, as written (absolute path or a bare name systemd looks up). */
  path: string;
  /** The argument vector the program receives, argv[0] included. */
  argv: string[];
  prefixes: ExecPrefix[];
}

export interface ExecParseResult {
  /** Several commands when separated by a lone ";". */
  commands: ExecCommand[];
  /** Why systemd would reject (part of) the line; when set, `commands` holds only the commands before it. */
  problem?: string;
  /** Things systemd accepts with a warning (e.g. unknown escape sequences kept verbatim). */
  warnings: string[];
}

const EXEC_FLAGS = { unquote: true, cunescape: true } as const;
const WHITESPACE = ' \t\n\r';

/** Parses the value of one ExecStart=/ExecStartPre=/… assignment. An empty value (a reset) yields no command. */
export function parseExecLine(value: string): ExecParseResult {
  const commands: ExecCommand[] = [];
  const warnings: string[] = [];
  let position = 0;
  for (;;) {
    const first = extractWordAndWarn(value, position, EXEC_FLAGS);
    if (!first.ok) return { commands, warnings, problem: first.reason };
    if (first.warning) warnings.push(first.warning);
    if (first.word === undefined) return { commands, warnings };
    position = first.next;
    if (first.word === ';') continue;

    const { prefixes, rest: path } = splitPrefixes(first.word);
    if (path === '') return { commands, warnings, problem: 'empty executable path' };
    if (!path.startsWith('/') && path.includes('/')) {
      return { commands, warnings, problem: 'the program is neither an absolute path nor a plain executable name' };
    }

    const args: string[] = [];
    for (;;) {
      const rest = value.slice(position);
      // A lone ";" separates commands; "\;" is a literal ";" argument (checked before unescaping, like systemd).
      if (rest.startsWith(';') && (rest.length === 1 || WHITESPACE.includes(rest[1]!))) {
        position += 1;
        break;
      }
      if (rest.startsWith('\\;') && (rest.length === 2 || WHITESPACE.includes(rest[2]!))) {
        args.push(';');
        position = skipWhitespace(value, position + 2);
        continue;
      }
      const step = extractWordAndWarn(value, position, EXEC_FLAGS);
      if (!step.ok) return { commands, warnings, problem: step.reason };
      if (step.warning) warnings.push(step.warning);
      if (step.word === undefined) {
        position = value.length;
        break;
      }
      args.push(step.word);
      position = step.next;
    }

    const argv = prefixes.includes('@') ? args : [path, ...args];
    if (argv.length === 0) return { commands, warnings, problem: 'empty argv[0] after the "@" prefix' };
    commands.push({ path, argv, prefixes });
    if (position >= value.length) return { commands, warnings };
  }
}

/** The first command of an ExecStart= value, or undefined when it has none or systemd would reject it. */
export function parseExecCommand(value: string): ExecCommand | undefined {
  const parsed = parseExecLine(value);
  return parsed.problem ? undefined : parsed.commands[0];
}

// Each prefix counts once; "+" excludes "!"/"!!", and a second "!" upgrades "!" to "!!" — the order systemd accepts.
function splitPrefixes(word: string): { prefixes: ExecPrefix[]; rest: string } {
  const prefixes: ExecPrefix[] = [];
  const has = (prefix: ExecPrefix): boolean => prefixes.includes(prefix);
  let i = 0;
  for (; i < word.length; i++) {
    const c = word[i];
    if (c === '-' && !has('-')) prefixes.push('-');
    else if (c === '@' && !has('@')) prefixes.push('@');
    else if (c === ':' && !has(':')) prefixes.push(':');
    else if (c === '+' && !has('+') && !has('!') && !has('!!')) prefixes.push('+');
    else if (c === '!' && !has('+') && !has('!') && !has('!!')) prefixes.push('!');
    else if (c === '!' && has('!') && !has('!!')) prefixes.splice(prefixes.indexOf('!'), 1, '!!');
    else break;
  }
  return { prefixes, rest: word.slice(i) };
}

function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && WHITESPACE.includes(text[i]!)) i++;
  return i;
}

export type StacksRole = 'signer' | 'node';

const ROLE_BINARY: Record<StacksRole, string> = { signer: 'stacks-signer', node: 'stacks-node' };
const ROLE_SUBCOMMAND: Record<StacksRole, string> = { signer: 'run', node: 'start' };

/** Which Stacks program a command starts, judged by the file name of its path. */
export function stacksRoleOf(command: Pick<ExecCommand, 'path'>): StacksRole | undefined {
  const base = command.path.slice(command.path.lastIndexOf('/') + 1);
  if (base === ROLE_BINARY.signer) return 'signer';
  if (base === ROLE_BINARY.node) return 'node';
  return undefined;
}

/**
 * The config file of `stacks-signer run …` / `stacks-node start …`: the value of `--config P`, `--config=P`,
 * `-c P` (or `-cP`) after the subcommand. Undefined when the subcommand is another one or no config is given.
 */
export function findConfigArg(argv: readonly string[], role: StacksRole): string | undefined {
  const subcommandIndex = argv.findIndex((arg, index) => index > 0 && !arg.startsWith('-'));
  if (subcommandIndex < 0 || argv[subcommandIndex] !== ROLE_SUBCOMMAND[role]) return undefined;
  for (let i = subcommandIndex + 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return undefined;
    if (arg === '--config' || arg === '-c') return argv[i + 1];
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
    if (arg.startsWith('-c') && !arg.startsWith('--')) return arg.slice(arg.startsWith('-c=') ? 3 : 2);
  }
  return undefined;
}
