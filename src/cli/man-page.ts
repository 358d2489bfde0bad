// signer-opsec(1), generated from the command table: every command, subcommand, option, example and exit code.

import { appendAll } from '../parsers/lists.js';
import type { CommandSpec, OptionSpec } from './options.js';

type Table = Readonly<Record<string, CommandSpec>>;

/** Text safe in a roff line: backslashes and hyphens escaped, no line starting with a control character. */
function roff(text: string): string {
  const escaped = text.replace(/\\/g, '\\e').replace(/-/g, '\\-');
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}

function optionLines(name: string, option: OptionSpec): string[] {
  const flag =
    option.type === 'string'
      ? `\\fB\\-\\-${roff(name)}\\fR \\fI${roff(option.arg ?? 'VALUE')}\\fR`
      : `\\fB\\-\\-${roff(name)}\\fR`;
  const extras: string[] = [];
  if (option.choices) extras.push(`one of: ${option.choices.join(', ')}`);
  if (typeof option.default === 'string') extras.push(`default: ${option.default}`);
  if (option.multiple) extras.push('repeatable');
  const help = extras.length > 0 ? `${option.help} (${extras.join('; ')})` : option.help;
  const lines = ['.TP', flag, roff(help)];
  if (option.negatable) lines.push('.TP', `\\fB\\-\\-no\\-${roff(name)}\\fR`, roff(`turn --${name} off`));
  return lines;
}

function commandSection(title: string, spec: CommandSpec): string[] {
  const lines = [`.SS ${roff(title)}`];
  const operand = spec.operands ? ` [${spec.operands.name}${spec.operands.variadic ? '...' : ''}]` : '';
  lines.push(
    '.PP',
    `\\fBsigner\\-opsec ${roff(title)}\\fR [\\fIoptions\\fR]${roff(operand)}`,
    '.PP',
    roff(spec.summary),
  );
  if (spec.description) lines.push('.PP', roff(spec.description));
  if (spec.operands) lines.push('.TP', `\\fI${roff(spec.operands.name)}\\fR`, roff(spec.operands.help));
  for (const [name, option] of Object.entries(spec.options)) appendAll(lines, optionLines(name, option));
  lines.push('.PP', 'Examples:');
  for (const [example, what] of spec.examples) {
    lines.push('.RS', '.nf', roff(example), '.fi', '.RE');
    if (what) lines.push('.RS', roff(what), '.RE');
  }
  lines.push('.PP', 'Exit status:');
  for (const [code, meaning] of spec.exitCodes) lines.push('.TP', `\\fB${code}\\fR`, roff(meaning));
  return lines;
}

export function manPage(table: Table, version: string): string {
  const lines = [
    `.TH SIGNER\\-OPSEC 1 "" "signer\\-opsec ${roff(version)}" "User Commands"`,
    '.SH NAME',
    'signer\\-opsec \\- OpSec audit, secret scanning and hardening for Stacks signer hosts',
    '.SH SYNOPSIS',
    '\\fBsigner\\-opsec\\fR \\fIcommand\\fR [\\fIsubcommand\\fR] [\\fIoptions\\fR]',
    '.br',
    '\\fBsigner\\-opsec help\\fR \\fIcommand\\fR',
    '.br',
    '\\fBsigner\\-opsec \\-\\-version\\fR',
    '.SH DESCRIPTION',
    roff(
      'signer-opsec audits a Stacks signer host (live, or a root directory or tar with --root) against a catalogue of controls, each mapped to the threat it counters; harden writes the fixes, validated by the real tools, with a backup and a rollback; scan finds signer keys, mnemonics and tokens in files and git history.',
    ),
    '.SH COMMANDS',
  ];
  for (const [name, spec] of Object.entries(table)) {
    if (spec.hidden) continue;
    if (spec.subcommands) {
      for (const [sub, subSpec] of Object.entries(spec.subcommands))
        appendAll(lines, commandSection(`${name} ${sub}`, subSpec));
    } else appendAll(lines, commandSection(name, spec));
  }
  lines.push(
    '.SH ENVIRONMENT',
    '.TP',
    '\\fBCOLUMNS\\fR',
    roff('width of text reports and help (default: the terminal, else 80)'),
    '.TP',
    '\\fBNO_COLOR\\fR, \\fBFORCE_COLOR\\fR, \\fBTERM=dumb\\fR',
    roff('turn colour off (NO_COLOR, TERM=dumb) or on (FORCE_COLOR); --color / --no-color win'),
    '.SH SEE ALSO',
    roff('systemd-analyze(1), sshd_config(5), nft(8); the docs/ directory of the signer-opsec sources'),
    '',
  );
  return lines.join('\n');
}
