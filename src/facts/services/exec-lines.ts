// systemd.service(5) "COMMAND LINES": https://www.freedesktop.org/software/systemd/man/latest/systemd.service.html#Command%20lines
// Evidence must not echo a command line: operators put keys, passwords and mnemonics there. Only the program, a
// plain subcommand and the --config argument are shown; everything else is elided.
import { parseExecLine } from '../../parsers/exec-command.js';

/** A subcommand word worth showing (`run`, `start`, `check-config`): short, lower case, no digits or symbols. */
const SUBCOMMAND = /^[a-z][a-z-]{0,19}$/;

function summariseArgs(args: readonly string[]): string[] {
  const shown: string[] = [];
  let elided = false;
  const elide = () => {
    if (!elided) shown.push('…');
    elided = true;
  };
  const subcommandIndex = args.findIndex((arg) => !arg.startsWith('-'));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if ((arg === '--config' || arg === '-c') && args[i + 1] !== undefined) {
      shown.push(arg, args[i + 1]!);
      elided = false;
      i += 1;
    } else if (arg.startsWith('--config=')) {
      shown.push(arg);
      elided = false;
    } else if (i === subcommandIndex && SUBCOMMAND.test(arg)) {
      shown.push(arg);
      elided = false;
    } else elide();
  }
  return shown;
}

/** `ExecStart=/usr/local/bin/stacks-signer run --config /etc/… …`: the value with every other argument elided. */
export function summariseExecLine(key: string, value: string): string {
  const parsed = parseExecLine(value);
  if (parsed.commands.length === 0) return parsed.problem ? `${key}= (not parsed: ${parsed.problem})` : `${key}=`;
  const commands = parsed.commands.map((command) => {
    // With "@" argv[0] is a free-form name given separately: it is elided like any argument.
    return [`${command.prefixes.join('')}${command.path}`, ...summariseArgs(command.argv.slice(1))].join(' ');
  });
  const tail = parsed.problem ? ' … (rest not parsed)' : '';
  return `${key}=${commands.join(' ; ')}${tail}`;
}
