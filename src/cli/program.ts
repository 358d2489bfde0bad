// The command table (command-table.ts) turned into a commander program: parsing, help pages and "did you mean".
// commander prints and exits on its own by default; here every exit is turned into a value main.ts returns, and every
// message passes the same secret masking as UsageError (they quote argv).
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { COMMANDS } from './command-table.js';
import type { CommandRunner, CommandSpec, OptionSpec, OptionSpecs, Parsed } from './options.js';
import { didYouMean } from './suggest.js';
import { helpWidth } from './terminal-width.js';
import { redactSecrets } from './usage-error.js';

export interface Selected {
  /** The command path, e.g. ['harden', 'plan']. */
  path: string[];
  spec: CommandSpec;
  parsed: Parsed;
  load: () => Promise<CommandRunner>;
}

export type ParseOutcome = { kind: 'run'; selected: Selected } | { kind: 'exit'; code: number };

/** `--root DIR`, `--no-reload`, `--color` / `--no-color`: the flag strings commander takes. */
function flagsOf(name: string, spec: OptionSpec): string {
  return spec.type === 'string' ? `--${name} <${spec.arg ?? 'VALUE'}>` : `--${name}`;
}

function helpOf(spec: OptionSpec): string {
  const extras: string[] = [];
  if (spec.choices) extras.push(`one of: ${spec.choices.join(', ')}`);
  if (spec.type === 'string' && typeof spec.default === 'string') extras.push(`default: ${spec.default}`);
  return extras.length > 0 ? `${spec.help} (${extras.join('; ')})` : spec.help;
}

/** Case-insensitive choice, handed on as the table spells it; otherwise a suggestion. */
function choiceParser(choices: readonly string[]) {
  return (value: string) => {
    const match = choices.find((choice) => choice.toLowerCase() === value.toLowerCase());
    if (match !== undefined) return match;
    throw new InvalidArgumentError(`expected one of ${choices.join(', ')}${didYouMean(value, choices)}`);
  };
}

function addOptions(command: Command, options: OptionSpecs): void {
  for (const [name, spec] of Object.entries(options)) {
    const option = new Option(flagsOf(name, spec), helpOf(spec));
    const choose = spec.choices ? choiceParser(spec.choices) : (value: string) => value;
    if (spec.multiple)
      option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), choose(value)]);
    else if (spec.choices) option.argParser(choose);
    command.addOption(option);
    if (spec.negatable) command.addOption(new Option(`--no-${name}`, `turn --${name} off`));
  }
}

/** commander's camelCase attributes back to the table's kebab-case names, with the table's defaults. */
function valuesOf(command: Command, options: OptionSpecs): Record<string, unknown> {
  const given = command.opts();
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(options)) {
    // commander stores `--no-reload` as reload=false (default true): handed on as 'no-reload': true, as parseArgs did.
    const negative = name.startsWith('no-') && spec.type === 'boolean';
    const attribute = (negative ? name.slice(3) : name).replace(/-([a-z])/g, (_, letter: string) =>
      letter.toUpperCase(),
    );
    // A string flag beside its --no- form (--waivers FILE / --no-waivers) shares the attribute: false is the --no- form's.
    const own = spec.type === 'string' && typeof given[attribute] === 'boolean' ? undefined : given[attribute];
    const value = negative ? (given[attribute] === false ? true : undefined) : own;
    if (value !== undefined) values[name] = value;
    else if (spec.default !== undefined) values[name] = spec.default;
  }
  return values;
}

function exitCodesText(spec: CommandSpec): string {
  const lines = spec.exitCodes.map(([code, meaning]) => `  ${code}  ${meaning}`);
  const examples = spec.examples.map(([line, what]) => `  ${line}${what ? `\n      ${what}` : ''}`);
  return `\nExamples:\n${examples.join('\n')}\n\nExit codes:\n${lines.join('\n')}\n`;
}

