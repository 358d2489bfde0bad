// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are shell scripts, whose ${...} is shell syntax
// Completion scripts for bash, zsh and fish, generated from the command table: commands, subcommands, each leaf's
// options, the values of enumerated options, and file names where an option takes a path.
import type { CommandSpec, OptionSpec } from './options.js';

type Table = Readonly<Record<string, CommandSpec>>;

interface Leaf {
  /** 'audit' or 'harden plan'. */
  key: string;
  spec: CommandSpec;
}

function visible(table: Table): [string, CommandSpec][] {
  return Object.entries(table).filter(([, spec]) => !spec.hidden);
}

function leaves(table: Table): Leaf[] {
  return visible(table).flatMap(([name, spec]) =>
    spec.subcommands
      ? Object.entries(spec.subcommands).map(([sub, subSpec]) => ({ key: `${name} ${sub}`, spec: subSpec }))
      : [{ key: name, spec }],
  );
}

function flagNames(name: string, option: OptionSpec): string[] {
  return option.negatable ? [`--${name}`, `--no-${name}`] : [`--${name}`];
}

function allFlags(spec: CommandSpec): string[] {
  return [...Object.entries(spec.options).flatMap(([name, option]) => flagNames(name, option)), '--help'];
}

/** Options whose value is a path (so the shell completes file names). */
function takesPath(option: OptionSpec): boolean {
  return option.type === 'string' && !option.choices && /FILE|DIR|PATH|CONFIG|KEYSTORE/.test(option.arg ?? '');
}