function configure(command: Command, errors: string[]): void {
  command
    .exitOverride()
    .showSuggestionAfterError(true)
    .helpOption('-h, --help', 'show this help')
    .configureHelp({ helpWidth: helpWidth(), sortSubcommands: false, showGlobalOptions: false })
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
      // One line: "unknown option '--formt' (did you mean --format?)".
      outputError: (text) => {
        errors.push(
          redactSecrets(
            text
              .replace(/^error: /, '')
              // "option '--format <FORMAT>' argument 'xml' is invalid. expected …" → "--format xml: expected …"
              .replace(/^option '(--[a-z0-9-]+)(?: <[^>]*>)?' argument '([^']*)' is invalid\. /, '$1 $2: ')
              .replace(/\n\(Did you mean (.*)\)/, ' (did you mean $1?)')
              .replace(/\?\?\)/, '?)')
              .trim(),
          ),
        );
      },
    });
}

export const PROGRAM_SUMMARY = 'OpSec audit, secret scanning and hardening for Stacks signer hosts';

/**
 * Which commands need their options, operands and help texts declared to parse `args`: the command args names and, in
 * a group, its subcommand (all of them when none is named: the group's help lists them with their `[options]`); every
 * command when args names none (the overview, --version, a mistyped command). Only the named command parses args or
 * prints its help, and declaring the ~120 options of the table took more of a start than parsing (issue #15).
 */
export function declaredFor(args: readonly string[]): (path: readonly string[]) => boolean {
  const [name, sub] = args;
  const spec = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!spec) return () => true;
  const subNamed = sub !== undefined && spec.subcommands !== undefined && Object.hasOwn(spec.subcommands, sub);
  return (path) => path[0] === name && (path.length === 1 || !subNamed || path[1] === sub);
}

/**
 * The commander program for the whole table; `onRun` receives the chosen leaf command. The commands `declared` leaves
 * out get their name and summary only: enough to be found, not to parse.
 */
export function buildProgram(
  version: string,
  onRun: (selected: Selected) => void,
  errors: string[],
  declared: (path: readonly string[]) => boolean = () => true,
): Command {
  const program = new Command('signer-opsec');
  configure(program, errors);
  program
    .description(PROGRAM_SUMMARY)
    .version(version, '-V, --version', 'print the version')
    .usage('<command> [options]')
    .addHelpText(
      'after',
      "\n`signer-opsec help <command>` or `signer-opsec <command> --help`: that command's options, examples and exit codes.\n" +
        'Exit codes: 0 pass · 1 findings / failures · 2 usage or tool error (each command lists its own).\n',
    );
  const addCommand = (parent: Command, name: string, spec: CommandSpec, path: string[], load: CommandSpec['load']) => {
    const command = new Command(name);
    configure(command, errors);
    command
      .description(spec.description ? `${spec.summary}\n\n${spec.description}` : spec.summary)
      .summary(spec.summary);
    parent.addCommand(command, spec.hidden ? { hidden: true } : {});
    if (!declared(path)) return;
    if (spec.subcommands) {
      for (const [subName, subSpec] of Object.entries(spec.subcommands))
        addCommand(command, subName, subSpec, [...path, subName], load);
      command.addHelpText('after', exitCodesText(spec));
      return;
    }
    addOptions(command, spec.options);
    if (spec.operands) {
      const { name: operand, variadic, help } = spec.operands;
      command.argument(variadic ? `[${operand}...]` : `[${operand}]`, help);
    }
    command.allowExcessArguments(false);
    command.addHelpText('after', exitCodesText(spec));
    command.action(() => {
      const operands = command.processedArgs[0];
      const positionals = operands === undefined ? [] : Array.isArray(operands) ? operands : [operands];
      onRun({
        path,
        spec,
        parsed: { values: valuesOf(command, spec.options) as Parsed['values'], positionals },
        load: load as () => Promise<CommandRunner>,
      });
    });
  };
  for (const [name, spec] of Object.entries(COMMANDS)) addCommand(program, name, spec, [name], spec.load);
  return program;
}

/**
 * argv → the command to run, or the exit code of a help page, a version or a usage error (already printed).
 * `help audit` is `audit --help`; `help` alone is the overview.
 */
export function parseCommandLine(argv: readonly string[], version: string): ParseOutcome {
  const errors: string[] = [];
  let selected: Selected | undefined;
  const args = argv[0] === 'help' ? [...argv.slice(1), '--help'] : [...argv];
  const program = buildProgram(version, (chosen) => (selected = chosen), errors, declaredFor(args));
  if (argv[0] === 'help') {
    const unknown = unknownHelpTopic(argv.slice(1));
    if (unknown) {
      process.stderr.write(`signer-opsec: help: ${unknown}\n`);
      return { kind: 'exit', code: 2 };
    }
  }
  const group = groupError(argv);
  if (group) {
    process.stderr.write(`signer-opsec: ${group}\n`);
    return { kind: 'exit', code: 2 };
  }
  if (args.length === 0) {
    process.stderr.write(program.helpInformation());
    return { kind: 'exit', code: 2 };
  }
  const contradiction = valueFlagAndItsNegation(args);
  if (contradiction) {
    process.stderr.write(`signer-opsec: ${contradiction}\n`);
    return { kind: 'exit', code: 2 };
  }
  try {
    program.parse(args, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    for (const message of errors) process.stderr.write(`signer-opsec: ${message}\n`);
    // Help and version are 0; a command group without its subcommand shows its help on stderr: a usage error.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
      return { kind: 'exit', code: 0 };
    return { kind: 'exit', code: 2 };
  }
  if (!selected) return { kind: 'exit', code: 2 };
  return { kind: 'run', selected };
}

/**
 * `--waivers FILE --no-waivers`: commander keeps the last; a flag given a value and also turned off is a mistake
 * worth one line, not a silent choice.
 */
function valueFlagAndItsNegation(args: readonly string[]): string | undefined {
  const valued = new Set<string>();
  args.forEach((arg, index) => {
    const name = /^--([a-z][a-z0-9-]*)(=|$)/.exec(arg);
    if (!name || name[1]!.startsWith('no-')) return;
    const next = args[index + 1];
    if (name[2] === '=' || (next !== undefined && !next.startsWith('-'))) valued.add(name[1]!);
  });
  const both = args.find((arg) => arg.startsWith('--no-') && valued.has(arg.slice(5)));
  return both ? `--${both.slice(5)} and ${both} contradict each other` : undefined;
}

/** `help bogus` / `help key bogus`: the unknown name with a suggestion, instead of the overview and exit 0. */
function unknownHelpTopic(topic: readonly string[]): string | undefined {
  let table: Readonly<Record<string, CommandSpec>> | undefined = COMMANDS;
  let path = '';
  for (const name of topic) {
    if (!table) return `${path} has no subcommand ${name}`;
    const spec: CommandSpec | undefined = Object.hasOwn(table, name) ? table[name] : undefined;
    if (!spec) return `unknown command '${`${path} ${name}`.trim()}'${didYouMean(name, Object.keys(table))}`;
    path = `${path} ${name}`.trim();
    table = spec.subcommands;
  }
  return undefined;
}

/** `harden`, `harden undo`, `key --config x`: one line naming the subcommands, not the group's whole help page. */
function groupError(argv: readonly string[]): string | undefined {
  const [name, sub] = argv;
  const spec = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!spec?.subcommands || sub === '-h' || sub === '--help') return undefined;
  if (sub !== undefined && Object.hasOwn(spec.subcommands, sub)) return undefined;
  const names = Object.keys(spec.subcommands);
  const expected = `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return `${name}${sub ? ` ${sub}` : ''}: expected ${expected}${sub ? didYouMean(sub, names) : ''} (see signer-opsec help ${name})`;
}