/** Quote for a single-quoted shell word. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function bashCompletion(table: Table): string {
  const groups = visible(table).filter(([, spec]) => spec.subcommands);
  const lines = [
    '# bash completion for signer-opsec (generated from its command table: signer-opsec completion bash)',
    '_signer_opsec() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  local cmd="" sub="" i',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    case "${COMP_WORDS[i]}" in',
    '      -*) ;;',
    '      *)',
    '        if [[ -z $cmd ]]; then cmd="${COMP_WORDS[i]}"',
    `        elif [[ -z $sub ]]; then case "$cmd" in ${groups.map(([name]) => name).join('|') || '__none__'}) sub="\${COMP_WORDS[i]}" ;; esac`,
    '        fi ;;',
    '    esac',
    '  done',
    '  local key="$cmd${sub:+ $sub}" opts=""',
    '  case "$key" in',
    `    "") COMPREPLY=($(compgen -W ${quote([...visible(table).map(([name]) => name), 'help'].join(' '))} -- "$cur")); return ;;`,
    `    help) COMPREPLY=($(compgen -W ${quote(
      visible(table)
        .map(([name]) => name)
        .join(' '),
    )} -- "$cur")); return ;;`,
  ];
  for (const [name, spec] of groups)
    lines.push(
      `    ${quote(name)}) COMPREPLY=($(compgen -W ${quote(Object.keys(spec.subcommands!).join(' '))} -- "$cur")); return ;;`,
    );
  for (const { key, spec } of leaves(table)) {
    const cases: string[] = [];
    for (const [name, option] of Object.entries(spec.options)) {
      if (option.choices)
        cases.push(
          `        --${name}) COMPREPLY=($(compgen -W ${quote(option.choices.join(' '))} -- "$cur")); return ;;`,
        );
      else if (takesPath(option)) cases.push(`        --${name}) COMPREPLY=($(compgen -f -- "$cur")); return ;;`);
      else if (option.type === 'string') cases.push(`        --${name}) return ;;`);
    }
    lines.push(`    ${quote(key)})`);
    if (cases.length > 0) lines.push('      case "$prev" in', ...cases, '      esac'); // spread-ok: one case per option of one command
    lines.push(`      opts=${quote(allFlags(spec).join(' '))}`);
    if (spec.operands) lines.push('      [[ $cur != -* ]] && { COMPREPLY=($(compgen -f -- "$cur")); return; }');
    lines.push('      ;;');
  }
  lines.push(
    '  esac',
    '  COMPREPLY=($(compgen -W "$opts" -- "$cur"))',
    '}',
    'complete -F _signer_opsec signer-opsec',
    '',
  );
  return lines.join('\n');
}

/** Text safe inside a zsh _arguments spec or _describe entry. */
function zshText(text: string): string {
  return text
    .replace(/[[\]:\\'`$]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function zshCompletion(table: Table): string {
  const described = (entries: [string, CommandSpec][]) =>
    entries.map(([name, spec]) => quote(`${name}:${zshText(spec.summary)}`)).join(' ');
  const lines = [
    '#compdef signer-opsec',
    '# zsh completion for signer-opsec (generated from its command table: signer-opsec completion zsh)',
    '_signer_opsec() {',
    '  local -a entries',
    '  if (( CURRENT == 2 )); then',
    `    entries=(${described(visible(table))} 'help:a command'"'"'s options, examples and exit codes')`,
    "    _describe 'command' entries; return",
    '  fi',
    '  local key=$words[2]',
    '  case $words[2] in',
  ];
  for (const [name, spec] of visible(table).filter(([, spec]) => spec.subcommands)) {
    lines.push(
      `    ${name})`,
      '      if (( CURRENT == 3 )); then',
      `        entries=(${described(Object.entries(spec.subcommands!))})`,
      "        _describe 'subcommand' entries; return",
      '      fi',
      '      key="$words[2] $words[3]"; words=(${words[1]} ${words[3,-1]}); (( CURRENT-- )) ;;',
    );
  }
  lines.push('  esac', '  words=(${words[1]} ${words[3,-1]}); (( CURRENT-- ))', '  case $key in');
  for (const { key, spec } of leaves(table)) {
    const specs = Object.entries(spec.options).flatMap(([name, option]) =>
      flagNames(name, option).map((flag) => {
        const repeat = option.multiple ? '*' : '';
        const help = `[${zshText(flag.startsWith('--no-') ? `turn --${name} off` : option.help)}]`;
        if (option.type === 'boolean' || flag.startsWith('--no-')) return quote(`${repeat}${flag}${help}`);
        const action = option.choices ? `(${option.choices.join(' ')})` : takesPath(option) ? '_files' : ' ';
        return quote(`${repeat}${flag}${help}:${zshText(option.arg ?? 'value')}:${action}`);
      }),
    );
    if (spec.operands) specs.push(quote(`*:${zshText(spec.operands.name)}:_files`));
    lines.push(`    ${quote(key)}) _arguments ${specs.join(' ')} ;;`);
  }
  lines.push('  esac', '}', '_signer_opsec "$@"', '');
  return lines.join('\n');
}

export function fishCompletion(table: Table): string {
  const lines = [
    '# fish completion for signer-opsec (generated from its command table: signer-opsec completion fish)',
    'complete -c signer-opsec -f',
  ];
  const top = visible(table).map(([name]) => name);
  for (const [name, spec] of visible(table))
    lines.push(`complete -c signer-opsec -n __fish_use_subcommand -a ${name} -d ${quote(spec.summary)}`);
  lines.push(
    `complete -c signer-opsec -n __fish_use_subcommand -a help -d ${quote("a command's options, examples and exit codes")}`,
  );
  lines.push(`complete -c signer-opsec -n '__fish_seen_subcommand_from help' -a ${quote(top.join(' '))}`);
  for (const [name, spec] of visible(table).filter(([, spec]) => spec.subcommands)) {
    const subs = Object.keys(spec.subcommands!);
    for (const [sub, subSpec] of Object.entries(spec.subcommands!))
      lines.push(
        `complete -c signer-opsec -n ${quote(`__fish_seen_subcommand_from ${name}; and not __fish_seen_subcommand_from ${subs.join(' ')}`)} -a ${sub} -d ${quote(subSpec.summary)}`,
      );
  }
  for (const { key, spec } of leaves(table)) {
    const [command, sub] = key.split(' ');
    const condition = sub
      ? `__fish_seen_subcommand_from ${command}; and __fish_seen_subcommand_from ${sub}`
      : `__fish_seen_subcommand_from ${command}`;
    for (const [name, option] of Object.entries(spec.options)) {
      for (const flag of flagNames(name, option)) {
        const help = flag.startsWith('--no-') ? `turn --${name} off` : option.help;
        let how = '';
        if (option.type === 'string' && !flag.startsWith('--no-'))
          how = option.choices ? ` -x -a ${quote(option.choices.join(' '))}` : takesPath(option) ? ' -r -F' : ' -x';
        lines.push(`complete -c signer-opsec -n ${quote(condition)} -l ${flag.slice(2)}${how} -d ${quote(help)}`);
      }
    }
    if (spec.operands) lines.push(`complete -c signer-opsec -n ${quote(condition)} -F`);
  }
  lines.push('');
  return lines.join('\n');
}
